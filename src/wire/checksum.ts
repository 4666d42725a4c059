/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd trailing byte padded with a zero byte.
 * VRRPv2 uses it over the whole advertisement (RFC 3768 §5.3.8), IPv4 over its header (RFC 791).
 */

/** One's complement sum of `bytes[start, end)` as big-endian 16-bit words, folded to 16 bits. */
export function onesComplementSum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
    // Fold early so the sum stays a small integer however long the input is.
    if (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (i < end) sum += (bytes[i] ?? 0) << 8; // RFC 1071 §4.1: pad an odd byte on the right
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * RFC 1071 checksum of `bytes[start, end)`: the value to store in a zeroed checksum field.
 * Verifying data that already holds its checksum gives 0.
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return ~onesComplementSum(bytes, start, end) & 0xffff;
}

/** True when `bytes[start, end)`, checksum field included, verifies (sums to 0xffff). */
export function checksumVerifies(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
  return internetChecksum(bytes, start, end) === 0;
}
