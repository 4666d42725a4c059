/**
 * Linux socket option numbers and value encodings for the raw VRRP socket (see
 * native-notes/raw-sockets.md for why each is set). Values from <linux/in.h>, <asm/socket.h>.
 */
import { endianness } from 'node:os';

export const SOL_SOCKET = 1;
export const SO_RCVBUF = 8;
export const SO_BINDTODEVICE = 25;

export const IPPROTO_IP = 0;
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_MTU_DISCOVER = 10;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;
export const IP_MULTICAST_ALL = 49;

/** IP_MTU_DISCOVER value: never set DF (keepalived's adverts leave DF clear). */
export const IP_PMTUDISC_DONT = 0;

/** A C `int` in host byte order. */
export function intOpt(n: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeInt32LE(n);
  else b.writeInt32BE(n);
  return b;
}

/** `struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; }` (12 bytes). */
export function ipMreqn(multiaddr: string, address: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  writeQuad(b, 0, multiaddr);
  writeQuad(b, 4, address);
  if (endianness() === 'LE') b.writeInt32LE(ifindex, 8);
  else b.writeInt32BE(ifindex, 8);
  return b;
}

/** A NUL-terminated interface name for SO_BINDTODEVICE. */
export function ifnameOpt(ifname: string): Buffer {
  return Buffer.from(`${ifname}\0`, 'latin1');
}

function writeQuad(b: Buffer, offset: number, ip: string): void {
  const parts = ip.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not a dotted quad: ${ip}`);
  }
  parts.forEach((p, i) => b.writeUInt8(p, offset + i));
}
