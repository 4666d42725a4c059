/**
 * A permissive advertisement builder for test injectors and the lab: every field settable,
 * including values `parseAdvert` rejects (version 3, type 2, count 0 or lying, auth type 2,
 * short or long auth data, a wrong checksum). Production code sends with `emitAdvert`.
 */
import { internetChecksum } from './checksum.js';
import { writeIpv4, writeU16 } from './ipv4.js';
import { ADVERT_FIELD, AUTH_DATA_LEN } from './advert.js';
import type { Ipv4String } from './types.js';

/** Fields for `emitRawAdvert`; each number is written masked to its field's width. */
export interface RawAdvertFields {
  /** Default 2. */
  readonly version?: number;
  /** Default 1. */
  readonly type?: number;
  readonly vrid: number;
  readonly priority: number;
  /** Default: addresses.length. */
  readonly count?: number;
  readonly authType: number;
  readonly adverIntervalSec: number;
  readonly addresses: readonly Ipv4String[];
  /** Written as given (any length). Default 8 zero bytes. */
  readonly authData?: Uint8Array;
  /** Default: the correct §5.3.8 checksum. */
  readonly checksum?: number;
  /** Extra bytes appended after the auth data (before the checksum is computed). */
  readonly trailer?: Uint8Array;
}

/** Build advertisement bytes from raw fields, checksum computed unless overridden. */
export function emitRawAdvert(f: RawAdvertFields): Uint8Array {
  const authData = f.authData ?? new Uint8Array(AUTH_DATA_LEN);
  const trailer = f.trailer ?? new Uint8Array(0);
  const authStart = ADVERT_FIELD.ADDRESSES + 4 * f.addresses.length;
  const buf = new Uint8Array(authStart + authData.length + trailer.length);
  buf[ADVERT_FIELD.VERSION_TYPE] = (((f.version ?? 2) & 0x0f) << 4) | ((f.type ?? 1) & 0x0f);
  buf[ADVERT_FIELD.VRID] = f.vrid & 0xff;
  buf[ADVERT_FIELD.PRIORITY] = f.priority & 0xff;
  buf[ADVERT_FIELD.COUNT] = (f.count ?? f.addresses.length) & 0xff;
  buf[ADVERT_FIELD.AUTH_TYPE] = f.authType & 0xff;
  buf[ADVERT_FIELD.ADVER_INT] = f.adverIntervalSec & 0xff;
  f.addresses.forEach((ip, i) => writeIpv4(buf, ADVERT_FIELD.ADDRESSES + 4 * i, ip));
  buf.set(authData, authStart);
  buf.set(trailer, authStart + authData.length);
  writeU16(buf, ADVERT_FIELD.CHECKSUM, (f.checksum ?? internetChecksum(buf)) & 0xffff);
  return buf;
}
