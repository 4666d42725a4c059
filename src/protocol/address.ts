/** IPv4 address comparisons the router needs: the §6.4.3 tie-break and the §7.1 address list check. */
import type { Ipv4String } from '../wire/types.js';

/** Dotted quad to an unsigned 32-bit number; NaN for anything that is not one. */
function toNumber(ip: Ipv4String): number {
  const parts = ip.split('.');
  if (parts.length !== 4) return Number.NaN;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return Number.NaN;
    n = n * 256 + Number(p);
  }
  return n;
}

/** RFC 3768 §6.4.3 tie-break: > 0 when `a` is the numerically higher address. */
export function compareIpv4(a: Ipv4String, b: Ipv4String): number {
  return Math.sign(toNumber(a) - toNumber(b));
}

/** RFC 3768 §7.1: same count and same addresses, in any order. */
export function sameAddressSet(a: readonly Ipv4String[], b: readonly Ipv4String[]): boolean {
  if (a.length !== b.length) return false;
  const mine = new Set(b);
  return a.every((ip) => mine.has(ip));
}
