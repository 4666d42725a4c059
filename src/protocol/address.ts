/** Address comparisons the router needs: the §6.4.3 tie-break and the §7.1 address list check. */
import type { IpAddress } from '../wire/address.js';

export { compareAddresses } from '../wire/address.js';

/** RFC 3768 §7.1 / RFC 5798 §7.1: same count and same addresses, in any order. */
export function sameAddressSet(a: readonly IpAddress[], b: readonly IpAddress[]): boolean {
  if (a.length !== b.length) return false;
  const mine = new Set<string>(b);
  return a.every((ip) => mine.has(ip));
}
