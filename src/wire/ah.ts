/**
 * IP Authentication Header (RFC 4302 §2), only far enough to see what it wraps. RFC 2338
 * (VRRP's first version) let VRRP run under AH (auth type 2); RFC 3768 §5.3.6 drops it. We
 * never verify AH, but a keepalived peer configured with `auth_type AH` sends IP protocol 51
 * packets wrapping a VRRP advert with auth type 2, and the receive path should count those as
 * an auth type mismatch rather than lose them silently: `parseAh` finds the inner advert.
 *
 * Layout: 0 next header, 1 payload len (AH length in 32-bit words, minus 2), 2 reserved (16),
 * 4 SPI (32), 8 sequence number (32), 12 ICV (variable, to the end of the header).
 */
import { err, ok, type Result } from '../result.js';
import { readU16 } from './ipv4.js';
import type { WireError } from './types.js';

export const AH_FIELD = { NEXT_HEADER: 0, PAYLOAD_LEN: 1, RESERVED: 2, SPI: 4, SEQ: 8, ICV: 12 } as const;
/** The fixed part: next header, payload len, reserved, SPI, sequence number. */
export const AH_FIXED_LEN = 12;

export type AhErrorKind = 'truncated' | 'bad-length';

/** An AH header and what follows it. */
export interface AhPacket {
  /** IP protocol number of the payload (112 for VRRP). */
  readonly nextHeader: number;
  readonly spi: number;
  readonly seq: number;
  /** Integrity check value (a copy). */
  readonly icv: Uint8Array;
  /** A view into the input: the bytes after the AH header. */
  readonly payload: Uint8Array;
}

const fail = (kind: AhErrorKind, detail: string) => err<WireError<AhErrorKind>>({ kind, detail });

/** Parse an AH header (the IPv4 payload of a protocol 51 datagram). Never throws. */
export function parseAh(bytes: Uint8Array): Result<AhPacket, WireError<AhErrorKind>> {
  if (bytes.length < AH_FIXED_LEN) {
    return fail('truncated', `AH header needs at least ${AH_FIXED_LEN} bytes, got ${bytes.length}`);
  }
  const payloadLenField = bytes[AH_FIELD.PAYLOAD_LEN] ?? 0;
  const ahLen = (payloadLenField + 2) * 4;
  if (ahLen < AH_FIXED_LEN) {
    return fail('bad-length', `AH payload len ${payloadLenField} gives ${ahLen} bytes, expected at least ${AH_FIXED_LEN}`);
  }
  if (bytes.length < ahLen) {
    return fail('truncated', `AH payload len ${payloadLenField} gives ${ahLen} bytes, got ${bytes.length}`);
  }
  return ok({
    nextHeader: bytes[AH_FIELD.NEXT_HEADER] ?? 0,
    spi: readU32(bytes, AH_FIELD.SPI),
    seq: readU32(bytes, AH_FIELD.SEQ),
    icv: bytes.slice(AH_FIELD.ICV, ahLen),
    payload: bytes.subarray(ahLen),
  });
}

function readU32(bytes: Uint8Array, offset: number): number {
  return readU16(bytes, offset) * 0x10000 + readU16(bytes, offset + 2);
}
