/**
 * vrrp_instance NAME { ... } -> a draft VrrpInstance, then keepalived's completion rules
 * (vrrp.c, vrrp_complete_instance): priority defaults to 255 for `state MASTER` and 100
 * otherwise; priority 255 without nopreempt starts as MASTER; nopreempt is reset with priority
 * 255 and has no effect with state MASTER; preempt_delay is reset with nopreempt. What depends on
 * the protocol version (the advert interval's unit, authentication) is completed once global_defs
 * is known too (`completeProtocol`).
 */
import { pos, type ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { VRRP_INSTANCE } from './keywords.js';
import { authOf, trackRefOf, unicastPeerOf, vipOf, type AuthDraft } from './validate-lists.js';
import { claimFamily, type FamilyDraft } from './family.js';
import { familyOf, isLinkLocal6, type IpAddress } from '../wire/address.js';
import type { OldUnicastChecksum } from '../wire/types.js';
import { notifyHandlers, type NotifyCommandsDraft, type TrackerRefsDraft } from './validate-sync.js';
import type { GarpSettings, GlobalDefs, NotifyCommand, SourcePos, Stmt, Token, TrackRef, VirtualAddress } from './types.js';
import { notifyCommandOf } from './validate-script.js';
import { TRACK_WEIGHT_MAX } from './validate-track.js';
import { boolArg } from './validate-notify.js';
import { parseBool, parseDecimal } from './values.js';
import { completeFailover, emptyFailover, FAILOVER_HANDLERS, FAILOVER_SCALARS, type FailoverDraft } from './validate-failover.js';

export interface InstanceDraft extends FamilyDraft, TrackerRefsDraft, NotifyCommandsDraft {
  name: string;
  pos: SourcePos;
  nameToken: Token;
  state: 'MASTER' | 'BACKUP';
  stateToken?: Token;
  interface?: string;
  interfaceToken?: Token;
  vrid?: number;
  vridToken?: Token;
  priority: number;
  priorityToken?: Token;
  /** `version`, when given (else global vrrp_version). */
  version?: 2 | 3;
  versionToken?: Token;
  /** `advert_int` as written, in seconds (default 1). */
  advertIntSec: number;
  advertIntToken?: Token;
  /** Completed by `completeProtocol`. */
  adverIntervalCs: number;
  acceptMode: boolean;
  /** Where `accept` / `no_accept` was written (keepalived's default depends on strict mode). */
  acceptToken?: Token;
  /** keepalived's `old_unicast_checksum [never]` (VRRPv3 unicast over IPv4); default 'auto'. */
  oldUnicastChecksum: OldUnicastChecksum;
  oldUnicastChecksumToken?: Token;
  auth: AuthDraft;
  authToken?: Token;
  vips: VirtualAddress[];
  vipsExcluded: VirtualAddress[];
  nopreempt: boolean;
  nopreemptToken?: Token;
  preemptDelayMs: number;
  preemptDelayToken?: Token;
  notifyPriorityChanges?: boolean;
  unicastSrcIp?: IpAddress;
  unicastPeers: IpAddress[];
  mcastSrcIp?: IpAddress;
  garp: { -readonly [K in keyof GarpSettings]?: GarpSettings[K] };
  dontTrackPrimary: boolean;
  smtpAlert: boolean;
  /** The keywords of validate-failover.ts (strict mode, split brain, use_vmac, virtual routes and rules). */
  failover: FailoverDraft;
}

type H = Handler<InstanceDraft>;

const intOpt = (name: string, min: number, max: number, set: (d: InstanceDraft, n: number) => void): H => (s, d, a) => {
  const t = a.one(s);
  const n = t && a.int(t, name, min, max);
  if (n !== undefined) set(d, n);
};

/** A block of entries; `keep` may refuse an entry (an address of the instance's other family). */
const listOpt = <T>(
  of: (s: Stmt, a: ArgChecker) => T | undefined,
  into: (d: InstanceDraft) => T[],
  keep: (d: InstanceDraft, v: T, s: Stmt, a: ArgChecker) => boolean = () => true,
): H => (s, d, a) => {
  a.extra(s, 0);
  for (const entry of a.block(s) ?? []) {
    const v = of(entry, a);
    if (v !== undefined && keep(d, v, entry, a)) into(d).push(v);
  }
};

/** An address-valued scalar (unicast_src_ip, mcast_src_ip) of either family, which claims the instance's family. */
const srcIpOpt = (name: string, set: (d: InstanceDraft, ip: IpAddress) => void): H => (s, d, a) => {
  const t = a.one(s);
  const ip = t && a.ip(t, name);
  if (t && ip && claimFamily(d, familyOf(ip), t, name, a)) set(d, ip);
};

const handlers = new Map<string, H>([
  ['state', (s, d, a) => {
    const t = a.one(s);
    if (!t) return;
    d.stateToken = t;
    if (t.text === 'MASTER' || t.text === 'BACKUP') d.state = t.text;
    else {
      a.diags.warning(t, `unknown state '${t.text}' (expected MASTER or BACKUP); using BACKUP as keepalived does`);
      d.state = 'BACKUP';
    }
  }],
  ['interface', (s, d, a) => { const t = a.one(s); if (t) { d.interface = t.text; d.interfaceToken = t; } }],
  ['virtual_router_id', (s, d, a) => {
    const t = a.one(s);
    if (!t) return;
    d.vridToken = t;
    const n = a.int(t, 'virtual_router_id', 1, 255);
    if (n !== undefined) d.vrid = n;
  }],
  ['priority', (s, d, a) => {
    const t = a.one(s);
    if (!t) return;
    d.priorityToken = t;
    const n = a.int(t, 'priority', 1, 255);
    if (n !== undefined) d.priority = n;
  }],
  ['advert_int', (s, d, a) => {
    const t = a.one(s);
    if (!t) return;
    const n = parseDecimal(t.text);
    if (n === undefined || n < 0.01 || n > 255) {
      a.diags.error(t, `advert_int must be a number of seconds from 0.01 to 255, not '${t.text}'`);
      return;
    }
    d.advertIntSec = n;
    d.advertIntToken = t;
  }],
  ['authentication', (s, d, a) => { a.extra(s, 0); d.authToken = s.keyword; d.auth = authOf(s, a); }],
  ['virtual_ipaddress', listOpt(vipOf, (d) => d.vips, (d, v, s, a) => claimFamily(d, familyOf(v.address), s.keyword, 'virtual_ipaddress', a))],
  ['virtual_ipaddress_excluded', listOpt(vipOf, (d) => d.vipsExcluded)],
  ['track_script', listOpt(trackRefOf, (d) => d.trackScripts)],
  ['track_interface', listOpt(trackRefOf, (d) => d.trackInterfaces)],
  ['track_file', listOpt((s, a) => trackRefOf(s, a, TRACK_WEIGHT_MAX), (d) => d.trackFiles)],
  ['track_process', listOpt((s, a) => trackRefOf(s, a, TRACK_WEIGHT_MAX), (d) => d.trackProcesses)],
  ['unicast_peer', listOpt(unicastPeerOf, (d) => d.unicastPeers, (d, ip, s, a) => claimFamily(d, familyOf(ip), s.keyword, 'unicast_peer', a))],
  ['native_ipv6', (s, d, a) => {
    a.flag(s);
    if (d.family === 'ipv4') a.diags.warning(s.keyword, `vrrp_instance ${d.name} has IPv4 addresses: native_ipv6 ignored, as keepalived does`);
    else claimFamily(d, 'ipv6', s.keyword, 'native_ipv6', a);
  }],
  ['nopreempt', (s, d, a) => { a.flag(s); d.nopreempt = true; d.nopreemptToken = s.keyword; }],
  ['preempt', (s, d, a) => { a.flag(s); d.nopreempt = false; }],
  ['preempt_delay', (s, d, a) => {
    const t = a.one(s);
    const n = t && a.seconds(t, 'preempt_delay', 0, 1000);
    if (n !== undefined && t) { d.preemptDelayMs = Math.round(n * 1000); d.preemptDelayToken = t; }
  }],
  ...notifyHandlers<InstanceDraft>(),
  ['notify_priority_changes', (s, d, a) => { const v = boolArg(s, a); if (v !== undefined) d.notifyPriorityChanges = v; }],
  ['unicast_src_ip', srcIpOpt('unicast_src_ip', (d, ip) => { d.unicastSrcIp = ip; })],
  ['mcast_src_ip', srcIpOpt('mcast_src_ip', (d, ip) => { d.mcastSrcIp = ip; })],
  ['garp_master_delay', intOpt('garp_master_delay', 0, 86400, (d, n) => { d.garp.masterDelayMs = n * 1000; })],
  ['garp_master_repeat', intOpt('garp_master_repeat', 1, 255, (d, n) => { d.garp.masterRepeat = n; })],
  ['garp_master_refresh', intOpt('garp_master_refresh', 0, 86400, (d, n) => { d.garp.masterRefreshMs = n * 1000; })],
  ['garp_master_refresh_repeat', intOpt('garp_master_refresh_repeat', 1, 255, (d, n) => { d.garp.masterRefreshRepeat = n; })],
  ['dont_track_primary', (s, d, a) => { a.flag(s); d.dontTrackPrimary = true; }],
  ['smtp_alert', (s, d, a) => {
    a.noBlock(s);
    const t = s.args[0];
    const v = t === undefined ? true : parseBool(t.text);
    if (v === undefined && t) a.diags.error(t, `smtp_alert must be on/off/true/false/yes/no, not '${t.text}'`);
    d.smtpAlert = v ?? false;
  }],
  ['version', (s, d, a) => {
    const t = a.one(s);
    const n = t && a.int(t, 'version', 2, 3);
    if (n === 2 || n === 3) {
      d.version = n;
      d.versionToken = t;
    }
  }],
  ['accept', (s, d, a) => { a.flag(s); d.acceptMode = true; d.acceptToken = s.keyword; }],
  ['no_accept', (s, d, a) => {
    a.flag(s);
    d.acceptMode = false;
    d.acceptToken = s.keyword;
  }],
  ['old_unicast_checksum', (s, d, a) => {
    // keepalived vrrp_parser.c: no argument sends old-style checksums, `never` turns auto-detection off.
    a.noBlock(s);
    a.extra(s, 1);
    const t = s.args[0];
    if (t !== undefined && t.text !== 'never') {
      a.diags.warning(t, `unknown old_unicast_checksum mode '${t.text}' (expected nothing or 'never'); ignored, as keepalived does`);
      return;
    }
    d.oldUnicastChecksum = t === undefined ? 'always' : 'never';
    d.oldUnicastChecksumToken = s.keyword;
  }],
  ...FAILOVER_HANDLERS,
]);

/** The vrrp_instance keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const INSTANCE_HANDLED: ReadonlySet<string> = new Set(handlers.keys());

const SCALARS = new Set([
  'state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'preempt_delay', 'notify_master',
  'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_priority_changes', 'unicast_src_ip', 'mcast_src_ip', 'garp_master_delay',
  'garp_master_repeat', 'garp_master_refresh', 'garp_master_refresh_repeat', 'version', 'old_unicast_checksum', ...FAILOVER_SCALARS,
]);

export function validateInstance(stmt: Stmt, a: ArgChecker): InstanceDraft | undefined {
  const name = stmt.args[0];
  if (name === undefined) {
    a.diags.error(stmt.keyword, 'vrrp_instance needs a name');
    return undefined;
  }
  a.extra(stmt, 1);
  const block = a.block(stmt);
  if (block === undefined) return undefined;
  const d: InstanceDraft = {
    name: name.text, pos: pos(name), nameToken: name, state: 'BACKUP', priority: 0, advertIntSec: 1,
    adverIntervalCs: 100, acceptMode: true, oldUnicastChecksum: 'auto', auth: {}, vips: [], vipsExcluded: [], nopreempt: false, preemptDelayMs: 0, trackScripts: [],
    trackInterfaces: [], trackFiles: [], trackProcesses: [], unicastPeers: [], garp: {}, dontTrackPrimary: false, smtpAlert: false, failover: emptyFailover(),
  };
  dispatch(block, { label: `vrrp_instance ${name.text}`, section: 'vrrp_instance', handlers, scalars: SCALARS, table: VRRP_INSTANCE }, d, a);
  completeInstance(d, a);
  return d;
}

/** keepalived's completion rules (vrrp.c vrrp_complete_instance), each with its warning. */
function completeInstance(d: InstanceDraft, a: ArgChecker): void {
  const who = `vrrp_instance ${d.name}`;
  if (d.vrid === undefined && d.vridToken === undefined) a.diags.error(d.nameToken, `${who} has no virtual_router_id (1..255)`);
  // keepalived: an instance may omit its interface in unicast mode with unicast_src_ip (vrrp.c vrrp_complete_instance).
  if (d.interface === undefined && d.family === 'ipv6' && d.unicastPeers.length > 0 && d.unicastSrcIp !== undefined)
    a.diags.error(d.nameToken, `${who} has no interface: vrrpd runs IPv6 unicast only with 'interface' (keepalived allows it without one; vrrpd's IPv6 socket is bound to the interface)`);
  else if (d.interface === undefined && (d.unicastPeers.length === 0 || d.unicastSrcIp === undefined))
    a.diags.error(d.nameToken, d.unicastPeers.length > 0 ? `${who} has no interface: a unicast instance needs unicast_src_ip or interface` : `${who} has no interface`);
  else if (d.interface === undefined)
    for (const v of [...d.vips, ...d.vipsExcluded]) if (v.dev === undefined) a.diags.error(v.pos, `${who} has no interface, so virtual address ${v.address} needs 'dev INTERFACE' (keepalived removes it otherwise)`);
  if (d.priorityToken === undefined) {
    d.priority = d.state === 'MASTER' ? 255 : 100;
    if (d.state === 'MASTER')
      a.diags.info(d.stateToken ?? d.nameToken, `${who}: no priority with state MASTER, so priority 255 (address owner), as keepalived does`);
  } else if (d.priority === 0) d.priority = 100; // invalid value, already reported
  if (d.priority === 255 && d.nopreempt) {
    a.diags.warning(d.nopreemptToken ?? d.nameToken, `${who}: nopreempt is incompatible with priority 255 (address owner); nopreempt reset`);
    d.nopreempt = false;
  }
  if (d.priority === 255 && d.state !== 'MASTER') d.state = 'MASTER';
  if (d.nopreempt && d.state === 'MASTER')
    a.diags.warning(d.nopreemptToken ?? d.nameToken, `${who}: nopreempt will not work with state MASTER (use state BACKUP on every node)`);
  if (d.nopreempt && d.preemptDelayMs > 0) {
    a.diags.warning(d.preemptDelayToken ?? d.nameToken, `${who}: preempt_delay is incompatible with nopreempt; preempt_delay reset`);
    d.preemptDelayMs = 0;
  }
  // RFC 3768 §5.3.5 / RFC 5798 §5.2.5: an advert carries at least one address (the router refuses none).
  if (d.vips.length === 0) a.diags.error(d.nameToken, `${who} has no virtual_ipaddress: a virtual router advertises at least one address`);
}

function completeAuth(d: InstanceDraft, a: ArgChecker, who: string): void {
  const { type, pass, typeToken, passToken } = d.auth;
  if (type === 'PASS' && (pass === undefined || pass === '')) {
    a.diags.warning(typeToken ?? d.nameToken, `${who}: auth_type PASS without auth_pass; no authentication used (as keepalived)`);
    d.auth = {};
  } else if (type === undefined && pass !== undefined && typeToken === undefined) {
    a.diags.warning(passToken ?? d.nameToken, `${who}: auth_pass without auth_type PASS; no authentication used`);
    d.auth = {};
  }
}

/**
 * The family (family.ts; IPv4 when nothing decided it) and the version it allows: an IPv6
 * instance always speaks VRRPv3 (keepalived: "IPv6 instances will use version 3"; RFC 3768 is
 * IPv4 only), an explicit `version 2` there is overridden with a warning. Also keepalived's
 * "the first IPv6 VIP address should be link local" (RFC 5798 §5.2.9), multicast only.
 */
function completeFamily(d: InstanceDraft, g: GlobalDefs, a: ArgChecker): 2 | 3 {
  const who = `vrrp_instance ${d.name}`;
  d.family ??= 'ipv4';
  if (d.family === 'ipv4') return d.version ?? g.vrrpVersion;
  if (d.version === 2) {
    a.diags.warning(d.versionToken ?? d.nameToken, `${who} is IPv6 and VRRP version 2 is IPv4 only (RFC 3768): version 3 used, as keepalived does in strict mode`);
  }
  const first = d.vips[0];
  if (first !== undefined && d.unicastPeers.length === 0 && !isLinkLocal6(first.address)) {
    a.diags.warning(first.pos, `${who}: the first IPv6 VIP address should be link local (RFC 5798 §5.2.9: the first address is the virtual router's link-local address); '${first.address}' is not. keepalived logs the same and runs`);
  }
  return 3;
}

/**
 * What depends on the protocol version, once global_defs is known (keepalived's
 * vrrp_complete_instance): the version itself (`version`, else `vrrp_version`), the advert
 * interval (VRRPv2: whole seconds 1..255, rounded with a warning; VRRPv3: 1..4095 centiseconds,
 * rounded to 10 ms and capped at 40.95 s with a warning) and authentication (VRRPv3 has none:
 * ignored with a warning, as keepalived does). `old_unicast_checksum` only matters to VRRPv3
 * unicast adverts: elsewhere it is reported as having no effect.
 */
export function completeProtocol(d: InstanceDraft, g: GlobalDefs, a: ArgChecker): void {
  const who = `vrrp_instance ${d.name}`;
  const version = completeFamily(d, g, a);
  d.version = version;
  completeFailover(d, g, a); // strict mode first: it drops authentication before the checks below
  const at = d.advertIntToken ?? d.nameToken;
  const sec = d.advertIntSec;
  if (version === 2) {
    const whole = Math.max(1, Math.round(sec));
    if (whole !== sec) a.diags.warning(at, `${who}: VRRPv2 advert_int ${sec} s is not a whole number of seconds (VRRPv2 carries whole seconds): rounded to ${whole} s, as keepalived does`);
    d.adverIntervalCs = whole * 100;
    completeAuth(d, a, who);
  } else {
    let cs = Math.max(1, Math.round(sec * 100));
    if (cs > 4095) {
      a.diags.warning(at, `${who}: VRRPv3 advert_int ${sec} s is out of range (at most 40.95 s): set to 40.95 s, as keepalived does`);
      cs = 4095;
    } else if (Math.abs(cs - sec * 100) > 1e-6) {
      a.diags.warning(at, `${who}: VRRPv3 advert_int ${sec} s is not a multiple of 10 ms: rounded to ${cs / 100} s, as keepalived does`);
    }
    d.adverIntervalCs = cs;
    if (d.auth.type !== undefined || d.auth.pass !== undefined) {
      a.diags.warning(d.authToken ?? d.nameToken, `${who}: VRRP version 3 has no authentication; 'authentication' ignored, as keepalived does`);
      d.auth = {};
    }
  }
  const oldAt = d.oldUnicastChecksumToken;
  if (oldAt !== undefined && (version === 2 || d.family === 'ipv6' || d.unicastPeers.length === 0)) {
    const why =
      version === 2 ? 'VRRPv2 checksums have no pseudo-header'
      : d.family === 'ipv6' ? 'it only changes the checksum of IPv4 unicast adverts (keepalived, vrrp.c)'
      : 'it only changes the checksum of unicast adverts (no unicast_peer here)';
    a.diags.warning(oldAt, `${who}: old_unicast_checksum has no effect: ${why}`);
  }
}
