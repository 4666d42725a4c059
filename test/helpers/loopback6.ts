/**
 * IPv6 on the loopback interface for the addon's raw-socket tests (armed-send.test.ts,
 * advert-train.test.ts): whether lo has ::1, the addresses, and a payload no VRRP receiver takes.
 */
import { readFileSync } from 'node:fs';

/** Whether the loopback interface has IPv6 (::1): the IPv6 tests say so loudly when it has not. */
export function loopbackIpv6(): boolean {
  try {
    return readFileSync('/proc/sys/net/ipv6/conf/lo/disable_ipv6', 'utf8').trim() === '0';
  } catch {
    return false;
  }
}

/** ::1 */
export const LOOPBACK6 = Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0));
/** 2001:db8::1 (RFC 3849): not an address of this host, so a send pinned to it (IPV6_PKTINFO) fails. */
export const FOREIGN6 = new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/** A VRRP payload of version 0 (any receiver drops it) whose first byte is `marker` (1..15) and the rest fixed. */
export const payload6 = (marker: number): Uint8Array => new Uint8Array([marker, 251, 90, 0, 0, 100, 0xab, 0xcd, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x64]);
