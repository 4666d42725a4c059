/** IPv4 address comparisons the router needs: the §6.4.3 tie-break and the §7.1 address list check. */
import { ipv4ToUint32 } from '../wire/ipv4.js';
import type { Ipv4String } from '../wire/types.js';

/** RFC 3768 §6.4.3 tie-break: > 0 when `a` is the numerically higher address. */
export function compareIpv4(a: Ipv4String, b: Ipv4String): number {
  return Math.sign(ipv4ToUint32(a) - ipv4ToUint32(b));
}

/** RFC 3768 §7.1: same count and same addresses, in any order. */
export function sameAddressSet(a: readonly Ipv4String[], b: readonly Ipv4String[]): boolean {
  if (a.length !== b.length) return false;
  const mine = new Set(b);
  return a.every((ip) => mine.has(ip));
}
