/**
 * The vrrp_instance keywords that change what a failover does, and keepalived's rules for them
 * (vrrp.c vrrp_complete_instance): strict_mode / vrrp_strict, the split-brain knobs
 * (higher_prio_send_advert, lower_prio_no_advert, garp_lower_prio_repeat / _delay), use_vmac and
 * vmac_xmit_base, virtual_routes and virtual_rules. Each of keepalived's resets is a warning at
 * the keyword it overrides, in keepalived's words where it has them.
 */
import type { ArgChecker } from './check-args.js';
import type { Handler } from './dispatch.js';
import { routeOf, ruleOf } from './validate-routes.js';
import { boolFlag } from './validate-global.js';
import type { GlobalDefs, Stmt, Token, VirtualRoute, VirtualRule, VmacSettings } from './types.js';
import type { InstanceDraft } from './validate-instance.js';
import type { SplitBrainConfig } from '../protocol/types.js';
import { VRRP_MAC_PREFIX4 } from '../wire/constants.js';
import { isValidIfname } from './values.js';

/** What the keywords set, with the token each was written at; resolved by `completeFailover`. */
export interface FailoverDraft {
  strictMode?: boolean;
  strictToken?: Token;
  higherPrioSendAdvert?: boolean;
  higherToken?: Token;
  lowerPrioNoAdvert?: boolean;
  lowerToken?: Token;
  garpLowerPrioRepeat?: number;
  repeatToken?: Token;
  garpLowerPrioDelayMs?: number;
  delayToken?: Token;
  useVmac?: { name?: string; token: Token };
  xmitBaseToken?: Token;
  routes: VirtualRoute[];
  rules: VirtualRule[];
  /** Resolved: strict_mode, else vrrp_strict. */
  strict: boolean;
  splitBrain?: SplitBrainConfig;
  vmac?: VmacSettings;
}

export function emptyFailover(): FailoverDraft {
  return { routes: [], rules: [], strict: false };
}

type H = Handler<InstanceDraft>;

const bool = (set: (f: FailoverDraft, v: boolean, t: Token) => void): H => (s, d, a) => {
  const v = boolFlag(s, a);
  if (v !== undefined) set(d.failover, v, s.keyword);
};

const int = (name: string, max: number, set: (f: FailoverDraft, n: number, t: Token) => void): H => (s, d, a) => {
  const t = a.one(s);
  const n = t && a.int(t, name, 0, max);
  if (n !== undefined && t) set(d.failover, n, t);
};

const lines = <T>(of: (s: Stmt, a: ArgChecker) => T | undefined, into: (f: FailoverDraft) => T[]): H => (s, d, a) => {
  a.extra(s, 0);
  for (const entry of a.block(s) ?? []) {
    const v = of(entry, a);
    if (v !== undefined) into(d.failover).push(v);
  }
};

export const FAILOVER_HANDLERS: readonly (readonly [string, H])[] = [
  ['strict_mode', bool((f, v, t) => { f.strictMode = v; f.strictToken = t; })],
  ['higher_prio_send_advert', bool((f, v, t) => { f.higherPrioSendAdvert = v; f.higherToken = t; })],
  ['lower_prio_no_advert', bool((f, v, t) => { f.lowerPrioNoAdvert = v; f.lowerToken = t; })],
  ['garp_lower_prio_repeat', int('garp_lower_prio_repeat', 255, (f, n, t) => { f.garpLowerPrioRepeat = n; f.repeatToken = t; })],
  ['garp_lower_prio_delay', int('garp_lower_prio_delay', 86400, (f, n, t) => { f.garpLowerPrioDelayMs = n * 1000; f.delayToken = t; })],
  ['use_vmac', (s, d, a) => { const v = useVmacOf(s, a); if (v) d.failover.useVmac = v; }],
  ['vmac_xmit_base', (s, d, a) => { a.flag(s); d.failover.xmitBaseToken = s.keyword; }],
  ['virtual_routes', lines(routeOf, (f) => f.routes)],
  ['virtual_rules', lines(ruleOf, (f) => f.rules)],
];

export const FAILOVER_SCALARS = ['strict_mode', 'higher_prio_send_advert', 'lower_prio_no_advert', 'garp_lower_prio_repeat', 'garp_lower_prio_delay', 'use_vmac'];

/** `use_vmac [IFNAME] [MAC]`: vrrpd takes the name; a MAC of one's own is refused (RFC 3768 §7.3's is used). */
function useVmacOf(s: Stmt, a: ArgChecker): { name?: string; token: Token } | undefined {
  a.noBlock(s);
  let name: string | undefined;
  for (const t of s.args.slice(0, 2)) {
    if (t.text.includes(':')) a.diags.warning(t, `use_vmac MAC address '${t.text}' is not supported by vrrpd; the virtual router MAC 00:00:5e:00:01:<VRID> is used`);
    else if (!isValidIfname(t.text)) {
      a.diags.error(t, `use_vmac interface name must be 1..15 characters (no '/' or spaces), not '${t.text}'`);
      return undefined;
    } else name = t.text;
  }
  a.extra(s, 2);
  return name === undefined ? { token: s.keyword } : { name, token: s.keyword };
}

/** keepalived's completion of these keywords (vrrp.c vrrp_complete_instance), strict mode first. */
export function completeFailover(d: InstanceDraft, g: GlobalDefs, a: ArgChecker): void {
  const f = d.failover;
  f.strict = f.strictMode ?? g.vrrpStrict;
  if (f.strict) completeStrict(d, a);
  completeAccept(d, a);
  f.splitBrain = splitBrainOf(d.name, f, g, a);
  f.vmac = vmacOf(d, a);
  if (d.family === 'ipv6') completeIpv6(d, a);
}

/**
 * What vrrpd does for IPv4 only (the nftables table is 'ip vrrpd', the macvlan has no IPv6
 * link-local address): an IPv6 instance says so as a failover warning and runs without it.
 */
function completeIpv6(d: InstanceDraft, a: ArgChecker): void {
  const f = d.failover;
  const who = `(${d.name})`;
  if (!d.acceptMode && d.priority !== 255) {
    const at = d.acceptToken ?? f.strictToken ?? d.nameToken;
    a.diags.failover(at, `${who} no_accept is not enforced for an IPv6 instance: vrrpd's nftables table is IPv4 only, so a master accepts traffic to its IPv6 VIPs (keepalived drops it)`);
    d.acceptMode = true;
  }
  if (f.vmac !== undefined && f.useVmac !== undefined) {
    a.diags.failover(f.useVmac.token, `${who} use_vmac is not supported for an IPv6 instance by vrrpd: no macvlan is made, adverts and neighbour advertisements leave from the interface's own MAC; ignored`);
    f.vmac = undefined;
  }
}

/** The strict-mode rules that are not about one keyword's default. */
function completeStrict(d: InstanceDraft, a: ArgChecker): void {
  const who = `(${d.name})`;
  const at = d.failover.strictToken ?? d.nameToken;
  // No VIP is an error in every mode (validate-instance.ts), not only strict mode's.
  if (d.state === 'MASTER' && d.priority !== 255) {
    a.diags.warning(d.stateToken ?? at, `${who} State MASTER must match being address owner (strict mode): starts as BACKUP, as keepalived does`);
    d.state = 'BACKUP';
  }
  if (d.auth.type !== undefined || d.auth.pass !== undefined) {
    a.diags.warning(d.authToken ?? at, `${who} Strict mode does not support authentication. Ignoring. (as keepalived: adverts carry auth type 0, so a peer with auth_type PASS drops them)`);
    d.auth = {};
  }
  if (d.unicastPeers.length > 0) a.diags.error(at, `${who} Unicast peers are not supported in strict mode (keepalived refuses the instance)`);
  if (d.preemptDelayMs > 0) {
    a.diags.warning(d.preemptDelayToken ?? at, `${who} preempt_delay is incompatible with strict mode - resetting`);
    d.preemptDelayMs = 0;
  }
  if (d.failover.xmitBaseToken !== undefined) {
    a.diags.warning(d.failover.xmitBaseToken, `${who} xmit_base is incompatible with strict mode - resetting`);
    d.failover.xmitBaseToken = undefined;
  }
}

/** keepalived: accept by default, but no_accept under strict mode unless the address owner; VRRPv2 strict refuses accept. */
function completeAccept(d: InstanceDraft, a: ArgChecker): void {
  const strict = d.failover.strict;
  if (d.acceptToken === undefined) d.acceptMode = d.priority === 255 || !strict;
  else if (strict && d.acceptMode && d.priority !== 255 && d.version === 2) {
    a.diags.warning(d.acceptToken, `(${d.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting (strict mode)`);
    d.acceptMode = false;
  }
}

/** The split-brain knobs: the instance's, else strict mode's, else global_defs' (garp_lower_prio_* default to garp_master_*). */
function splitBrainOf(name: string, f: FailoverDraft, g: GlobalDefs, a: ArgChecker): SplitBrainConfig {
  if (!f.strict) {
    return {
      higherPrioSendAdvert: f.higherPrioSendAdvert ?? g.higherPrioSendAdvert,
      lowerPrioNoAdvert: f.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert,
      garpLowerPrioRepeat: f.garpLowerPrioRepeat ?? g.garpLowerPrioRepeat ?? g.garpMasterRepeat,
      garpLowerPrioDelayMs: f.garpLowerPrioDelayMs ?? g.garpLowerPrioDelayMs ?? g.garpMasterDelayMs,
    };
  }
  const reset = (t: Token | undefined, msg: string): void => {
    if (t !== undefined) a.diags.warning(t, `(${name}) ${msg} (strict mode), as keepalived does`);
  };
  if (f.garpLowerPrioRepeat) reset(f.repeatToken, 'Strict mode requires no repeat garps. resetting');
  if (f.garpLowerPrioDelayMs) reset(f.delayToken, 'Strict mode requires no repeat garp delay. resetting');
  if (f.lowerPrioNoAdvert === false) reset(f.lowerToken, 'Strict mode requires no lower priority advert. resetting');
  if (f.higherPrioSendAdvert) reset(f.higherToken, 'strict mode requires higher_prio_send_advert to be clear. resetting');
  return { higherPrioSendAdvert: false, lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0, garpLowerPrioDelayMs: 0 };
}

/** use_vmac: keepalived's name `vrrp.<VRID>` unless one is given; vmac_xmit_base only with use_vmac. */
function vmacOf(d: InstanceDraft, a: ArgChecker): VmacSettings | undefined {
  const f = d.failover;
  if (f.useVmac === undefined) {
    if (f.xmitBaseToken !== undefined) a.diags.warning(f.xmitBaseToken, `(${d.name}) vmac_xmit_base is only valid with a vmac; ignored, as keepalived does`);
    return undefined;
  }
  if (d.interface === undefined) {
    a.diags.error(f.useVmac.token, `(${d.name}) use_vmac needs 'interface': the macvlan is made on it`);
    return undefined;
  }
  const vrid = d.vrid ?? 0;
  const ifname = f.useVmac.name ?? `vrrp.${vrid}`;
  if (ifname === d.interface) {
    a.diags.error(f.useVmac.token, `(${d.name}) use_vmac interface name '${ifname}' is the instance's own interface`);
    return undefined;
  }
  return { ifname, mac: `${VRRP_MAC_PREFIX4}:${vrid.toString(16).padStart(2, '0')}`, xmitBase: f.xmitBaseToken !== undefined };
}
