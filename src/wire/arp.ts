/**
 * Ethernet II + ARP (RFC 826) for IPv4 over Ethernet: the gratuitous ARP a new master
 * broadcasts for each virtual address (RFC 3768 §6.4.1, §6.4.2), and a parser for tests and
 * the lab. `emitGarp` matches keepalived 2.2.7 byte for byte: a 42-byte broadcast ARP request
 * whose sender and target IP are both the virtual address and whose target MAC is all ones.
 */
import { err, ok, type Result } from '../result.js';
import { readIpv4, writeAddress, type Ipv4Address } from './address.js';
import { readU16, writeU16 } from './ipv4.js';
import type { ArpErrorKind, ArpFrame, WireError } from './types.js';

/** Field offsets in the Ethernet + ARP frame (Ethernet header 14 bytes, ARP body 28). */
export const ARP_FIELD = {
  ETH_DST: 0,
  ETH_SRC: 6,
  ETHERTYPE: 12,
  HTYPE: 14,
  PTYPE: 16,
  HLEN: 18,
  PLEN: 19,
  OPCODE: 20,
  SHA: 22,
  SPA: 28,
  THA: 32,
  TPA: 38,
} as const;

export const ETH_HEADER_LEN = 14;
/** Ethernet header + ARP body for IPv4 over Ethernet; no padding to 60 (the NIC pads). */
export const ARP_FRAME_LEN = 42;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ARP_HTYPE_ETHERNET = 1;
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

export type MacErrorKind = 'bad-mac';

const fail = (kind: ArpErrorKind, detail: string) => err<WireError<ArpErrorKind>>({ kind, detail });

/**
 * Parse an Ethernet frame carrying ARP for IPv4 over Ethernet. Checks, in order: 14 bytes of
 * Ethernet header (truncated), ethertype 0x0806 (not-arp), 42 bytes (truncated), hardware type
 * 1 / protocol type 0x0800 / lengths 6 and 4 (bad-format), opcode 1 or 2 (bad-format).
 * Trailing bytes (Ethernet padding) are ignored. Never throws.
 */
export function parseArpFrame(bytes: Uint8Array): Result<ArpFrame, WireError<ArpErrorKind>> {
  if (bytes.length < ETH_HEADER_LEN) {
    return fail('truncated', `Ethernet header needs ${ETH_HEADER_LEN} bytes, got ${bytes.length}`);
  }
  const ethertype = readU16(bytes, ARP_FIELD.ETHERTYPE);
  if (ethertype !== ETHERTYPE_ARP) return fail('not-arp', `ethertype is 0x${hex(ethertype, 4)}, expected 0x0806`);
  if (bytes.length < ARP_FRAME_LEN) {
    return fail('truncated', `ARP frame needs ${ARP_FRAME_LEN} bytes, got ${bytes.length}`);
  }
  const htype = readU16(bytes, ARP_FIELD.HTYPE);
  const ptype = readU16(bytes, ARP_FIELD.PTYPE);
  const hlen = bytes[ARP_FIELD.HLEN] ?? 0;
  const plen = bytes[ARP_FIELD.PLEN] ?? 0;
  if (htype !== ARP_HTYPE_ETHERNET || ptype !== ETHERTYPE_IPV4 || hlen !== 6 || plen !== 4) {
    return fail(
      'bad-format',
      `hardware/protocol type ${htype}/0x${hex(ptype, 4)} lengths ${hlen}/${plen}, expected 1/0x0800 lengths 6/4`,
    );
  }
  const opcode = readU16(bytes, ARP_FIELD.OPCODE);
  if (opcode !== ARP_OP_REQUEST && opcode !== ARP_OP_REPLY) {
    return fail('bad-format', `opcode is ${opcode}, expected 1 (request) or 2 (reply)`);
  }
  return ok({
    ethDst: formatMac(bytes, ARP_FIELD.ETH_DST),
    ethSrc: formatMac(bytes, ARP_FIELD.ETH_SRC),
    opcode,
    senderMac: formatMac(bytes, ARP_FIELD.SHA),
    senderIp: readIpv4(bytes, ARP_FIELD.SPA),
    targetMac: formatMac(bytes, ARP_FIELD.THA),
    targetIp: readIpv4(bytes, ARP_FIELD.TPA),
  });
}

/** Build a 42-byte Ethernet + ARP frame. Throws RangeError on a malformed MAC or address. */
export function emitArpFrame(frame: ArpFrame): Uint8Array {
  const buf = new Uint8Array(ARP_FRAME_LEN);
  writeMac(buf, ARP_FIELD.ETH_DST, frame.ethDst);
  writeMac(buf, ARP_FIELD.ETH_SRC, frame.ethSrc);
  writeU16(buf, ARP_FIELD.ETHERTYPE, ETHERTYPE_ARP);
  writeU16(buf, ARP_FIELD.HTYPE, ARP_HTYPE_ETHERNET);
  writeU16(buf, ARP_FIELD.PTYPE, ETHERTYPE_IPV4);
  buf[ARP_FIELD.HLEN] = 6;
  buf[ARP_FIELD.PLEN] = 4;
  writeU16(buf, ARP_FIELD.OPCODE, frame.opcode);
  writeMac(buf, ARP_FIELD.SHA, frame.senderMac);
  writeAddress(buf, ARP_FIELD.SPA, frame.senderIp);
  writeMac(buf, ARP_FIELD.THA, frame.targetMac);
  writeAddress(buf, ARP_FIELD.TPA, frame.targetIp);
  return buf;
}

/** The gratuitous ARP value keepalived 2.2.7 sends for `ip` from `senderMac`. */
export function garpFrame(senderMac: string, ip: Ipv4Address): ArpFrame {
  return {
    ethDst: BROADCAST_MAC,
    ethSrc: senderMac,
    opcode: ARP_OP_REQUEST,
    senderMac,
    senderIp: ip,
    targetMac: BROADCAST_MAC,
    targetIp: ip,
  };
}

/** Gratuitous ARP bytes for `ip` (§6.4.1), keepalived 2.2.7's layout. Throws on bad MAC/IP. */
export function emitGarp(senderMac: string, ip: Ipv4Address): Uint8Array {
  return emitArpFrame(garpFrame(senderMac, ip));
}

const MAC_RE = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/** "aa:bb:cc:dd:ee:ff" (either case) -> 6 bytes. */
export function parseMac(s: string): Result<Uint8Array, WireError<MacErrorKind>> {
  if (typeof s !== 'string' || !MAC_RE.test(s)) {
    return err({ kind: 'bad-mac', detail: `MAC is ${JSON.stringify(s)}, expected six hex pairs like aa:bb:cc:dd:ee:ff` });
  }
  return ok(Uint8Array.from(s.split(':'), (h) => parseInt(h, 16)));
}

/** 6 bytes at `offset` -> "aa:bb:cc:dd:ee:ff" (lower case; missing bytes read as 0). */
export function formatMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(hex(bytes[offset + i] ?? 0, 2));
  return parts.join(':');
}

/** Writes "aa:bb:cc:dd:ee:ff" as 6 bytes at `offset`; throws RangeError on a malformed MAC. */
export function writeMac(buf: Uint8Array, offset: number, mac: string): void {
  const parsed = parseMac(mac);
  if (!parsed.ok) throw new RangeError(parsed.error.detail);
  buf.set(parsed.value, offset);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
