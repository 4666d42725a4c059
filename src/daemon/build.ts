/**
 * From a validated keepalived.conf instance to what the daemon runs: the router's config, the
 * `ip addr` specs of its virtual addresses, its GARP schedule, and a key that changes exactly
 * when a reload must restart the instance.
 */
import { routerConfigOf } from '../config/to-router.js';
import type { GlobalDefs, VrrpdConfig, VrrpInstance } from '../config/types.js';
import type { InterfaceInfo } from '../io/interface-info.js';
import { err, ok, type Result } from '../result.js';
import type { GarpScheduleConfig } from '../io/garp-schedule.js';
import type { VipSpec } from '../io/ip-addr.js';
import { isLinkLocal6, type IpAddress, type Ipv4Address } from '../wire/address.js';
import type { ReceiverSpec } from '../protocol/receive-path.js';
import type { Instance, InstanceSpec } from './instance.js';

/** `ip addr` spec of every address the instance holds as master (virtual_ipaddress + _excluded). */
export function vipSpecs(inst: VrrpInstance): VipSpec[] {
  return [...inst.vips, ...inst.vipsExcluded].map((v) => ({
    address: `${v.address}/${v.prefixLen}`,
    dev: v.dev ?? inst.interface,
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

/**
 * The run-time spec of an instance, given the address it speaks from and the multicast group
 * (global `vrrp_mcast_group4`: keepalived's old unicast checksum computes with it).
 */
export function instanceSpec(inst: VrrpInstance, primaryIp: IpAddress, group: Ipv4Address): InstanceSpec<VipSpec> {
  const onOwnDevice = [...inst.vips, ...inst.vipsExcluded].filter((v) => (v.dev ?? inst.interface) === inst.interface);
  const v3Unicast = inst.version === 3 && inst.family === 'ipv4' && inst.unicastPeers.length > 0;
  return {
    router: routerConfigOf(inst, primaryIp),
    vips: vipSpecs(inst),
    garpAddresses: onOwnDevice.map((v) => v.address),
    garp: garpConfig(inst),
    ...(v3Unicast ? { oldUnicastChecksum: { mode: inst.oldUnicastChecksum, group } } : {}),
  };
}

/**
 * The address our adverts come from: unicast_src_ip, else mcast_src_ip, else the interface's
 * primary IPv4 address (RFC 3768 §5.2.1) or its own link-local IPv6 address (RFC 5798 §5.1.2.1):
 * not a virtual address (`virtual`: every address the configuration floats; a link-local VIP held
 * now would otherwise come first, the kernel lists the newest address first) and not while
 * duplicate address detection still runs on it. A configured IPv6 source must be on the
 * interface and usable (keepalived holds the instance in FAULT otherwise): IPv6 adverts are sent
 * from it explicitly.
 */
export function sourceAddress(inst: VrrpInstance, info: InterfaceInfo, virtual: ReadonlySet<string> = new Set()): Result<IpAddress, string> {
  const configured = inst.unicastSrcIp ?? inst.mcastSrcIp;
  if (inst.family === 'ipv4') {
    const src = configured ?? info.primaryIpv4;
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

/** Everything about an instance that a reload compares: positions and names of files left out. */
export function instanceKey(config: VrrpdConfig, inst: VrrpInstance): string {
  const scripts = config.scripts.filter((s) => inst.trackScripts.some((t) => t.name === s.name));
  const mcast = inst.family === 'ipv6' ? config.global.vrrpMcastGroup6 : config.global.vrrpMcastGroup4;
  return JSON.stringify({ inst, scripts, mcast }, (k, v: unknown) => (k === 'pos' ? undefined : v));
}

/** What the interface's receive path checks for a running instance (RFC 3768 §7.1 / RFC 5798 §7.1). */
export function receiverSpec(instance: Instance<unknown>, unicastPeers: readonly IpAddress[]): ReceiverSpec {
  const cfg = instance.router.config;
  return {
    vrid: cfg.vrid,
    version: cfg.version,
    family: cfg.family,
    counters: instance.router.counters,
    ...(unicastPeers.length > 0 ? { unicastPeers } : {}),
    oldChecksum: instance.unicastChecksum?.receiverRule(),
  };
}
