/**
 * What a reload may change in a running virtual router. Its identity (IDENTITY below: what names
 * the virtual router on the wire and in the receive path) cannot change in place; every other
 * setting can (the router's `reconfigure` input): priority, Advertisement_Interval, Preempt_Mode
 * and preempt_delay, Accept_Mode, authentication, the address list, the split-brain knobs.
 */
import type { RouterConfig } from './types.js';

/**
 * RouterConfig fields that name the virtual router: the instance name, its VRID, VRRP version and
 * address family (RFC 5798 §6.1: a virtual router is (VRID, family) on a LAN) and the address its
 * adverts come from (the §6.4.3 tie-break). A change to any of them is a new router.
 */
export const IDENTITY = ['name', 'vrid', 'version', 'family', 'primaryIp'] as const satisfies readonly (keyof RouterConfig)[];

/** The first identity field that differs between `a` and `b`, or undefined when they name the same router. */
export function identityClash(a: RouterConfig, b: RouterConfig): (typeof IDENTITY)[number] | undefined {
  return IDENTITY.find((k) => a[k] !== b[k]);
}

/** The RouterConfig fields that differ (compared by value), in declaration order. */
export function changedSettings(a: RouterConfig, b: RouterConfig): (keyof RouterConfig)[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof RouterConfig)[];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
