/**
 * IPv6 fixed header (RFC 8200 §3) view and value: for captures, test injectors and the lab. The
 * daemon never sees this header (a raw IPv6 socket hands over the payload; the hop limit and the
 * destination come as ancillary data), so this is not on the daemon's receive path.
 *
 * `parseIpv6Packet` checks form only: version 6, 40 bytes of header, the payload length against
 * the buffer. Extension headers are not walked: VRRP and ICMPv6 travel without them.
 */
import { err, ok, type Result } from '../result.js';
import { readIpv6, writeAddress, type Ipv6Address } from './address.js';
import { IPPROTO_VRRP, VRRP_TOS, VRRP_TTL } from './constants.js';
import type { WireError } from './types.js';

export const IPV6_HEADER_LEN = 40;
/** RFC 4443: ICMPv6 next header. */
export const IPPROTO_ICMPV6 = 58;

export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly payloadLength: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
}

export type Ipv6ErrorKind = 'truncated' | 'bad-version';

/** Parse the fixed header; the payload is cut to the payload length (link padding ignored). */
export function parseIpv6Packet(bytes: Uint8Array): Result<{ header: Ipv6Header; payload: Uint8Array }, WireError<Ipv6ErrorKind>> {
  if (bytes.length < IPV6_HEADER_LEN) return err({ kind: 'truncated', detail: `IPv6 header needs ${IPV6_HEADER_LEN} bytes, got ${bytes.length}` });
  const version = (bytes[0] ?? 0) >> 4;
  if (version !== 6) return err({ kind: 'bad-version', detail: `IP version is ${version}, expected 6` });
  const b = (i: number): number => bytes[i] ?? 0;
  const payloadLength = (b(4) << 8) | b(5);
  if (bytes.length < IPV6_HEADER_LEN + payloadLength) {
    return err({ kind: 'truncated', detail: `payload length says ${payloadLength} bytes, got ${bytes.length - IPV6_HEADER_LEN}` });
  }
  const header: Ipv6Header = {
    trafficClass: ((b(0) & 0x0f) << 4) | (b(1) >> 4),
    flowLabel: ((b(1) & 0x0f) << 16) | (b(2) << 8) | b(3),
    payloadLength,
    nextHeader: b(6),
    hopLimit: b(7),
    src: readIpv6(bytes, 8),
    dst: readIpv6(bytes, 24),
  };
  return ok({ header, payload: bytes.subarray(IPV6_HEADER_LEN, IPV6_HEADER_LEN + payloadLength) });
}

/** Fields for `emitIpv6`; defaults are what keepalived sends with an advert (class 0xc0, hop limit 255, VRRP). */
export interface Ipv6EmitFields {
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly nextHeader?: number;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

/** Build an IPv6 packet: the fixed header, then the payload. Throws RangeError on out-of-range fields. */
export function emitIpv6(f: Ipv6EmitFields, payload: Uint8Array): Uint8Array {
  const tc = f.trafficClass ?? VRRP_TOS;
  const flow = f.flowLabel ?? 0;
  const hop = f.hopLimit ?? VRRP_TTL;
  const nh = f.nextHeader ?? IPPROTO_VRRP;
  for (const [name, v, max] of [['traffic class', tc, 0xff], ['flow label', flow, 0xfffff], ['hop limit', hop, 0xff], ['next header', nh, 0xff], ['payload length', payload.length, 0xffff]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`IPv6 ${name} ${v} is outside 0..${max}`);
  }
  const buf = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  buf[0] = 0x60 | (tc >> 4);
  buf[1] = ((tc & 0x0f) << 4) | (flow >> 16);
  buf[2] = (flow >> 8) & 0xff;
  buf[3] = flow & 0xff;
  buf[4] = payload.length >> 8;
  buf[5] = payload.length & 0xff;
  buf[6] = nh;
  buf[7] = hop;
  writeAddress(buf, 8, f.src);
  writeAddress(buf, 24, f.dst);
  buf.set(payload, IPV6_HEADER_LEN);
  return buf;
}
