/**
 * What keepalived reads from a track_file (track_file.c, process_track_file): the first 127
 * bytes, parsed as C's strtol(buf, NULL, 0) does: leading white space, an optional sign, then
 * hexadecimal after "0x", octal after a leading "0", decimal otherwise, up to the first character
 * that is not a digit. No digits at all reads as 0; so does an empty or missing file. A number
 * outside a 64-bit long, or outside -2^31..2^31 (keepalived's own bound, one past INT32_MAX
 * included), is refused: keepalived logs it and keeps the value it had.
 */
import { err, ok, type Result } from '../result.js';

/** keepalived reads at most this much of the file. */
export const TRACK_FILE_READ_BYTES = 127;

export interface FileValueError {
  readonly kind: 'out-of-range';
  readonly detail: string;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX_PLUS_1 = 2n ** 31n;

/** The base and where the digits start, as strtol with base 0 decides. */
function baseAt(s: string, i: number): { base: number; from: number } {
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) return { base: 16, from: i + 2 };
  if (s[i] === '0') return { base: 8, from: i };
  return { base: 10, from: i };
}

/** The value of a track_file's text, or why keepalived would ignore it. Never throws. */
export function parseFileValue(text: string): Result<number, FileValueError> {
  const s = text.slice(0, TRACK_FILE_READ_BYTES);
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i] as string)) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-';
  const { base, from } = baseAt(s, i);
  let n = 0n;
  let j = from;
  for (; j < s.length; j++) {
    const d = parseInt(s[j] as string, 36);
    if (Number.isNaN(d) || d >= base) break;
    n = n * BigInt(base) + BigInt(d);
  }
  const v = negative ? -n : n;
  const shown = s.slice(0, j).trim();
  if (v < LONG_MIN || v > LONG_MAX) return err({ kind: 'out-of-range', detail: `${shown} does not fit a 64-bit long` });
  if (v < INT32_MIN || v > INT32_MAX_PLUS_1) return err({ kind: 'out-of-range', detail: `${shown} is outside -2147483648..2147483648` });
  return ok(Number(v));
}
