/** A validated vrrp_instance -> the router's RouterConfig (src/protocol/types.ts). */
import { priority, vrid, type AddressMismatchPolicy, type RouterConfig } from '../protocol/types.js';
import type { IpAddress } from '../wire/address.js';
import { authDataFromPassword } from '../wire/advert.js';
import type { VrrpInstance } from './types.js';

export interface RouterConfigOptions {
  /** RFC 3768 §7.1 address list check; default 'drop', as the RFC and keepalived 2.2.7 do. */
  readonly addressMismatch?: AddressMismatchPolicy;
}

/**
 * The router's view of an instance. `primaryIp` is the address adverts come from (the configured
 * unicast_src_ip / mcast_src_ip, else the interface's primary address). VRRPv2 auth data: the
 * password truncated / zero-padded to 8 bytes (RFC 3768 §5.3.10, as keepalived); VRRPv3 has none.
 */
export function routerConfigOf(instance: VrrpInstance, primaryIp: IpAddress, options: RouterConfigOptions = {}): RouterConfig {
  const v2 = instance.version === 2;
  return {
    name: instance.name,
    vrid: vrid(instance.vrid),
    version: instance.version,
    family: instance.family,
    priority: priority(instance.priority),
    adverIntervalCs: instance.adverIntervalCs,
    preempt: !instance.nopreempt,
    preemptDelayMs: instance.preemptDelayMs,
    acceptMode: instance.acceptMode,
    auth: v2 ? { type: instance.auth.type, data: authDataFromPassword(instance.auth.type === 1 ? instance.auth.pass : undefined) } : undefined,
    vips: instance.vips.map((v) => v.address),
    primaryIp,
    addressMismatch: options.addressMismatch ?? 'drop',
    splitBrain: instance.splitBrain,
  };
}
