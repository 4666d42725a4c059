import { describe, expect, it } from 'vitest';
import {
  advertBufferLen,
  advertChecksum,
  authDataFromPassword,
  emitAdvert,
  emitRawAdvert,
  ipAddress,
  parseAdvert,
  type Advert,
  type AdvertErrorKind,
  type AdvertIpContext,
  type IpAddress,
  type RawAdvertFields,
} from '../../../src/wire/index.js';

const ip = (s: string): IpAddress => ipAddress(s);
const PASS = authDataFromPassword('11111111');
const V4: AdvertIpContext = { family: 'ipv4', src: ip('192.168.50.1'), dst: ip('224.0.0.18') };
const V6: AdvertIpContext = { family: 'ipv6', src: ip('fe80::50:ff:fe00:1'), dst: ip('ff02::12') };
const good: RawAdvertFields = { vrid: 251, priority: 100, authType: 1, adverInt: 1, addresses: [ip('192.168.50.100')], authData: PASS };
const goodV3: RawAdvertFields = { version: 3, vrid: 251, priority: 100, adverInt: 100, addresses: [ip('192.168.50.100')], pseudo: V4 };

function expectError(bytes: Uint8Array, kind: AdvertErrorKind, detail?: RegExp, ctx: AdvertIpContext = V4): void {
  const r = parseAdvert(bytes, ctx);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(kind);
  if (detail) expect(r.error.detail).toMatch(detail);
}

describe('parseAdvert, VRRPv2 (RFC 3768 §5)', () => {
  it('parses the keepalived seed advert', () => {
    const r = parseAdvert(emitRawAdvert(good), V4);
    expect(r).toEqual({
      ok: true,
      value: { version: 2, type: 1, vrid: 251, priority: 100, adverIntervalCs: 100, addresses: ['192.168.50.100'], auth: { type: 1, data: PASS } },
    });
  });

  it('truncated: fewer than the 8 fixed bytes', () => {
    const full = emitRawAdvert(good);
    for (let n = 0; n < 8; n++) expectError(full.subarray(0, n), 'truncated', new RegExp(`at least 8 bytes, got ${n}$`));
  });

  it('truncated: fewer bytes than the count announces', () => {
    const bytes = emitRawAdvert({ ...good, count: 2 }); // 20 bytes, count says 24
    expectError(bytes, 'truncated', /count 2 needs 24 bytes for VRRPv2 over IPv4, got 20/);
  });

  it('bad-version: neither 2 nor 3, or 2 over IPv6', () => {
    expectError(emitRawAdvert({ ...good, version: 1 }), 'bad-version', /version is 1, expected 2 or 3/);
    expectError(emitRawAdvert({ ...good, version: 4, checksum: 0x1234 }), 'bad-version');
    expectError(emitRawAdvert({ ...good, addresses: [ip('fe80::1')] }), 'bad-version', /VRRPv2 is IPv4 only/, V6);
  });

  it('bad-type: type other than 1 (ADVERTISEMENT)', () => {
    expectError(emitRawAdvert({ ...good, type: 2 }), 'bad-type', /type is 2, expected 1/);
  });

  it('count-mismatch: count 0, whatever the length', () => {
    expectError(emitRawAdvert({ ...good, addresses: [] }), 'count-mismatch', /count of addresses is 0/);
    expectError(emitRawAdvert({ ...good, count: 0 }), 'count-mismatch');
  });

  it('bad-length: more bytes than 8 + 4*count + 8', () => {
    expectError(emitRawAdvert({ ...good, trailer: new Uint8Array(4) }), 'bad-length', /count 1 needs 20 bytes .* got 24/);
    expectError(emitRawAdvert({ ...good, addresses: [ip('1.1.1.1'), ip('2.2.2.2')], count: 1 }), 'bad-length');
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

  it('precedence: version, then checksum, then type / count / length / auth type', () => {
    expectError(emitRawAdvert({ ...good, version: 5, type: 2, count: 0 }), 'bad-version');
    expectError(emitRawAdvert({ ...good, authType: 2, checksum: 0 }), 'bad-checksum');
    expectError(emitRawAdvert({ ...good, count: 0, checksum: 0 }), 'bad-checksum');
    expectError(emitRawAdvert({ ...good, type: 2, count: 0 }), 'bad-type');
    expectError(emitRawAdvert({ ...good, count: 3, authType: 2 }), 'truncated');
  });

  it("accepts fields whose meaning is the router's: vrid 0, priority 0/255, interval 0, auth type 0 with junk auth data", () => {
    for (const f of [{ vrid: 0 }, { priority: 0 }, { priority: 255 }, { adverInt: 0 }, { authType: 0 }]) {
      expect(parseAdvert(emitRawAdvert({ ...good, ...f }), V4).ok).toBe(true);
    }
  });

  it('copies the auth data out of the input buffer', () => {
    const bytes = emitRawAdvert(good);
    const r = parseAdvert(bytes, V4);
    bytes.fill(0);
    expect(r.ok && Array.from(r.value.auth?.data ?? [])).toEqual(Array.from(PASS));
  });

  it('accepts 255 addresses', () => {
    const addresses = Array.from({ length: 255 }, (_, i) => ip(`10.0.0.${i}`));
    const r = parseAdvert(emitRawAdvert({ ...good, addresses }), V4);
    expect(r.ok && r.value.addresses).toEqual(addresses);
  });
});

describe('parseAdvert, VRRPv3 (RFC 5798 §5.2)', () => {
  it('parses a v3 IPv4 advert: 12-bit centisecond interval, no auth', () => {
    const r = parseAdvert(emitRawAdvert(goodV3), V4);
    expect(r).toEqual({ ok: true, value: { version: 3, type: 1, vrid: 251, priority: 100, adverIntervalCs: 100, addresses: ['192.168.50.100'], auth: undefined } });
  });

  it('the whole 12-bit range, and the reserved bits are ignored on receipt (§5.2.7)', () => {
    for (const cs of [0, 1, 10, 255, 256, 4095]) {
      const r = parseAdvert(emitRawAdvert({ ...goodV3, adverInt: cs, reserved: 0xf }), V4);
      expect(r.ok && r.value.adverIntervalCs).toBe(cs);
    }
  });

  it('the checksum covers the pseudo-header (§5.2.8): another source or destination fails it', () => {
    const bytes = emitRawAdvert(goodV3);
    expect(parseAdvert(bytes, V4).ok).toBe(true);
    expectError(bytes, 'bad-checksum', /pseudo-header 192.168.50.9 -> 224.0.0.18/, { ...V4, src: ip('192.168.50.9') });
    expectError(bytes, 'bad-checksum', undefined, { ...V4, dst: ip('192.168.50.2') });
  });

  it('length: 8 + 4n over IPv4, 8 + 16n over IPv6', () => {
    expectError(emitRawAdvert({ ...goodV3, trailer: new Uint8Array(8) }), 'bad-length', /count 1 needs 12 bytes for VRRPv3 over IPv4, got 20/);
    const six: RawAdvertFields = { ...goodV3, addresses: [ip('fe80::100'), ip('fd00:50::100')], pseudo: V6 };
    const r = parseAdvert(emitRawAdvert(six), V6);
    expect(r.ok && r.value.addresses).toEqual(['fe80::100', 'fd00:50::100']);
    expect(emitRawAdvert(six).length).toBe(40);
    expectError(emitRawAdvert({ ...six, count: 3 }), 'truncated', /needs 56 bytes for VRRPv3 over IPv6, got 40/, V6);
  });
});

describe('emitAdvert', () => {
  const value: Advert = {
    version: 2,
    type: 1,
    vrid: 51,
    priority: 150,
    adverIntervalCs: 200,
    addresses: [ip('192.168.50.200'), ip('10.20.30.40')],
    auth: { type: 0, data: new Uint8Array(8) },
  };

  it('v2: writes 8 + 4n + 8 bytes with a verifying checksum', () => {
    const bytes = emitAdvert(value);
    expect(bytes.length).toBe(advertBufferLen(value));
    expect(bytes.length).toBe(24);
    expect(parseAdvert(bytes, V4)).toEqual({ ok: true, value });
  });

  it('v2 without auth sends type 0 and 8 zero bytes', () => {
    const bytes = emitAdvert({ ...value, auth: undefined });
    expect(parseAdvert(bytes, V4)).toEqual({ ok: true, value });
  });

  it('v3: 8 + 4n bytes, checksum over the pseudo-header of the context', () => {
    const v3: Advert = { ...value, version: 3, adverIntervalCs: 35, auth: undefined };
    const bytes = emitAdvert(v3, V4);
    expect(bytes.length).toBe(16);
    expect(bytes[4]).toBe(0); // reserved bits zero on transmission (§5.2.7)
    expect(bytes[5]).toBe(35);
    expect(parseAdvert(bytes, V4)).toEqual({ ok: true, value: v3 });
    expect(advertChecksum(bytes, 3, V4)).toBe(((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0));
  });

  it('v3 over IPv6: 16-byte addresses', () => {
    const v3: Advert = { version: 3, type: 1, vrid: 1, priority: 100, adverIntervalCs: 100, addresses: [ip('fe80::100')], auth: undefined };
    const bytes = emitAdvert(v3, V6);
    expect(bytes.length).toBe(24);
    expect(parseAdvert(bytes, V6)).toEqual({ ok: true, value: v3 });
  });

  it.each([
    ['vrid 256', { vrid: 256 }],
    ['priority -1', { priority: -1 }],
    ['interval 1.5 s under v2', { adverIntervalCs: 150 }],
    ['no addresses', { addresses: [] }],
    ['256 addresses', { addresses: Array.from({ length: 256 }, () => ip('1.2.3.4')) }],
    ['7 auth bytes', { auth: { type: 1 as const, data: new Uint8Array(7) } }],
    ['auth type 2', { auth: { type: 2 as unknown as 0, data: new Uint8Array(8) } }],
    ['an IPv6 address under v2', { addresses: [ip('fe80::1')] }],
    ['mixed families', { version: 3 as const, auth: undefined, addresses: [ip('1.2.3.4'), ip('fe80::1')] }],
  ])('throws RangeError (a caller bug) on %s', (_name, patch) => {
    expect(() => emitAdvert({ ...value, ...patch }, V4)).toThrow(RangeError);
  });

  it('throws on v3 without a context, with authentication, or an interval past 12 bits', () => {
    const v3: Advert = { ...value, version: 3, adverIntervalCs: 100, auth: undefined };
    expect(() => emitAdvert(v3)).toThrow(/source and destination/);
    expect(() => emitAdvert({ ...v3, auth: { type: 0, data: new Uint8Array(8) } }, V4)).toThrow(/no authentication/);
    expect(() => emitAdvert({ ...v3, adverIntervalCs: 4096 }, V4)).toThrow(/0\.\.4095/);
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
