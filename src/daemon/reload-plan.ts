/**
 * What a reload does with each vrrp_instance found in both configurations (matched by name): keep
 * it as it is, update it in place, or restart it. Like keepalived (vrrp.c vrrp_exist), an
 * instance is restarted only when what names its virtual router on the wire changes (IDENTITY
 * below); everything else (priority, advert_int, preempt, auth, addresses, routes, accept mode,
 * GARP settings, unicast peers, trackers, notify scripts, sync group) is applied in place, with
 * no transition and no VIP moved. Pure: no I/O.
 */
import type { VrrpdConfig, VrrpInstance } from '../config/types.js';

/** What happens to an instance present before and after the reload. */
export type ReloadPlan =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'in-place'; readonly changed: readonly string[] }
  | { readonly kind: 'restart'; readonly why: readonly string[] };

type Identity = (config: VrrpdConfig, inst: VrrpInstance) => unknown;

/**
 * Settings that name the virtual router, with the keepalived keyword a log line shows. keepalived
 * matches on VRID, family, interface, unicast or not, unicast_src_ip, use_vmac and the multicast
 * group; vrrpd also restarts on a changed version (another advert format), mcast_src_ip (the
 * §6.4.3 tie-break address) and old_unicast_checksum. An instance renamed is a new instance (the
 * old one stops, handing over), where keepalived would keep it.
 */
const IDENTITY: Readonly<Record<string, Identity>> = {
  virtual_router_id: (_, i) => i.vrid,
  version: (_, i) => i.version,
  family: (_, i) => i.family,
  interface: (_, i) => i.interface,
  use_vmac: (_, i) => i.vmac,
  unicast: (_, i) => i.unicastPeers.length > 0,
  unicast_src_ip: (_, i) => i.unicastSrcIp,
  mcast_src_ip: (_, i) => i.mcastSrcIp,
  old_unicast_checksum: (_, i) => i.oldUnicastChecksum,
  vrrp_mcast_group: (c, i) => (i.family === 'ipv6' ? c.global.vrrpMcastGroup6 : c.global.vrrpMcastGroup4),
};

/** Positions are where a setting was written, not what it is. */
const text = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'pos' ? undefined : x)) ?? 'undefined';

/** The plan for an instance found in both configurations. */
export function planReload(before: { config: VrrpdConfig; inst: VrrpInstance }, after: { config: VrrpdConfig; inst: VrrpInstance }): ReloadPlan {
  const why = Object.entries(IDENTITY)
    .filter(([, f]) => text(f(before.config, before.inst)) !== text(f(after.config, after.inst)))
    .map(([name]) => name);
  if (why.length > 0) return { kind: 'restart', why };
  const changed = changedSettings(before, after);
  return changed.length > 0 ? { kind: 'in-place', changed } : { kind: 'unchanged' };
}

/** What differs, in words for the log: "priority 100 -> 50", "vips +10.0.0.2/32", "vrrp_script chk_nginx". */
function changedSettings(before: { config: VrrpdConfig; inst: VrrpInstance }, after: { config: VrrpdConfig; inst: VrrpInstance }): string[] {
  const a = before.inst;
  const b = after.inst;
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof VrrpInstance)[];
  for (const k of keys) {
    if (k === 'pos' || text(a[k]) === text(b[k])) continue;
    if (k === 'priority' || k === 'adverIntervalCs' || k === 'preemptDelayMs' || k === 'nopreempt' || k === 'acceptMode') out.push(`${k} ${text(a[k])} -> ${text(b[k])}`);
    else if (k === 'vips' || k === 'vipsExcluded') out.push(`${k} ${listDiff(a[k], b[k])}`);
    else out.push(k);
  }
  // A tracked script's own settings (its interval, its weight...) restart the script, not the instance.
  for (const ref of b.trackScripts) {
    const s = (c: VrrpdConfig) => c.scripts.find((x) => x.name === ref.name);
    if (text(s(before.config)) !== text(s(after.config))) out.push(`vrrp_script ${ref.name}`);
  }
  return out;
}

/** "+added -removed" between two address lists. */
function listDiff(a: VrrpInstance['vips'], b: VrrpInstance['vips']): string {
  const show = (v: VrrpInstance['vips'][number]) => `${v.address}/${v.prefixLen}${v.dev ? ` dev ${v.dev}` : ''}`;
  const before = new Set(a.map(show));
  const after = new Set(b.map(show));
  return [...[...after].filter((x) => !before.has(x)).map((x) => `+${x}`), ...[...before].filter((x) => !after.has(x)).map((x) => `-${x}`)].join(' ') || 'reordered or attributes';
}
