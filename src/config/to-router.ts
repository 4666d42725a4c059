/** A validated vrrp_instance -> the router's RouterConfig (src/protocol/types.ts). */
import { priority, vrid, type AddressMismatchPolicy, type RouterConfig } from '../protocol/types.js';
import { authDataFromPassword } from '../wire/advert.js';
import type { Ipv4String } from '../wire/types.js';
import type { VrrpInstance } from './types.js';

export interface RouterConfigOptions {
  /** RFC 3768 §7.1 address list check; default 'drop', as the RFC and keepalived 2.2.7 do. */
  readonly addressMismatch?: AddressMismatchPolicy;
}

/**
 * The router's view of an instance. `primaryIp` is the interface's primary address (or the
 * configured unicast_src_ip / mcast_src_ip, which the caller should prefer when set).
 * Auth data: the password truncated / zero-padded to 8 bytes (RFC 3768 §5.3.10, as keepalived).
 */
export function routerConfigOf(instance: VrrpInstance, primaryIp: Ipv4String, options: RouterConfigOptions = {}): RouterConfig {
  const pass = instance.auth.type === 1 ? instance.auth.pass : undefined;
  return {
    name: instance.name,
    vrid: vrid(instance.vrid),
    priority: priority(instance.priority),
    adverIntervalMs: instance.advertIntervalMs,
    preempt: !instance.nopreempt,
    preemptDelayMs: instance.preemptDelayMs,
    authType: instance.auth.type,
    authData: authDataFromPassword(pass),
    vips: instance.vips.map((v) => v.address),
    primaryIp,
    addressMismatch: options.addressMismatch ?? 'drop',
  };
}
