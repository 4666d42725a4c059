/**
 * VRRP advertisement view and value, both versions: VRRPv2 (RFC 3768 §5.1, §5.3) and VRRPv3
 * (RFC 5798 §5.2). The layout is chosen by the version nibble:
 *
 *   0  version(4) | type(4)   1  virtual router id   2  priority   3  count of addresses
 *   v2: 4  auth type          5  Adver Int (s)        6  checksum (16 bits)
 *   v3: 4  reserved(4) | Max Adver Int (12 bits, centiseconds)    6  checksum (16 bits)
 *   8  addresses (4 bytes each for IPv4, 16 for IPv6), then v2 only: 8 bytes of auth data
 *
 * Checksums: v2 sums the advertisement alone (RFC 3768 §5.3.8); v3 adds the IPv4 or IPv6
 * pseudo-header of the datagram it travels in (RFC 5798 §5.2.8), so parsing and emitting v3 need
 * the source and destination addresses (`AdvertIpContext`).
 *
 * Parsing is split into steps so the receive path (src/protocol/receive-path.ts) can run each
 * check once, in its own order, and count it: `peekAdvert` (the fixed 8 bytes), `checkVersion`,
 * `advertChecksumOk`, `decodeAdvert` (type, count, length, v2 auth type; then the value).
 * `parseAdvert` runs them in that order for everyone else. Nothing here throws on input.
 * Meaning (VRID ours, interval, password, address list, TTL) is not the codec's business.
 */
import { err, ok, type Result } from '../result.js';
import { ADDRESS_BYTES, familyOf, readAddress, writeAddress, type Family } from './address.js';
import { onesComplementSum, pseudoHeaderSum } from './checksum.js';
import { IPPROTO_VRRP } from './constants.js';
import {
  AUTH_NONE,
  AUTH_SIMPLE,
  type Advert,
  type AdvertAuth,
  type AdvertErrorKind,
  type AdvertIpContext,
  type SupportedAuthType,
  type VrrpVersion,
  type WireError,
} from './types.js';

/** Field offsets (RFC 3768 §5.1, RFC 5798 §5.2). */
export const ADVERT_FIELD = {
  VERSION_TYPE: 0,
  VRID: 1,
  PRIORITY: 2,
  COUNT: 3,
  /** v2: auth type; v3: reserved nibble + high 4 bits of Max Adver Int. */
  AUTH_TYPE: 4,
  /** v2: Adver Int in seconds. */
  ADVER_INT: 5,
  CHECKSUM: 6,
  ADDRESSES: 8,
} as const;

/** The fixed part before the addresses. */
export const ADVERT_FIXED_LEN = 8;
/** RFC 3768 §5.3.10: VRRPv2 Authentication Data is always 8 bytes. */
export const AUTH_DATA_LEN = 8;
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** RFC 5798 §5.2.7: Max Adver Int is 12 bits of centiseconds. */
export const MAX_ADVER_INT_V3_CS = 0x0fff;
/** RFC 3768 §5.3.7: Adver Int is one byte of seconds. */
export const MAX_ADVER_INT_V2_CS = 255 * 100;

const ZERO_AUTH: AdvertAuth = { type: AUTH_NONE, data: new Uint8Array(AUTH_DATA_LEN) };

/** The fixed 8 bytes, read without trusting the count. */
export interface AdvertHeader {
  readonly version: number;
  readonly type: number;
  readonly vrid: number;
  readonly priority: number;
  readonly count: number;
}

const fail = (kind: AdvertErrorKind, detail: string) => err<WireError<AdvertErrorKind>>({ kind, detail });

/** Bytes an advertisement of `version` with `count` addresses of `family` occupies. */
export function advertLen(version: VrrpVersion, family: Family, count: number): number {
  return ADVERT_FIXED_LEN + ADDRESS_BYTES[family] * count + (version === 2 ? AUTH_DATA_LEN : 0);
}

/** Bytes `emitAdvert(value)` produces. */
export function advertBufferLen(value: Advert): number {
  const family = value.addresses[0] === undefined ? 'ipv4' : familyOf(value.addresses[0]);
  return advertLen(value.version, family, value.addresses.length);
}

/** Step 1: the fixed 8 bytes; `truncated` when there are fewer. */
export function peekAdvert(bytes: Uint8Array): Result<AdvertHeader, WireError<AdvertErrorKind>> {
  if (bytes.length < ADVERT_FIXED_LEN) {
    return fail('truncated', `advertisement needs at least ${ADVERT_FIXED_LEN} bytes, got ${bytes.length}`);
  }
  const vt = bytes[ADVERT_FIELD.VERSION_TYPE] ?? 0;
  return ok({
    version: vt >> 4,
    type: vt & 0x0f,
    vrid: bytes[ADVERT_FIELD.VRID] ?? 0,
    priority: bytes[ADVERT_FIELD.PRIORITY] ?? 0,
    count: bytes[ADVERT_FIELD.COUNT] ?? 0,
  });
}

/** Step 2: a version vrrpd speaks over this family (2 over IPv4; 3 over either). */
export function checkVersion(version: number, family: Family): Result<VrrpVersion, WireError<AdvertErrorKind>> {
  if (version === 3 || (version === 2 && family === 'ipv4')) return ok(version);
  const over = version === 2 ? ' (VRRPv2 is IPv4 only)' : '';
  return fail('bad-version', `version is ${version}, expected ${family === 'ipv4' ? '2 or 3' : '3'}${over}`);
}

/** The one's complement sum of the RFC 5798 §5.2.8 pseudo-header of an advert of `length` bytes. */
function advertPseudoHeaderSum(ctx: AdvertIpContext, length: number): number {
  return pseudoHeaderSum(ctx.family, ctx.src, ctx.dst, length, IPPROTO_VRRP);
}

/** The checksum `bytes` should carry (computed as if its checksum field were zero). */
export function advertChecksum(bytes: Uint8Array, version: VrrpVersion, ctx?: AdvertIpContext): number {
  const found = ((bytes[ADVERT_FIELD.CHECKSUM] ?? 0) << 8) | (bytes[ADVERT_FIELD.CHECKSUM + 1] ?? 0);
  let sum = onesComplementSum(bytes) + (~found & 0xffff);
  if (version === 3) {
    if (ctx === undefined) throw new RangeError('a VRRPv3 checksum needs the IP source and destination');
    sum += advertPseudoHeaderSum(ctx, bytes.length);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Step 3: whether the checksum verifies (v3: with the pseudo-header of `ctx`). */
export function advertChecksumOk(bytes: Uint8Array, version: VrrpVersion, ctx: AdvertIpContext): boolean {
  let sum = onesComplementSum(bytes) + (version === 3 ? advertPseudoHeaderSum(ctx, bytes.length) : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

/** Describes a checksum failure for logs. */
export function checksumDetail(bytes: Uint8Array, version: VrrpVersion, ctx: AdvertIpContext): string {
  const found = ((bytes[ADVERT_FIELD.CHECKSUM] ?? 0) << 8) | (bytes[ADVERT_FIELD.CHECKSUM + 1] ?? 0);
  const how = version === 3 ? ` (v3, pseudo-header ${ctx.src} -> ${ctx.dst})` : '';
  return `checksum is 0x${hex4(found)}, expected 0x${hex4(advertChecksum(bytes, version, ctx))}${how}`;
}

/** Step 4: type, count, length and (v2) auth type, then the value. */
export function decodeAdvert(
  bytes: Uint8Array,
  header: AdvertHeader,
  version: VrrpVersion,
  family: Family,
): Result<Advert, WireError<AdvertErrorKind>> {
  if (header.type !== VRRP_TYPE_ADVERTISEMENT) {
    return fail('bad-type', `type is ${header.type}, expected ${VRRP_TYPE_ADVERTISEMENT} (ADVERTISEMENT)`);
  }
  const count = header.count;
  if (count === 0) return fail('count-mismatch', 'count of addresses is 0, expected at least 1');
  const want = advertLen(version, family, count);
  const how = `count ${count} needs ${want} bytes for VRRPv${version} over ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`;
  if (bytes.length < want) return fail('truncated', `${how}, got ${bytes.length}`);
  if (bytes.length > want) return fail('bad-length', `${how}, got ${bytes.length}`);
  let auth: AdvertAuth | undefined;
  let adverIntervalCs: number;
  const step = ADDRESS_BYTES[family];
  if (version === 2) {
    const authType = bytes[ADVERT_FIELD.AUTH_TYPE] ?? 0;
    if (authType !== AUTH_NONE && authType !== AUTH_SIMPLE) {
      const what = authType === 2 ? '2 (IP Authentication Header)' : `${authType} (unknown)`;
      return fail('unsupported-auth', `auth type is ${what}, expected 0 (none) or 1 (simple text password)`);
    }
    const authStart = ADVERT_FIELD.ADDRESSES + step * count;
    auth = { type: authType as SupportedAuthType, data: bytes.slice(authStart, authStart + AUTH_DATA_LEN) };
    adverIntervalCs = (bytes[ADVERT_FIELD.ADVER_INT] ?? 0) * 100;
  } else {
    adverIntervalCs = (((bytes[ADVERT_FIELD.AUTH_TYPE] ?? 0) & 0x0f) << 8) | (bytes[ADVERT_FIELD.ADVER_INT] ?? 0);
  }
  const addresses = [];
  for (let i = 0; i < count; i++) addresses.push(readAddress(bytes, ADVERT_FIELD.ADDRESSES + step * i, family));
  return ok({ version, type: 1, vrid: header.vrid, priority: header.priority, adverIntervalCs, addresses, auth });
}

/**
 * Parse an advertisement (the IP payload: exactly total length - header length bytes for IPv4).
 * Order: truncated (< 8 bytes), bad-version, bad-checksum, then decodeAdvert's bad-type,
 * count-mismatch, truncated / bad-length, unsupported-auth. Never throws.
 */
export function parseAdvert(bytes: Uint8Array, ctx: AdvertIpContext): Result<Advert, WireError<AdvertErrorKind>> {
  const header = peekAdvert(bytes);
  if (!header.ok) return header;
  const version = checkVersion(header.value.version, ctx.family);
  if (!version.ok) return version;
  if (!advertChecksumOk(bytes, version.value, ctx)) return fail('bad-checksum', checksumDetail(bytes, version.value, ctx));
  return decodeAdvert(bytes, header.value, version.value, ctx.family);
}

/**
 * Build the advertisement bytes, checksum computed (v2 §5.3.8; v3 §5.2.8 with `ctx`'s
 * pseudo-header). Throws RangeError on a value that cannot be encoded (a field out of range, 0 or
 * more than 255 addresses or addresses of mixed families, v2 auth data not 8 bytes, v2 over
 * IPv6, v3 without `ctx`): that is the caller's bug, not the peer's.
 */
export function emitAdvert(value: Advert, ctx?: AdvertIpContext): Uint8Array {
  const family = checkEncodable(value, ctx);
  const step = ADDRESS_BYTES[family];
  const buf = new Uint8Array(advertLen(value.version, family, value.addresses.length));
  buf[ADVERT_FIELD.VERSION_TYPE] = (value.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[ADVERT_FIELD.VRID] = value.vrid;
  buf[ADVERT_FIELD.PRIORITY] = value.priority;
  buf[ADVERT_FIELD.COUNT] = value.addresses.length;
  value.addresses.forEach((a, i) => writeAddress(buf, ADVERT_FIELD.ADDRESSES + step * i, a));
  if (value.version === 2) {
    const auth = value.auth ?? ZERO_AUTH;
    buf[ADVERT_FIELD.AUTH_TYPE] = auth.type;
    buf[ADVERT_FIELD.ADVER_INT] = value.adverIntervalCs / 100;
    buf.set(auth.data, ADVERT_FIELD.ADDRESSES + step * value.addresses.length);
  } else {
    buf[ADVERT_FIELD.AUTH_TYPE] = (value.adverIntervalCs >>> 8) & 0x0f;
    buf[ADVERT_FIELD.ADVER_INT] = value.adverIntervalCs & 0xff;
  }
  const sum = advertChecksum(buf, value.version, ctx);
  buf[ADVERT_FIELD.CHECKSUM] = sum >>> 8;
  buf[ADVERT_FIELD.CHECKSUM + 1] = sum & 0xff;
  return buf;
}

function checkEncodable(value: Advert, ctx: AdvertIpContext | undefined): Family {
  for (const [name, n] of [['vrid', value.vrid], ['priority', value.priority]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`advert ${name} ${n} is outside 0..255`);
  }
  const count = value.addresses.length;
  if (count < 1 || count > 255) throw new RangeError(`advert needs 1..255 addresses, got ${count}`);
  const family = familyOf(value.addresses[0]!);
  if (value.addresses.some((a) => familyOf(a) !== family)) throw new RangeError('advert addresses mix IPv4 and IPv6');
  if (ctx !== undefined && ctx.family !== family) throw new RangeError(`advert addresses are ${family}, the datagram is ${ctx.family}`);
  const cs = value.adverIntervalCs;
  if (value.version === 2) {
    if (family !== 'ipv4') throw new RangeError('VRRPv2 carries IPv4 addresses only');
    if (!Number.isInteger(cs) || cs < 0 || cs > MAX_ADVER_INT_V2_CS || cs % 100 !== 0) {
      throw new RangeError(`VRRPv2 advert interval ${cs} cs is not a whole number of seconds 0..255`);
    }
    const auth = value.auth ?? ZERO_AUTH;
    if (auth.type !== AUTH_NONE && auth.type !== AUTH_SIMPLE) throw new RangeError(`advert auth type ${String(auth.type)} cannot be emitted (0 or 1 only)`);
    if (auth.data.length !== AUTH_DATA_LEN) throw new RangeError(`advert auth data must be ${AUTH_DATA_LEN} bytes, got ${auth.data.length}`);
  } else {
    if (value.version !== 3) throw new RangeError(`advert version ${String(value.version)} cannot be emitted`);
    if (ctx === undefined) throw new RangeError('a VRRPv3 advert needs the IP source and destination for its checksum');
    if (!Number.isInteger(cs) || cs < 0 || cs > MAX_ADVER_INT_V3_CS) throw new RangeError(`VRRPv3 Max Adver Int ${cs} cs is outside 0..4095`);
    if (value.auth !== undefined) throw new RangeError('VRRPv3 has no authentication');
  }
  return family;
}

/**
 * The 8 auth data bytes for a simple text password (RFC 3768 §5.3.10), as keepalived builds
 * them: the password's UTF-8 bytes, cut to 8 when longer, zero padded when shorter. An empty or
 * absent password (auth type 0) gives 8 zero bytes.
 */
export function authDataFromPassword(pass: string | undefined): Uint8Array {
  const out = new Uint8Array(AUTH_DATA_LEN);
  if (pass) out.set(new TextEncoder().encode(pass).subarray(0, AUTH_DATA_LEN));
  return out;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
