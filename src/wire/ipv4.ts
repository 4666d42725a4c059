/**
 * IPv4 header (RFC 791) view and value.
 *
 * `parseIpv4Packet` takes a whole IPv4 datagram as a raw IPv4 socket hands it over (header first) and
 * checks form only: version, header length, total length against the buffer. It does not verify
 * the header checksum (the kernel already has) nor judge TTL, protocol or fragments: those are
 * the caller's. `emitIpv4` builds a datagram for test injectors and the lab, with every field
 * settable, including wrong ones.
 */
import { err, ok, type Result } from '../result.js';
import { internetChecksum } from './checksum.js';
import { readIpv4, writeAddress, type Ipv4Address } from './address.js';
import { IPPROTO_VRRP, VRRP_TOS, VRRP_TTL } from './constants.js';
import type { Ipv4ErrorKind, Ipv4Header, WireError } from './types.js';

/** Field offsets in the fixed 20-byte header (RFC 791 §3.1). */
export const IPV4_FIELD = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LENGTH: 2,
  ID: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
} as const;

/** Length of the header without options. */
export const IPV4_MIN_HEADER_LEN = 20;
/** IHL is 4 bits of 32-bit words: at most 60 bytes, so at most 40 bytes of options. */
export const IPV4_MAX_HEADER_LEN = 60;

const NO_OPTIONS = new Uint8Array(0);

/** A parsed datagram: its header and the payload cut to the header's total length. */
export interface Ipv4Packet {
  readonly header: Ipv4Header;
  /** A view into the input (not a copy): bytes headerLen .. totalLength. */
  readonly payload: Uint8Array;
}

const fail = (kind: Ipv4ErrorKind, detail: string) => err<WireError<Ipv4ErrorKind>>({ kind, detail });

/**
 * Parse an IPv4 datagram. Checks, in order: at least 20 bytes (truncated), version 4
 * (bad-version), IHL >= 5 (bad-header-length), the header fits (truncated), total length covers
 * the header (bad-total-length), the buffer holds total length bytes (truncated). Bytes past the
 * total length (link padding) are ignored.
 */
export function parseIpv4Packet(bytes: Uint8Array): Result<Ipv4Packet, WireError<Ipv4ErrorKind>> {
  if (bytes.length < IPV4_MIN_HEADER_LEN) {
    return fail('truncated', `IPv4 header needs ${IPV4_MIN_HEADER_LEN} bytes, got ${bytes.length}`);
  }
  const verIhl = bytes[IPV4_FIELD.VER_IHL] ?? 0;
  const version = verIhl >> 4;
  if (version !== 4) return fail('bad-version', `IP version is ${version}, expected 4`);
  const headerLen = (verIhl & 0x0f) * 4;
  if (headerLen < IPV4_MIN_HEADER_LEN) {
    return fail('bad-header-length', `IHL gives ${headerLen} bytes, expected at least ${IPV4_MIN_HEADER_LEN}`);
  }
  if (bytes.length < headerLen) {
    return fail('truncated', `IHL gives a ${headerLen}-byte header, got ${bytes.length} bytes`);
  }
  const totalLength = readU16(bytes, IPV4_FIELD.TOTAL_LENGTH);
  if (totalLength < headerLen) {
    return fail('bad-total-length', `total length ${totalLength} is shorter than the ${headerLen}-byte header`);
  }
  if (bytes.length < totalLength) {
    return fail('truncated', `total length says ${totalLength} bytes, got ${bytes.length}`);
  }
  const flagsFrag = readU16(bytes, IPV4_FIELD.FLAGS_FRAG);
  const header: Ipv4Header = {
    version: 4,
    headerLen,
    tos: bytes[IPV4_FIELD.TOS] ?? 0,
    totalLength,
    id: readU16(bytes, IPV4_FIELD.ID),
    flags: flagsFrag >> 13,
    fragmentOffset: flagsFrag & 0x1fff,
    ttl: bytes[IPV4_FIELD.TTL] ?? 0,
    protocol: bytes[IPV4_FIELD.PROTOCOL] ?? 0,
    checksum: readU16(bytes, IPV4_FIELD.CHECKSUM),
    src: readIpv4(bytes, IPV4_FIELD.SRC),
    dst: readIpv4(bytes, IPV4_FIELD.DST),
    options: headerLen === IPV4_MIN_HEADER_LEN ? NO_OPTIONS : bytes.subarray(IPV4_MIN_HEADER_LEN, headerLen),
  };
  return ok({ header, payload: bytes.subarray(headerLen, totalLength) });
}

/** Fields for `emitIpv4`. Defaults are what keepalived 2.2.7 sends for an advertisement. */
export interface Ipv4EmitFields {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  /** Default 112 (VRRP). */
  readonly protocol?: number;
  /** Default 255 (RFC 3768 §5.2.3). */
  readonly ttl?: number;
  /** Default 0xc0 (keepalived: precedence "internetwork control"). */
  readonly tos?: number;
  /** Default 0. */
  readonly id?: number;
  /** The 3 flag bits (2 = DF, 1 = MF). Default 0: keepalived leaves DF clear. */
  readonly flags?: number;
  /** In 8-byte units. Default 0. */
  readonly fragmentOffset?: number;
  /** Option bytes, a multiple of 4, at most 40. Default none. */
  readonly options?: Uint8Array;
  /** Override the computed total length (to build malformed packets). */
  readonly totalLength?: number;
  /** Override the computed header checksum (to build malformed packets). */
  readonly checksum?: number;
}

/** Bytes `emitIpv4` produces for these fields and payload. */
export function ipv4BufferLen(fields: Ipv4EmitFields, payload: Uint8Array): number {
  return IPV4_MIN_HEADER_LEN + (fields.options?.length ?? 0) + payload.length;
}

/**
 * Build an IPv4 datagram: header (checksum computed unless overridden) then payload.
 * Throws RangeError on values that do not fit their fields: that is the caller's bug.
 */
export function emitIpv4(fields: Ipv4EmitFields, payload: Uint8Array): Uint8Array {
  const options = fields.options ?? new Uint8Array(0);
  if (options.length % 4 !== 0 || options.length > IPV4_MAX_HEADER_LEN - IPV4_MIN_HEADER_LEN) {
    throw new RangeError(`IPv4 options must be a multiple of 4 bytes, at most 40; got ${options.length}`);
  }
  const headerLen = IPV4_MIN_HEADER_LEN + options.length;
  const buf = new Uint8Array(headerLen + payload.length);
  const totalLength = fields.totalLength ?? buf.length;
  buf[IPV4_FIELD.VER_IHL] = 0x40 | (headerLen / 4);
  buf[IPV4_FIELD.TOS] = checkRange('tos', fields.tos ?? VRRP_TOS, 0xff);
  writeU16(buf, IPV4_FIELD.TOTAL_LENGTH, checkRange('totalLength', totalLength, 0xffff));
  writeU16(buf, IPV4_FIELD.ID, checkRange('id', fields.id ?? 0, 0xffff));
  const flags = checkRange('flags', fields.flags ?? 0, 7);
  const frag = checkRange('fragmentOffset', fields.fragmentOffset ?? 0, 0x1fff);
  writeU16(buf, IPV4_FIELD.FLAGS_FRAG, (flags << 13) | frag);
  buf[IPV4_FIELD.TTL] = checkRange('ttl', fields.ttl ?? VRRP_TTL, 0xff);
  buf[IPV4_FIELD.PROTOCOL] = checkRange('protocol', fields.protocol ?? IPPROTO_VRRP, 0xff);
  writeAddress(buf, IPV4_FIELD.SRC, fields.src);
  writeAddress(buf, IPV4_FIELD.DST, fields.dst);
  buf.set(options, IPV4_MIN_HEADER_LEN);
  const checksum = fields.checksum ?? internetChecksum(buf, 0, headerLen);
  writeU16(buf, IPV4_FIELD.CHECKSUM, checkRange('checksum', checksum, 0xffff));
  buf.set(payload, headerLen);
  return buf;
}

function checkRange(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`IPv4 ${name} ${value} is outside 0..${max}`);
  }
  return value;
}

/** Big-endian 16-bit read (missing bytes read as 0; callers check length first). */
export function readU16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

/** Big-endian 16-bit write. */
export function writeU16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = (value >>> 8) & 0xff;
  buf[offset + 1] = value & 0xff;
}
