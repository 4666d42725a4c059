/**
 * From a validated keepalived.conf instance to what the daemon runs: the router's config, the
 * `ip addr` specs of its virtual addresses, its GARP schedule, and a key that changes exactly
 * when a reload must restart the instance.
 */
import { routerConfigOf } from '../config/to-router.js';
import type { VrrpdConfig, VrrpInstance } from '../config/types.js';
import type { GarpScheduleConfig } from '../io/garp-schedule.js';
import type { VipSpec } from '../io/ip-addr.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
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

/** The address our adverts come from: unicast_src_ip, else mcast_src_ip, else the interface's primary. */
export function sourceAddress(inst: VrrpInstance, interfacePrimary: IpAddress | undefined): IpAddress | undefined {
  return inst.unicastSrcIp ?? inst.mcastSrcIp ?? interfacePrimary;
}

/** Everything about an instance that a reload compares: positions and names of files left out. */
export function instanceKey(config: VrrpdConfig, inst: VrrpInstance): string {
  const scripts = config.scripts.filter((s) => inst.trackScripts.some((t) => t.name === s.name));
  return JSON.stringify({ inst, scripts, mcast: config.global.vrrpMcastGroup4 }, (k, v: unknown) => (k === 'pos' ? undefined : v));
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
