/**
 * VRRPv2 advertisement (RFC 3768 §5.1, §5.3) view and value.
 *
 * Layout (byte offsets):
 *   0  version(4 bits) | type(4 bits)     4  auth type        8  IP address 1 .. count
 *   1  virtual router id                  5  advertisement interval (s)
 *   2  priority                           6  checksum (16 bits)
 *   3  count of IP addresses              8 + 4 * count: 8 bytes of authentication data
 *
 * `parseAdvert` takes the IP payload (exactly total length - header length bytes) and checks
 * FORM only. Its checks run in this order, and the first failure is the answer:
 *   1. truncated        fewer than the 8 fixed bytes
 *   2. bad-version      version nibble is not 2 (a VRRPv3 packet is named as such, not as a
 *                       checksum error: v3 sums a pseudo-header, v2 does not)
 *   3. bad-type         type nibble is not 1
 *   4. count-mismatch   count is 0 (no length can be right then)
 *   5. truncated        fewer bytes than 8 + 4 * count + 8
 *   6. bad-length       more bytes than 8 + 4 * count + 8
 *   7. bad-checksum     §5.3.8 checksum over the whole advertisement does not verify
 *   8. unsupported-auth auth type is 2 (AH) or above; judged after the checksum so a corrupted
 *                       auth type byte counts as corruption, not as a peer's configuration
 * Meaning (VRID ours, interval, password, address list, TTL) is the router's (§7.1).
 */
import { err, ok, type Result } from '../result.js';
import { internetChecksum } from './checksum.js';
import { readIpv4, readU16, writeIpv4, writeU16 } from './ipv4.js';
import {
  AUTH_NONE,
  AUTH_SIMPLE,
  type Advert,
  type AdvertErrorKind,
  type SupportedAuthType,
  type WireError,
} from './types.js';

/** Field offsets (RFC 3768 §5.1). */
export const ADVERT_FIELD = {
  VERSION_TYPE: 0,
  VRID: 1,
  PRIORITY: 2,
  COUNT: 3,
  AUTH_TYPE: 4,
  ADVER_INT: 5,
  CHECKSUM: 6,
  ADDRESSES: 8,
} as const;

/** The fixed part before the addresses. */
export const ADVERT_FIXED_LEN = 8;
/** §5.3.10: Authentication Data is always 8 bytes. */
export const AUTH_DATA_LEN = 8;
/** §5.3.1 / §5.3.2. */
export const VRRP_VERSION = 2;
export const VRRP_TYPE_ADVERTISEMENT = 1;

/** Bytes an advertisement with `count` addresses occupies: 8 + 4 * count + 8. */
export function advertLenForCount(count: number): number {
  return ADVERT_FIXED_LEN + 4 * count + AUTH_DATA_LEN;
}

/** Bytes `emitAdvert(value)` produces. */
export function advertBufferLen(value: Advert): number {
  return advertLenForCount(value.addresses.length);
}

const fail = (kind: AdvertErrorKind, detail: string) => err<WireError<AdvertErrorKind>>({ kind, detail });

/** Parse a VRRPv2 advertisement; never throws. See the module header for the order of checks. */
export function parseAdvert(bytes: Uint8Array): Result<Advert, WireError<AdvertErrorKind>> {
  const shape = checkShape(bytes);
  if (!shape.ok) return shape;
  const count = shape.value;
  if (internetChecksum(bytes) !== 0) {
    const found = readU16(bytes, ADVERT_FIELD.CHECKSUM);
    const copy = bytes.slice();
    writeU16(copy, ADVERT_FIELD.CHECKSUM, 0);
    const expected = internetChecksum(copy);
    return fail('bad-checksum', `checksum is 0x${hex4(found)}, expected 0x${hex4(expected)}`);
  }
  const authType = bytes[ADVERT_FIELD.AUTH_TYPE] ?? 0;
  if (authType !== AUTH_NONE && authType !== AUTH_SIMPLE) {
    const what = authType === 2 ? '2 (IP Authentication Header)' : `${authType} (unknown)`;
    return fail('unsupported-auth', `auth type is ${what}, expected 0 (none) or 1 (simple text password)`);
  }
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(readIpv4(bytes, ADVERT_FIELD.ADDRESSES + 4 * i));
  const authStart = ADVERT_FIELD.ADDRESSES + 4 * count;
  return ok({
    version: 2,
    type: 1,
    vrid: bytes[ADVERT_FIELD.VRID] ?? 0,
    priority: bytes[ADVERT_FIELD.PRIORITY] ?? 0,
    authType: authType as SupportedAuthType,
    adverIntervalSec: bytes[ADVERT_FIELD.ADVER_INT] ?? 0,
    addresses,
    authData: bytes.slice(authStart, authStart + AUTH_DATA_LEN),
  });
}

/** Checks 1-6 of the module header; on success, the address count. */
function checkShape(bytes: Uint8Array): Result<number, WireError<AdvertErrorKind>> {
  if (bytes.length < ADVERT_FIXED_LEN) {
    return fail('truncated', `advertisement needs at least ${ADVERT_FIXED_LEN} bytes, got ${bytes.length}`);
  }
  const versionType = bytes[ADVERT_FIELD.VERSION_TYPE] ?? 0;
  const version = versionType >> 4;
  if (version !== VRRP_VERSION) return fail('bad-version', `version is ${version}, expected ${VRRP_VERSION}`);
  const type = versionType & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) {
    return fail('bad-type', `type is ${type}, expected ${VRRP_TYPE_ADVERTISEMENT} (ADVERTISEMENT)`);
  }
  const count = bytes[ADVERT_FIELD.COUNT] ?? 0;
  if (count === 0) return fail('count-mismatch', 'count of IP addresses is 0, expected at least 1');
  const want = advertLenForCount(count);
  if (bytes.length < want) {
    return fail('truncated', `count ${count} needs ${want} bytes (8 + 4*${count} + 8), got ${bytes.length}`);
  }
  if (bytes.length > want) {
    return fail('bad-length', `count ${count} needs ${want} bytes (8 + 4*${count} + 8), got ${bytes.length}`);
  }
  return ok(count);
}

/**
 * Build the advertisement bytes, checksum computed (§5.3.8). Auth data is written as given
 * (the router supplies zeros for auth type 0, §5.3.6.1). Throws RangeError on a value that
 * cannot be encoded (a field out of its byte, 0 or more than 255 addresses, auth data not 8
 * bytes, a malformed address): that is the caller's bug, not the peer's.
 */
export function emitAdvert(value: Advert): Uint8Array {
  checkEncodable(value);
  const buf = new Uint8Array(advertBufferLen(value));
  buf[ADVERT_FIELD.VERSION_TYPE] = (VRRP_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf[ADVERT_FIELD.VRID] = value.vrid;
  buf[ADVERT_FIELD.PRIORITY] = value.priority;
  buf[ADVERT_FIELD.COUNT] = value.addresses.length;
  buf[ADVERT_FIELD.AUTH_TYPE] = value.authType;
  buf[ADVERT_FIELD.ADVER_INT] = value.adverIntervalSec;
  value.addresses.forEach((ip, i) => writeIpv4(buf, ADVERT_FIELD.ADDRESSES + 4 * i, ip));
  buf.set(value.authData, ADVERT_FIELD.ADDRESSES + 4 * value.addresses.length);
  writeU16(buf, ADVERT_FIELD.CHECKSUM, internetChecksum(buf));
  return buf;
}

function checkEncodable(value: Advert): void {
  const bytes: [string, number][] = [
    ['vrid', value.vrid],
    ['priority', value.priority],
    ['adverIntervalSec', value.adverIntervalSec],
  ];
  for (const [name, n] of bytes) {
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`advert ${name} ${n} is outside 0..255`);
  }
  if (value.authType !== AUTH_NONE && value.authType !== AUTH_SIMPLE) {
    throw new RangeError(`advert auth type ${String(value.authType)} cannot be emitted (0 or 1 only)`);
  }
  const count = value.addresses.length;
  if (count < 1 || count > 255) throw new RangeError(`advert needs 1..255 addresses, got ${count}`);
  if (value.authData.length !== AUTH_DATA_LEN) {
    throw new RangeError(`advert auth data must be ${AUTH_DATA_LEN} bytes, got ${value.authData.length}`);
  }
}

/**
 * The 8 auth data bytes for a simple text password (§5.3.10), as keepalived builds them: the
 * password's UTF-8 bytes, cut to 8 when longer, zero padded when shorter. An empty or absent
 * password (auth type 0) gives 8 zero bytes.
 */
export function authDataFromPassword(pass: string | undefined): Uint8Array {
  const out = new Uint8Array(AUTH_DATA_LEN);
  if (pass) out.set(new TextEncoder().encode(pass).subarray(0, AUTH_DATA_LEN));
  return out;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
