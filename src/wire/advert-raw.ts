/**
 * A permissive advertisement builder for test injectors and the lab: every field settable,
 * including values `parseAdvert` rejects (version 1 or 4, type 2, count 0 or lying, auth type 2,
 * short or long auth data, a wrong checksum, reserved bits set). Production code sends with
 * `emitAdvert`.
 */
import { ADDRESS_BYTES, familyOf, writeAddress, type IpAddress } from './address.js';
import { ADVERT_FIELD, AUTH_DATA_LEN, advertChecksum } from './advert.js';
import type { AdvertIpContext } from './types.js';

/** Fields for `emitRawAdvert`; each number is written masked to its field's width. */
export interface RawAdvertFields {
  /** Default 2. Layout: v3 when 3, v2 otherwise. */
  readonly version?: number;
  /** Default 1. */
  readonly type?: number;
  readonly vrid: number;
  readonly priority: number;
  /** Default: addresses.length. */
  readonly count?: number;
  /** v2 only (default 0). */
  readonly authType?: number;
  /** The interval field as sent: v2 a byte of seconds, v3 12 bits of centiseconds. */
  readonly adverInt: number;
  /** v3 only: the 4 reserved bits (default 0). */
  readonly reserved?: number;
  readonly addresses: readonly IpAddress[];
  /** v2 only: written as given (any length). Default 8 zero bytes. */
  readonly authData?: Uint8Array;
  /** Default: the correct checksum (v3: over `pseudo`'s pseudo-header). */
  readonly checksum?: number;
  /** Extra bytes appended at the end (before the checksum is computed). */
  readonly trailer?: Uint8Array;
  /** v3's pseudo-header addresses; required for a v3 checksum unless `checksum` is given. */
  readonly pseudo?: AdvertIpContext;
}

/** Build advertisement bytes from raw fields, checksum computed unless overridden. */
export function emitRawAdvert(f: RawAdvertFields): Uint8Array {
  const v3 = (f.version ?? 2) === 3;
  const authData = v3 ? new Uint8Array(0) : (f.authData ?? new Uint8Array(AUTH_DATA_LEN));
  const trailer = f.trailer ?? new Uint8Array(0);
  const step = f.addresses[0] === undefined ? 4 : ADDRESS_BYTES[familyOf(f.addresses[0])];
  const authStart = ADVERT_FIELD.ADDRESSES + step * f.addresses.length;
  const buf = new Uint8Array(authStart + authData.length + trailer.length);
  buf[ADVERT_FIELD.VERSION_TYPE] = (((f.version ?? 2) & 0x0f) << 4) | ((f.type ?? 1) & 0x0f);
  buf[ADVERT_FIELD.VRID] = f.vrid & 0xff;
  buf[ADVERT_FIELD.PRIORITY] = f.priority & 0xff;
  buf[ADVERT_FIELD.COUNT] = (f.count ?? f.addresses.length) & 0xff;
  if (v3) {
    buf[ADVERT_FIELD.AUTH_TYPE] = (((f.reserved ?? 0) & 0x0f) << 4) | ((f.adverInt >>> 8) & 0x0f);
    buf[ADVERT_FIELD.ADVER_INT] = f.adverInt & 0xff;
  } else {
    buf[ADVERT_FIELD.AUTH_TYPE] = (f.authType ?? 0) & 0xff;
    buf[ADVERT_FIELD.ADVER_INT] = f.adverInt & 0xff;
  }
  f.addresses.forEach((a, i) => writeAddress(buf, ADVERT_FIELD.ADDRESSES + step * i, a));
  buf.set(authData, authStart);
  buf.set(trailer, authStart + authData.length);
  const sum = f.checksum ?? advertChecksum(buf, v3 ? 3 : 2, f.pseudo);
  buf[ADVERT_FIELD.CHECKSUM] = (sum >>> 8) & 0xff;
  buf[ADVERT_FIELD.CHECKSUM + 1] = sum & 0xff;
  return buf;
}
