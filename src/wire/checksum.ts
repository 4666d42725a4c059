/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum of
 * the data taken as big-endian 16-bit words, an odd trailing byte padded with a zero byte.
 * VRRPv2 uses it over the whole advertisement (RFC 3768 §5.3.8), IPv4 over its header (RFC 791);
 * VRRPv3 (RFC 5798 §5.2.8) and ICMPv6 (RFC 4443 §2.3) add the IP pseudo-header (`pseudoHeaderSum`).
 */
import { ADDRESS_BYTES, writeAddress, type Family, type IpAddress } from './address.js';

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

/** Folds a sum of 16-bit one's complement sums back to 16 bits (end-around carry). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
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

/**
 * The one's complement sum of an upper-layer pseudo-header: IPv4 as in RFC 768 (src, dst, zero,
 * protocol, 16-bit length), IPv6 as in RFC 8200 §8.1 (src, dst, 32-bit length, zeros, next header).
 */
export function pseudoHeaderSum(family: Family, src: IpAddress, dst: IpAddress, length: number, protocol: number): number {
  const addrLen = ADDRESS_BYTES[family];
  const ph = new Uint8Array(2 * addrLen + (family === 'ipv4' ? 4 : 8));
  writeAddress(ph, 0, src);
  writeAddress(ph, addrLen, dst);
  const o = 2 * addrLen;
  if (family === 'ipv4') {
    ph[o + 1] = protocol;
    ph[o + 2] = (length >>> 8) & 0xff;
    ph[o + 3] = length & 0xff;
  } else {
    ph[o + 2] = (length >>> 8) & 0xff;
    ph[o + 3] = length & 0xff;
    ph[o + 7] = protocol;
  }
  return onesComplementSum(ph);
}
