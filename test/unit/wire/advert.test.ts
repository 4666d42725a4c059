import { describe, expect, it } from 'vitest';
import {
  advertBufferLen,
  authDataFromPassword,
  emitAdvert,
  emitRawAdvert,
  parseAdvert,
  type Advert,
  type AdvertErrorKind,
  type RawAdvertFields,
} from '../../../src/wire/index.js';

const PASS = authDataFromPassword('11111111');
const good: RawAdvertFields = { vrid: 251, priority: 100, authType: 1, adverIntervalSec: 1, addresses: ['192.168.50.100'], authData: PASS };

function expectError(bytes: Uint8Array, kind: AdvertErrorKind, detail?: RegExp): void {
  const r = parseAdvert(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(kind);
  if (detail) expect(r.error.detail).toMatch(detail);
}

describe('parseAdvert', () => {
  it('parses the keepalived seed advert', () => {
    const r = parseAdvert(emitRawAdvert(good));
    expect(r).toEqual({
      ok: true,
      value: { version: 2, type: 1, vrid: 251, priority: 100, authType: 1, adverIntervalSec: 1, addresses: ['192.168.50.100'], authData: PASS },
    });
  });

  it('truncated: fewer than the 8 fixed bytes', () => {
    const full = emitRawAdvert(good);
    for (let n = 0; n < 8; n++) expectError(full.subarray(0, n), 'truncated', new RegExp(`at least 8 bytes, got ${n}$`));
  });

  it('truncated: fewer bytes than the count announces', () => {
    const bytes = emitRawAdvert({ ...good, count: 2 }); // 20 bytes, count says 24
    expectError(bytes, 'truncated', /count 2 needs 24 bytes .* got 20/);
  });

  it('bad-version: a VRRPv3 packet is named as such, not as a checksum error', () => {
    expectError(emitRawAdvert({ ...good, version: 3 }), 'bad-version', /version is 3, expected 2/);
    expectError(emitRawAdvert({ ...good, version: 3, checksum: 0x1234 }), 'bad-version');
    expectError(emitRawAdvert({ ...good, version: 1 }), 'bad-version', /version is 1/);
  });

  it('bad-type: type other than 1 (ADVERTISEMENT)', () => {
    expectError(emitRawAdvert({ ...good, type: 2 }), 'bad-type', /type is 2, expected 1/);
    expectError(emitRawAdvert({ ...good, type: 0, checksum: 0 }), 'bad-type');
  });

  it('count-mismatch: count 0, whatever the length', () => {
    expectError(emitRawAdvert({ ...good, addresses: [] }), 'count-mismatch', /count of IP addresses is 0/);
    expectError(emitRawAdvert({ ...good, count: 0 }), 'count-mismatch');
  });

  it('bad-length: more bytes than 8 + 4*count + 8', () => {
    const bytes = emitRawAdvert({ ...good, trailer: new Uint8Array(4) });
    expectError(bytes, 'bad-length', /count 1 needs 20 bytes .* got 24/);
    expectError(emitRawAdvert({ ...good, addresses: ['1.1.1.1', '2.2.2.2'], count: 1 }), 'bad-length');
    expectError(emitRawAdvert({ ...good, authData: new Uint8Array(9) }), 'bad-length');
  });

  it('bad-checksum: says what was found and what was expected', () => {
    const bytes = emitRawAdvert(good);
    const right = ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0);
    bytes[6] = (bytes[6] ?? 0) ^ 0x01;
    const found = ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0);
    const hex = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
    expectError(bytes, 'bad-checksum', new RegExp(`checksum is ${hex(found)}, expected ${hex(right)}`));
  });

  it('bad-checksum: a flipped payload bit', () => {
    const bytes = emitRawAdvert(good);
    bytes[2] = 99; // priority changed after the checksum was computed
    expectError(bytes, 'bad-checksum');
  });

  it('unsupported-auth: auth type 2 (AH) and unknown types', () => {
    expectError(emitRawAdvert({ ...good, authType: 2 }), 'unsupported-auth', /auth type is 2 \(IP Authentication Header\)/);
    expectError(emitRawAdvert({ ...good, authType: 3 }), 'unsupported-auth', /auth type is 3 \(unknown\)/);
    expectError(emitRawAdvert({ ...good, authType: 255 }), 'unsupported-auth');
  });

  it('precedence: checksum before auth type, shape before checksum', () => {
    expectError(emitRawAdvert({ ...good, authType: 2, checksum: 0 }), 'bad-checksum');
    expectError(emitRawAdvert({ ...good, count: 0, checksum: 0 }), 'count-mismatch');
    expectError(emitRawAdvert({ ...good, count: 3, checksum: 0 }), 'truncated');
    expectError(emitRawAdvert({ ...good, trailer: new Uint8Array(2), checksum: 0 }), 'bad-length');
    expectError(emitRawAdvert({ ...good, version: 3, type: 2, count: 0 }), 'bad-version');
    expectError(emitRawAdvert({ ...good, type: 2, count: 0 }), 'bad-type');
  });

  it('accepts fields whose meaning is the router\'s: vrid 0, priority 0/255, interval 0, auth type 0 with junk auth data', () => {
    for (const f of [{ vrid: 0 }, { priority: 0 }, { priority: 255 }, { adverIntervalSec: 0 }, { authType: 0 }]) {
      expect(parseAdvert(emitRawAdvert({ ...good, ...f })).ok).toBe(true);
    }
  });

  it('copies the auth data out of the input buffer', () => {
    const bytes = emitRawAdvert(good);
    const r = parseAdvert(bytes);
    bytes.fill(0);
    expect(r.ok && Array.from(r.value.authData)).toEqual(Array.from(PASS));
  });

  it('accepts 255 addresses', () => {
    const addresses = Array.from({ length: 255 }, (_, i) => `10.0.0.${i}`);
    const r = parseAdvert(emitRawAdvert({ ...good, addresses }));
    expect(r.ok && r.value.addresses).toEqual(addresses);
  });
});

describe('emitAdvert', () => {
  const value: Advert = { version: 2, type: 1, vrid: 51, priority: 150, authType: 0, adverIntervalSec: 2, addresses: ['192.168.50.200', '10.20.30.40'], authData: new Uint8Array(8) };

  it('writes 8 + 4n + 8 bytes with a verifying checksum', () => {
    const bytes = emitAdvert(value);
    expect(bytes.length).toBe(advertBufferLen(value));
    expect(bytes.length).toBe(24);
    expect(parseAdvert(bytes)).toEqual({ ok: true, value });
  });

  it.each([
    ['vrid 256', { vrid: 256 }],
    ['priority -1', { priority: -1 }],
    ['interval 1.5', { adverIntervalSec: 1.5 }],
    ['no addresses', { addresses: [] }],
    ['256 addresses', { addresses: Array.from({ length: 256 }, () => '1.2.3.4') }],
    ['7 auth bytes', { authData: new Uint8Array(7) }],
    ['a malformed address', { addresses: ['192.168.50'] }],
    ['auth type 2', { authType: 2 as unknown as 0 }],
  ])('throws RangeError (a caller bug) on %s', (_name, patch) => {
    expect(() => emitAdvert({ ...value, ...patch })).toThrow(RangeError);
  });
});

describe('authDataFromPassword (keepalived semantics)', () => {
  const text = (b: Uint8Array) => Array.from(b);
  it('8 characters go in as they are', () => {
    expect(text(authDataFromPassword('11111111'))).toEqual(Array(8).fill(0x31));
  });
  it('longer passwords are cut to 8 bytes', () => {
    expect(new TextDecoder().decode(authDataFromPassword('k8s-op-secret-long'))).toBe('k8s-op-s');
  });
  it('shorter passwords are zero padded', () => {
    expect(text(authDataFromPassword('abc'))).toEqual([0x61, 0x62, 0x63, 0, 0, 0, 0, 0]);
  });
  it('empty or absent: 8 zero bytes', () => {
    expect(text(authDataFromPassword(''))).toEqual(Array(8).fill(0));
    expect(text(authDataFromPassword(undefined))).toEqual(Array(8).fill(0));
  });
  it('counts UTF-8 bytes, not characters', () => {
    expect(text(authDataFromPassword('ééééé'))).toEqual([0xc3, 0xa9, 0xc3, 0xa9, 0xc3, 0xa9, 0xc3, 0xa9]);
  });
});
