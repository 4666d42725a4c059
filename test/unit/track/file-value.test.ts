import { describe, expect, it } from 'vitest';
import { effectivePriority } from '../../../src/protocol/priority.js';
import { parseFileValue } from '../../../src/track/file-value.js';
import { fileContribution, statusOf } from '../../../src/track/tracker.js';

const v = (text: string) => {
  const r = parseFileValue(text);
  return r.ok ? r.value : r.error.kind;
};

describe("parseFileValue: C's strtol(buf, NULL, 0), as keepalived reads a track_file", () => {
  it('decimal, signs, white space, a trailing newline or rubbish', () => {
    expect(['5', '5\n', '  -12\n', '+7', '\t\n 42abc', '10 20', '-0'].map(v)).toEqual([5, 5, -12, 7, 42, 10, 0]);
  });
  it('hex after 0x, octal after a leading 0; "0x" with no hex digit is 0', () => {
    expect(['0x10', '0X1f', '-0x2', '010', '09', '0x', '0xg'].map(v)).toEqual([16, 31, -2, 8, 0, 0, 0]);
  });
  it('no digits, empty: 0', () => {
    expect(['', 'abc', '-', ' + 3', '\n'].map(v)).toEqual([0, 0, 0, 0, 0]);
  });
  it('keepalived refuses beyond -2^31..2^31 (2^31 itself passes) and beyond a 64-bit long', () => {
    expect(['2147483648', '-2147483648', '2147483649', '-2147483649', '99999999999999999999', '0x8000000000000000'].map(v)).toEqual([
      2147483648, -2147483648, 'out-of-range', 'out-of-range', 'out-of-range', 'out-of-range',
    ]);
  });
  it('only the first 127 bytes count', () => {
    expect(v(`${' '.repeat(126)}7`)).toBe(7);
    expect(v(`${' '.repeat(127)}7`)).toBe(0);
  });
});

describe("track_file's weight rule (keepalived track_file.c)", () => {
  it('value x weight, reverse negates; capped at +253; -254 or less is FAULT', () => {
    expect(fileContribution(3, 10, false)).toBe(30);
    expect(fileContribution(3, 10, true)).toBe(-30);
    expect(fileContribution(-2, 10, false)).toBe(-20);
    expect(fileContribution(100, 10, false)).toBe(253);
    expect(fileContribution(-253, 1, false)).toBe(-253);
    expect(fileContribution(-254, 1, false)).toBe('fault');
    expect(fileContribution(2147483648, -254, false)).toBe('fault');
    expect(fileContribution(0, 10, false)).toBe(0);
  });
  it('weight 0: a non-zero value is FAULT (reverse: a zero value is)', () => {
    expect(fileContribution(0, 0, false)).toBe(0);
    expect(fileContribution(7, 0, false)).toBe('fault');
    expect(fileContribution(-1, 0, false)).toBe('fault');
    expect(fileContribution(0, 0, true)).toBe('fault');
    expect(fileContribution(7, 0, true)).toBe(0);
  });
  it('through the router: base 100 moves by value x weight, clamped to 1..254; FAULT names the file', () => {
    const at = (value: number, weight: number, reverse = false) => effectivePriority(100, [statusOf('file f', { kind: 'value', value }, weight, reverse)]);
    expect(at(5, -10)).toMatchObject({ priority: 50, faults: [] });
    expect(at(5, 10)).toMatchObject({ priority: 150, faults: [] });
    expect(at(20, 10)).toMatchObject({ priority: 254, faults: [] });
    expect(at(-20, 10)).toMatchObject({ priority: 1, faults: [] });
    expect(at(-30, 10)).toMatchObject({ faults: ['file f'] });
    expect(at(1, 0)).toMatchObject({ priority: 100, faults: ['file f'] });
    expect(at(0, 0)).toMatchObject({ priority: 100, faults: [] });
    expect(effectivePriority(255, [statusOf('file f', { kind: 'value', value: 5 }, 10, false)]).priority).toBe(255);
  });
});
