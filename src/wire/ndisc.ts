/**
 * Ethernet + IPv6 + ICMPv6 Neighbor Advertisement (RFC 4861 §4.4) with its Target Link-Layer
 * Address option (§4.6.1): the unsolicited NA a new master sends for each IPv6 virtual address
 * (RFC 5798 §6.4.1, §6.4.2; RFC 4861 §7.2.6), the IPv6 counterpart of the gratuitous ARP in
 * arp.ts, and a parser for tests, captures and the lab.
 *
 *   Ethernet  dst 33:33 + low 32 bits of the IPv6 destination (RFC 2464 §7), src, type 0x86dd
 *   IPv6      class 0, flow 0, payload 32, next header 58, hop limit 255 (RFC 4861 §7.1.2), src, dst
 *   ICMPv6    0 type 136 | 1 code 0 | 2 checksum (16) | 4 R S O + 29 reserved bits | 8 target (16)
 *   option    24 type 2 | 25 length 1 (units of 8 bytes) | 26 link-layer address (6)
 *
 * `emitUnsolicitedNa` matches keepalived 2.2.7 byte for byte (its vectors): from the VIP itself
 * to all-nodes ff02::1, flags S=0 O=1 and R as keepalived decides it (set when IPv6 forwarding is
 * on for the interface), the target the VIP, the option the interface's MAC. The ICMPv6
 * checksum covers the IPv6 pseudo-header (RFC 4443 §2.3). Parsing checks form only and never
 * throws on input; emitting throws RangeError on a value that cannot be encoded (caller's bug).
 */
import { err, ok, type Result } from '../result.js';
import { readIpv6, writeAddress, type Ipv6Address } from './address.js';
import { ETH_HEADER_LEN, formatMac, writeMac } from './arp.js';
import { foldSum, onesComplementSum, pseudoHeaderSum } from './checksum.js';
import { ALL_NODES6 } from './constants.js';
import { readU16, writeU16 } from './ipv4.js';
import { emitIpv6, IPPROTO_ICMPV6, IPV6_HEADER_LEN, parseIpv6Packet } from './ipv6.js';
import type { WireError } from './types.js';

export const ETHERTYPE_IPV6 = 0x86dd;
/** RFC 4861 §4.4: ICMPv6 type of a Neighbor Advertisement. */
export const ICMPV6_NEIGHBOR_ADVERT = 136;
/** RFC 4861 §4.6.1: option type of the Target Link-Layer Address. */
export const ND_OPT_TARGET_LINKADDR = 2;
/** RFC 4861 §7.1.2: Neighbor Discovery messages carry hop limit 255 (receivers check it). */
export const ND_HOP_LIMIT = 255;

/** Offsets in the ICMPv6 message (RFC 4861 §4.4). */
export const NA_FIELD = { TYPE: 0, CODE: 1, CHECKSUM: 2, FLAGS: 4, TARGET: 8, OPTIONS: 24 } as const;
/** The NA without options, and with the one Target Link-Layer Address option for Ethernet. */
export const NA_LEN = 24;
export const NA_WITH_TLLA_LEN = 32;
/** The flag bits of the first byte of the flags word. */
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

/** An Ethernet frame carrying a Neighbor Advertisement: every field vrrpd or a test looks at. */
export interface NeighborAdvertFrame {
  readonly ethDst: string;
  readonly ethSrc: string;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly hopLimit: number;
  /** R: the sender is a router. */
  readonly router: boolean;
  /** S: sent in response to a Neighbor Solicitation (never for an unsolicited NA). */
  readonly solicited: boolean;
  /** O: override an existing cache entry (RFC 4861 §7.2.6: set when announcing a moved address). */
  readonly override: boolean;
  readonly target: Ipv6Address;
  /** The Target Link-Layer Address option's MAC, when the NA carries one. */
  readonly targetMac: string | undefined;
}

export type NdiscErrorKind = 'truncated' | 'not-ipv6' | 'not-na' | 'bad-checksum' | 'bad-option';

const fail = (kind: NdiscErrorKind, detail: string) => err<WireError<NdiscErrorKind>>({ kind, detail });

/** RFC 2464 §7: the Ethernet address an IPv6 multicast group maps to (33:33 + its low 32 bits). */
export function ipv6MulticastMac(group: Ipv6Address): string {
  const b = new Uint8Array(16);
  writeAddress(b, 0, group);
  return formatMac(Uint8Array.of(0x33, 0x33, b[12] ?? 0, b[13] ?? 0, b[14] ?? 0, b[15] ?? 0));
}

/**
 * Parse an Ethernet frame carrying an ICMPv6 Neighbor Advertisement. Checks, in order: Ethernet
 * header and type 0x86dd ('truncated' / 'not-ipv6'), the IPv6 header ('truncated' / 'not-ipv6'),
 * next header 58, type 136 and code 0 ('not-na'), 24 bytes of NA ('truncated'), the ICMPv6
 * checksum ('bad-checksum'), the options ('bad-option': a zero length or one running past the end).
 */
export function parseNaFrame(bytes: Uint8Array): Result<NeighborAdvertFrame, WireError<NdiscErrorKind>> {
  if (bytes.length < ETH_HEADER_LEN) return fail('truncated', `Ethernet header needs ${ETH_HEADER_LEN} bytes, got ${bytes.length}`);
  const ethertype = readU16(bytes, 12);
  if (ethertype !== ETHERTYPE_IPV6) return fail('not-ipv6', `ethertype is 0x${ethertype.toString(16).padStart(4, '0')}, expected 0x86dd`);
  const ip = parseIpv6Packet(bytes.subarray(ETH_HEADER_LEN));
  if (!ip.ok) return fail(ip.error.kind === 'truncated' ? 'truncated' : 'not-ipv6', ip.error.detail);
  const { header, payload } = ip.value;
  if (header.nextHeader !== IPPROTO_ICMPV6) return fail('not-na', `next header is ${header.nextHeader}, expected ${IPPROTO_ICMPV6} (ICMPv6)`);
  if (payload.length < 2) return fail('truncated', `ICMPv6 message of ${payload.length} bytes`);
  const type = payload[NA_FIELD.TYPE] ?? 0;
  const code = payload[NA_FIELD.CODE] ?? 0;
  if (type !== ICMPV6_NEIGHBOR_ADVERT || code !== 0) return fail('not-na', `ICMPv6 type ${type} code ${code}, expected ${ICMPV6_NEIGHBOR_ADVERT} code 0`);
  if (payload.length < NA_LEN) return fail('truncated', `Neighbor Advertisement needs ${NA_LEN} bytes, got ${payload.length}`);
  if (icmpv6Sum(payload, header.src, header.dst) !== 0xffff) return fail('bad-checksum', `ICMPv6 checksum 0x${readU16(payload, NA_FIELD.CHECKSUM).toString(16).padStart(4, '0')} does not verify`);
  const option = targetMacOption(payload);
  if (!option.ok) return option;
  const flags = payload[NA_FIELD.FLAGS] ?? 0;
  return ok({
    ethDst: formatMac(bytes, 0),
    ethSrc: formatMac(bytes, 6),
    src: header.src,
    dst: header.dst,
    hopLimit: header.hopLimit,
    router: (flags & FLAG_ROUTER) !== 0,
    solicited: (flags & FLAG_SOLICITED) !== 0,
    override: (flags & FLAG_OVERRIDE) !== 0,
    target: readIpv6(payload, NA_FIELD.TARGET),
    targetMac: option.value,
  });
}

/** RFC 4443 §2.3: the folded sum of an ICMPv6 message and its pseudo-header (0xffff when the checksum verifies). */
function icmpv6Sum(message: Uint8Array, src: Ipv6Address, dst: Ipv6Address): number {
  return foldSum(onesComplementSum(message) + pseudoHeaderSum('ipv6', src, dst, message.length, IPPROTO_ICMPV6));
}

/** Walks the options (RFC 4861 §4.6): the Target Link-Layer Address's MAC when there is one of 8 bytes. */
function targetMacOption(na: Uint8Array): Result<string | undefined, WireError<NdiscErrorKind>> {
  let mac: string | undefined;
  for (let at = NA_FIELD.OPTIONS; at < na.length; ) {
    if (at + 2 > na.length) return fail('bad-option', `option header at byte ${at} runs past the end`);
    const type = na[at] ?? 0;
    const len = (na[at + 1] ?? 0) * 8;
    if (len === 0) return fail('bad-option', `option ${type} at byte ${at} has length 0`);
    if (at + len > na.length) return fail('bad-option', `option ${type} at byte ${at} (${len} bytes) runs past the end`);
    if (type === ND_OPT_TARGET_LINKADDR && len === 8 && mac === undefined) mac = formatMac(na, at + 2);
    at += len;
  }
  return ok(mac);
}

/** Build the frame. Throws RangeError on a malformed MAC or a hop limit outside 0..255. */
export function emitNaFrame(f: NeighborAdvertFrame): Uint8Array {
  const na = new Uint8Array(f.targetMac === undefined ? NA_LEN : NA_WITH_TLLA_LEN);
  na[NA_FIELD.TYPE] = ICMPV6_NEIGHBOR_ADVERT;
  na[NA_FIELD.FLAGS] = (f.router ? FLAG_ROUTER : 0) | (f.solicited ? FLAG_SOLICITED : 0) | (f.override ? FLAG_OVERRIDE : 0);
  writeAddress(na, NA_FIELD.TARGET, f.target);
  if (f.targetMac !== undefined) {
    na[NA_FIELD.OPTIONS] = ND_OPT_TARGET_LINKADDR;
    na[NA_FIELD.OPTIONS + 1] = 1;
    writeMac(na, NA_FIELD.OPTIONS + 2, f.targetMac);
  }
  writeU16(na, NA_FIELD.CHECKSUM, ~icmpv6Sum(na, f.src, f.dst) & 0xffff);
  const ip = emitIpv6({ src: f.src, dst: f.dst, nextHeader: IPPROTO_ICMPV6, hopLimit: f.hopLimit, trafficClass: 0, flowLabel: 0 }, na);
  const frame = new Uint8Array(ETH_HEADER_LEN + ip.length);
  writeMac(frame, 0, f.ethDst);
  writeMac(frame, 6, f.ethSrc);
  writeU16(frame, 12, ETHERTYPE_IPV6);
  frame.set(ip, ETH_HEADER_LEN);
  return frame;
}

/**
 * The unsolicited NA keepalived 2.2.7 sends for `vip` from the interface MAC `mac` (RFC 4861
 * §7.2.6): from the VIP to all-nodes, S=0, O=1, R=`router`, target the VIP, TLLA = `mac`.
 */
export function unsolicitedNa(mac: string, vip: Ipv6Address, router: boolean): NeighborAdvertFrame {
  return {
    ethDst: ipv6MulticastMac(ALL_NODES6),
    ethSrc: mac,
    src: vip,
    dst: ALL_NODES6,
    hopLimit: ND_HOP_LIMIT,
    router,
    solicited: false,
    override: true,
    target: vip,
    targetMac: mac,
  };
}

/** Unsolicited NA bytes for `vip` (86 bytes: Ethernet 14 + IPv6 40 + NA 24 + option 8). Throws on a bad MAC. */
export function emitUnsolicitedNa(mac: string, vip: Ipv6Address, router: boolean): Uint8Array {
  return emitNaFrame(unsolicitedNa(mac, vip, router));
}

/** Bytes of an unsolicited NA frame on Ethernet. */
export const UNSOLICITED_NA_FRAME_LEN = ETH_HEADER_LEN + IPV6_HEADER_LEN + NA_WITH_TLLA_LEN;
