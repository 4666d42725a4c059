/**
 * From a validated keepalived.conf instance to what the daemon runs: the router's config, the
 * `ip addr` specs of its virtual addresses, what else a master puts on the host (no_accept drop
 * entries, virtual routes and rules), which device announces each address, its GARP schedule
 * and what its receive path checks (a reload's plan is reload-plan.ts).
 */
import { routerConfigOf } from '../config/to-router.js';
import type { GlobalDefs, VrrpdConfig, VrrpInstance } from '../config/types.js';
import type { InterfaceInfo } from '../io/interface-info.js';
import { err, ok, type Result } from '../result.js';
import type { GarpScheduleConfig } from '../io/garp-schedule.js';
import type { VipSpec } from '../io/ip-addr.js';
import { isLinkLocal6, type IpAddress, type Ipv4Address } from '../wire/address.js';
import type { ReceiverSpec } from '../protocol/receive-path.js';
import type { HostEntry } from './host-entry.js';
import type { Instance, InstanceSpec } from './instance.js';

/** The device a VIP without `dev` goes on: the use_vmac macvlan, else the instance's interface. */
export function vipDevice(inst: VrrpInstance): string {
  return inst.vmac?.ifname ?? inst.interface;
}

/** The interface the instance's VRRP socket is bound to: the macvlan unless vmac_xmit_base; '' = none (unicast). */
export function socketDevice(inst: VrrpInstance): string {
  return inst.vmac !== undefined && !inst.vmac.xmitBase ? inst.vmac.ifname : inst.interface;
}

/** `ip addr` spec of every address the instance holds as master (virtual_ipaddress + _excluded). */
export function vipSpecs(inst: VrrpInstance): VipSpec[] {
  return [...inst.vips, ...inst.vipsExcluded].map((v) => ({
    address: `${v.address}/${v.prefixLen}`,
    dev: v.dev ?? vipDevice(inst),
    ...(v.brd !== undefined ? { brd: v.brd } : {}),
    ...(v.scope !== undefined ? { scope: v.scope } : {}),
    ...(v.label !== undefined ? { label: v.label } : {}),
  }));
}

export function garpConfig(inst: VrrpInstance): GarpScheduleConfig {
  return {
    repeat: inst.garp.masterRepeat,
    delayMs: inst.garp.masterDelayMs,
    refreshMs: inst.garp.masterRefreshMs,
    refreshRepeat: inst.garp.masterRefreshRepeat,
  };
}

/** Whether a master of this instance drops traffic to its VIPs (RFC 5798 Accept_Mode False; never the owner). */
export function needsDropRule(inst: VrrpInstance): boolean {
  return !inst.acceptMode && inst.priority !== 255;
}

/**
 * What a master puts on the host, in the order keepalived adds it: the no_accept drop entries and
 * the addresses (one keeper), then the virtual routes and rules (another, so a route that cannot be
 * added never holds back the gratuitous ARPs).
 */
export function hostEntries(inst: VrrpInstance): { readonly vips: HostEntry[]; readonly routes: HostEntry[] } {
  const drops: HostEntry[] = needsDropRule(inst) ? [...inst.vips, ...inst.vipsExcluded].map((v) => ({ kind: 'drop', address: v.address })) : [];
  const strip = <T extends { pos: unknown }>({ pos: _pos, ...rest }: T): Omit<T, 'pos'> => rest;
  return {
    // concat, not a spread literal: the literal grows as pushed (room for 17), concat's result fits.
    vips: drops.concat(vipSpecs(inst).map((vip): HostEntry => ({ kind: 'addr', vip }))),
    routes: inst.virtualRoutes.map((r): HostEntry => ({ kind: 'route', route: strip(r) })).concat(inst.virtualRules.map((r): HostEntry => ({ kind: 'rule', rule: strip(r) }))),
  };
}

/** The device each address is announced on (its `dev`, else the instance's): keepalived sends every VIP's GARPs on its own device. */
export function garpDevices(inst: VrrpInstance): ReadonlyMap<IpAddress, string> {
  return new Map([...inst.vips, ...inst.vipsExcluded].map((v) => [v.address, v.dev ?? vipDevice(inst)]));
}

/** `addresses` grouped by their device (in order; an address without one, or on '', is left out). */
export function byDevice(devices: ReadonlyMap<IpAddress, string>, addresses: readonly IpAddress[]): Map<string, IpAddress[]> {
  const out = new Map<string, IpAddress[]>();
  for (const a of addresses) {
    const dev = devices.get(a);
    if (dev === undefined || dev === '') continue;
    const list = out.get(dev) ?? [];
    list.push(a);
    out.set(dev, list);
  }
  return out;
}

/**
 * The run-time spec of an instance, given the address it speaks from and the multicast group
 * (global `vrrp_mcast_group4`: keepalived's old unicast checksum computes with it).
 */
export function instanceSpec(inst: VrrpInstance, primaryIp: IpAddress, group: Ipv4Address): InstanceSpec<HostEntry> {
  const entries = hostEntries(inst);
  const v3Unicast = inst.version === 3 && inst.family === 'ipv4' && inst.unicastPeers.length > 0;
  return {
    router: routerConfigOf(inst, primaryIp),
    vips: entries.vips,
    routes: entries.routes,
    garpAddresses: [...garpDevices(inst).keys()],
    garp: garpConfig(inst),
    ...(v3Unicast ? { oldUnicastChecksum: { mode: inst.oldUnicastChecksum, group } } : {}),
  };
}

/**
 * The address our adverts come from: unicast_src_ip, else mcast_src_ip, else the interface's
 * primary IPv4 address (RFC 3768 §5.2.1; one that is not a VIP when there is one) or its own
 * link-local IPv6 address (RFC 5798 §5.1.2.1): not a virtual address (`virtual`: every address the configuration floats; a link-local VIP held
 * now would otherwise come first, the kernel lists the newest address first) and not while
 * duplicate address detection still runs on it. A configured IPv6 source must be on the
 * interface and usable (keepalived holds the instance in FAULT otherwise): IPv6 adverts are sent
 * from it explicitly.
 */
export function sourceAddress(inst: VrrpInstance, info: InterfaceInfo, virtual: ReadonlySet<string> = new Set()): Result<IpAddress, string> {
  const configured = inst.unicastSrcIp ?? inst.mcastSrcIp;
  if (inst.family === 'ipv4') {
    // An address of our own, a primary one first: a VIP may be a primary too (of its own subnet,
    // or promoted when the primary went: promote_secondaries). Only an owner (priority 255) may
    // send from its VIP: it is the interface's own address.
    const own = info.ipv4.filter((a) => !virtual.has(a.address));
    const owner = inst.priority === 255 ? info.primaryIpv4 : undefined;
    const src = configured ?? (own.find((a) => !a.secondary) ?? own[0])?.address ?? owner;
    return src === undefined ? err(`interface ${inst.interface} has no IPv4 address`) : ok(src);
  }
  if (configured === undefined) {
    const own = info.ipv6.find((a) => a.usable && isLinkLocal6(a.address) && !virtual.has(a.address));
    return own === undefined ? err(`interface ${inst.interface} has no usable link-local IPv6 address of its own (none, or duplicate address detection still running)`) : ok(own.address);
  }
  const present = info.ipv6.find((a) => a.address === configured);
  if (present === undefined) return err(`source address ${configured} is not on interface ${inst.interface}`);
  return present.usable ? ok(configured) : err(`source address ${configured} on ${inst.interface} is not usable yet (duplicate address detection)`);
}

/** Every address the configuration floats (virtual_ipaddress and _excluded of every instance). */
export function virtualAddresses(config: VrrpdConfig): Set<string> {
  return new Set(config.instances.flatMap((i) => [...i.vips, ...i.vipsExcluded].map((v) => v.address)));
}

/** Where the instance's adverts go: each unicast peer, else the multicast group of its family. */
export function advertDestinations(inst: VrrpInstance, global: GlobalDefs): IpAddress[] {
  if (inst.unicastPeers.length > 0) return [...inst.unicastPeers];
  return [inst.family === 'ipv6' ? global.vrrpMcastGroup6 : global.vrrpMcastGroup4];
}

/** What the interface's receive path checks for a running instance (RFC 3768 §7.1 / RFC 5798 §7.1). */
export function receiverSpec(instance: Instance<unknown>, unicastPeers: readonly IpAddress[]): ReceiverSpec {
  const cfg = instance.router.config;
  return {
    vrid: cfg.vrid,
    version: cfg.version,
    family: cfg.family,
    counters: instance.router.counters,
    // keepalived checks the TTL of multicast adverts only (vrrp.c vrrp_check_packet: "but not if unicast").
    checkTtl: unicastPeers.length === 0,
    ...(unicastPeers.length > 0 ? { unicastPeers } : {}),
    oldChecksum: instance.unicastChecksum?.receiverRule(),
  };
}
