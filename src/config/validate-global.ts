/** global_defs -> GlobalDefs, with keepalived's defaults (keepalived.conf(5), "Global definitions"). */
import type { ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { GLOBAL_DEFS } from './keywords.js';
import type { GlobalDefs, ScriptUser, Stmt } from './types.js';
import { isLinkLocalMulticast6, isMulticast, parseIpAddress } from '../wire/address.js';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../wire/constants.js';
import { parseBool, secondsToMs } from './values.js';
import { formatListenAddress, parseListenAddress } from './listen-address.js';
import { boolArg, completeFifos, fifoHandler, fifoScriptHandler } from './validate-notify.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type GlobalDraft = Mutable<GlobalDefs>;

/** RFC 3768 §5.2.2: the IANA VRRP multicast group. */
export const DEFAULT_MCAST_GROUP4 = VRRP_MCAST_GROUP4;

export function defaultGlobals(): GlobalDraft {
  return {
    vrrpMcastGroup4: DEFAULT_MCAST_GROUP4,
    vrrpMcastGroup6: VRRP_MCAST_GROUP6,
    garpMasterDelayMs: 5000,
    garpMasterRepeat: 5,
    garpMasterRefreshMs: 0,
    garpMasterRefreshRepeat: 1,
    garpIntervalMs: 0,
    enableScriptSecurity: false,
    vrrpVersion: 2,
    vrrpStartupDelayMs: 0,
    vrrpStrict: false,
    higherPrioSendAdvert: false,
    lowerPrioNoAdvert: false,
    vrrpNotifyPriorityChanges: false,
    fifoWriteStatesOnReload: false,
  };
}

/** `user [group]` of script_user and vrrp_script user. */
/** A keepalived flag that may take a <BOOL>: `keyword` alone means true. Undefined when the value is bad. */
export function boolFlag(stmt: Stmt, a: ArgChecker): boolean | undefined {
  a.noBlock(stmt);
  const t = stmt.args[0];
  if (t === undefined) return true;
  a.extra(stmt, 1);
  const v = parseBool(t.text);
  if (v === undefined) a.diags.error(t, `'${stmt.keyword.text}' takes on/off/true/false/yes/no, not '${t.text}'`);
  return v;
}

export function scriptUserOf(stmt: Stmt, a: ArgChecker): ScriptUser | undefined {
  a.noBlock(stmt);
  const [user, group] = stmt.args;
  if (user === undefined) {
    a.diags.error(stmt.keyword, `'${stmt.keyword.text}' needs a user name`);
    return undefined;
  }
  a.extra(stmt, 2);
  return group === undefined ? { user: user.text } : { user: user.text, group: group.text };
}

/**
 * RLIMIT_RTTIME while `vrrp_rt_priority` is in force, in µs. keepalived's default is 10 ms (its
 * RT_RLIMIT_DEFAULT); vrrpd's event loop runs 25-100 ms without sleeping when it starts or takes
 * over 255 instances (measured, README "Process priority"), and the kernel kills a real-time
 * thread at the limit, so vrrpd's default is 1 s and a smaller value is raised to its floor.
 */
export const RLIMIT_RTTIME_US = { default: 1_000_000, floor: 500_000 } as const;

/** `vrrp_rlimit_rttime USEC` (or its deprecated spelling): whether a value was taken. */
function rlimitRttime(s: Stmt, g: GlobalDraft, a: ArgChecker, name: string): boolean {
  const t = a.one(s); const n = t && a.int(t, name, 1, 4294967295);
  if (t === undefined || n === undefined) return false;
  if (n < RLIMIT_RTTIME_US.floor) {
    a.diags.warning(t, `${name} ${n} raised to ${RLIMIT_RTTIME_US.floor} µs: vrrpd's event loop can run 25-100 ms without sleeping (start, a takeover of many instances) and the kernel would kill it at ${n} µs; keepalived takes the value as it is`);
  }
  g.vrrpRlimitRttimeUs = Math.max(RLIMIT_RTTIME_US.floor, n);
  return true;
}

const handlers = new Map<string, Handler<GlobalDraft>>([
  ['router_id', (s, g, a) => { const t = a.one(s); if (t) g.routerId = t.text; }],
  ['vrrp_mcast_group4', (s, g, a) => {
    const t = a.one(s, 'an IPv4 multicast address');
    if (!t) return;
    const ip = parseIpAddress(t.text, 'ipv4');
    if (!ip.ok || !isMulticast(ip.value))
      a.diags.error(t, `vrrp_mcast_group4 must be an IPv4 multicast address (224.0.0.0/4), not '${t.text}'`);
    else g.vrrpMcastGroup4 = ip.value;
  }],
  ['vrrp_mcast_group6', (s, g, a) => {
    const t = a.one(s, 'an IPv6 multicast address');
    if (!t) return;
    const ip = parseIpAddress(t.text, 'ipv6');
    if (!ip.ok || !isMulticast(ip.value)) {
      a.diags.error(t, `vrrp_mcast_group6 must be an IPv6 multicast address (ff00::/8), not '${t.text}'`);
      return;
    }
    if (!isLinkLocalMulticast6(ip.value)) a.diags.warning(t, `vrrp_mcast_group6 ${ip.value} should be link-local multicast (ffX2::/16), as keepalived warns: VRRP stays on the link (RFC 5798 §5.1.2.2)`);
    g.vrrpMcastGroup6 = ip.value;
  }],
  ['vrrp_garp_master_delay', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_master_delay', 0, 86400);
    if (n !== undefined) g.garpMasterDelayMs = n * 1000;
  }],
  ['vrrp_garp_master_repeat', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_master_repeat', 1, 255);
    if (n !== undefined) g.garpMasterRepeat = n;
  }],
  ['vrrp_garp_master_refresh', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_master_refresh', 0, 86400);
    if (n !== undefined) g.garpMasterRefreshMs = n * 1000;
  }],
  ['vrrp_garp_master_refresh_repeat', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_master_refresh_repeat', 1, 255);
    if (n !== undefined) g.garpMasterRefreshRepeat = n;
  }],
  ['vrrp_garp_interval', (s, g, a) => {
    const t = a.one(s); const n = t && a.seconds(t, 'vrrp_garp_interval', 0, 1);
    if (n !== undefined) g.garpIntervalMs = secondsToMs(n);
  }],
  ['vrrp_garp_lower_prio_repeat', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_lower_prio_repeat', 0, 255);
    if (n !== undefined) g.garpLowerPrioRepeat = n;
  }],
  ['vrrp_garp_lower_prio_delay', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_garp_lower_prio_delay', 0, 86400);
    if (n !== undefined) g.garpLowerPrioDelayMs = n * 1000;
  }],
  ['vrrp_priority', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_priority', -20, 19);
    if (n !== undefined) g.vrrpPriority = n;
  }],
  ['vrrp_rt_priority', (s, g, a) => {
    const t = a.one(s); const n = t && a.int(t, 'vrrp_rt_priority', 1, 99);
    if (n !== undefined) g.vrrpRtPriority = n;
  }],
  ['vrrp_rlimit_rttime', (s, g, a) => rlimitRttime(s, g, a, 'vrrp_rlimit_rttime')],
  ['vrrp_rlimit_rtime', (s, g, a) => {
    if (rlimitRttime(s, g, a, 'vrrp_rlimit_rtime')) a.diags.info(s.keyword, "'vrrp_rlimit_rtime' is deprecated (as in keepalived): use 'vrrp_rlimit_rttime'");
  }],
  ['vrrp_strict', (s, g, a) => { a.flag(s); g.vrrpStrict = true; }],
  ['vrrp_higher_prio_send_advert', (s, g, a) => { const v = boolFlag(s, a); if (v !== undefined) g.higherPrioSendAdvert = v; }],
  ['vrrp_lower_prio_no_advert', (s, g, a) => { const v = boolFlag(s, a); if (v !== undefined) g.lowerPrioNoAdvert = v; }],
  ['script_user', (s, g, a) => { const u = scriptUserOf(s, a); if (u) g.scriptUser = u; }],
  ['enable_script_security', (s, g, a) => { a.flag(s); g.enableScriptSecurity = true; }],
  ['vrrp_version', (s, g, a) => {
    const t = a.one(s);
    const n = t && a.int(t, 'vrrp_version', 2, 3);
    if (n === 2 || n === 3) g.vrrpVersion = n;
  }],
  ['vrrpd_metrics', (s, g, a) => {
    const t = a.one(s, 'ADDRESS:PORT');
    if (!t) return;
    const listen = parseListenAddress(t.text);
    if (!listen.ok) return a.diags.error(t, `vrrpd_metrics: ${listen.error}`);
    g.vrrpdMetrics = listen.value;
    a.diags.info(s.keyword, `'vrrpd_metrics ${t.text}' is a vrrpd extension (Prometheus metrics on http://${formatListenAddress(listen.value)}/metrics); keepalived would report an unknown keyword`);
  }],
  ['vrrp_startup_delay', (s, g, a) => {
    const t = a.one(s); const n = t && a.seconds(t, 'vrrp_startup_delay', 0, 3600);
    if (n !== undefined) g.vrrpStartupDelayMs = secondsToMs(n);
  }],
  ['notify_fifo', fifoHandler('notifyFifo')],
  ['notify_fifo_script', fifoScriptHandler('notifyFifo')],
  ['vrrp_notify_fifo', fifoHandler('vrrpNotifyFifo')],
  ['vrrp_notify_fifo_script', fifoScriptHandler('vrrpNotifyFifo')],
  ['vrrp_notify_priority_changes', (s, g, a) => { const v = boolArg(s, a); if (v !== undefined) g.vrrpNotifyPriorityChanges = v; }],
  ['fifo_write_vrrp_states_on_reload', (s, g, a) => { a.flag(s); g.fifoWriteStatesOnReload = true; }],
]);

/** The global_defs keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const GLOBAL_HANDLED: ReadonlySet<string> = new Set(handlers.keys());

export function validateGlobal(stmt: Stmt, g: GlobalDraft, a: ArgChecker): void {
  const block = a.block(stmt);
  if (block === undefined) return;
  a.extra(stmt, 0);
  dispatch(block, { label: 'global_defs', section: 'global_defs', handlers, scalars: GLOBAL_HANDLED, table: GLOBAL_DEFS }, g, a);
  completeFifos(g, a);
}
