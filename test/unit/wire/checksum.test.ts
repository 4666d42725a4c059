import { describe, expect, it } from 'vitest';
import { checksumVerifies, internetChecksum, onesComplementSum } from '../../../src/wire/index.js';

describe('Internet checksum (RFC 1071)', () => {
  it('matches the RFC 1071 §3 worked example', () => {
    const data = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
    expect(onesComplementSum(data)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(Uint8Array.from([0x12, 0x34, 0x56]))).toBe(internetChecksum(Uint8Array.from([0x12, 0x34, 0x56, 0x00])));
  });

  it('folds carries (end-around carry)', () => {
    expect(onesComplementSum(Uint8Array.from([0xff, 0xff, 0x00, 0x01]))).toBe(0x0001);
    expect(onesComplementSum(new Uint8Array(100_000).fill(0xff))).toBe(0xffff);
  });

  it('verifies data that carries its own checksum, over a sub-range', () => {
    const data = Uint8Array.from([9, 9, 0x45, 0x00, 0x00, 0x1c, 0, 0, 0xab, 0xcd, 9]);
    const c = internetChecksum(data, 2, 10);
    data[6] = c >> 8;
    data[7] = c & 0xff;
    expect(checksumVerifies(data, 2, 10)).toBe(true);
    data[3] = 1;
    expect(checksumVerifies(data, 2, 10)).toBe(false);
  });

  it('empty input sums to 0, checksum 0xffff', () => {
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
  });
});
