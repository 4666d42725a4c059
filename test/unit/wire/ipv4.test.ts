import { describe, expect, it } from 'vitest';
import {
  checksumVerifies,
  emitIpv4,
  ipAddress,
  ipv4BufferLen,
  parseIpv4Packet,
  type Ipv4Address,
  type Ipv4ErrorKind,
} from '../../../src/wire/index.js';

const PAYLOAD = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const base = { src: ipAddress('192.168.50.1', 'ipv4'), dst: ipAddress('224.0.0.18', 'ipv4') };

function expectError(bytes: Uint8Array, kind: Ipv4ErrorKind, detail?: RegExp): void {
  const r = parseIpv4Packet(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(kind);
  if (detail) expect(r.error.detail).toMatch(detail);
}

describe('parseIpv4Packet', () => {
  it('reads every field and cuts the payload to the total length', () => {
    const bytes = emitIpv4({ ...base, id: 0xbeef, flags: 2, fragmentOffset: 5, ttl: 64, tos: 0x10, protocol: 17 }, PAYLOAD);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes);
    const r = parseIpv4Packet(padded);
    if (!r.ok) throw new Error(r.error.detail);
    expect(r.value.header).toEqual({
      version: 4, headerLen: 20, tos: 0x10, totalLength: 28, id: 0xbeef, flags: 2, fragmentOffset: 5, ttl: 64,
      protocol: 17, checksum: ((bytes[10] ?? 0) << 8) | (bytes[11] ?? 0), src: base.src, dst: base.dst, options: new Uint8Array(0),
    });
    expect(Array.from(r.value.payload)).toEqual(Array.from(PAYLOAD));
  });

  it('handles options (IHL > 5): router alert', () => {
    const options = Uint8Array.from([0x94, 0x04, 0x00, 0x00]);
    const bytes = emitIpv4({ ...base, options }, PAYLOAD);
    expect(bytes[0]).toBe(0x46);
    const r = parseIpv4Packet(bytes);
    if (!r.ok) throw new Error(r.error.detail);
    expect(r.value.header.headerLen).toBe(24);
    expect(Array.from(r.value.header.options)).toEqual(Array.from(options));
    expect(Array.from(r.value.payload)).toEqual(Array.from(PAYLOAD));
  });

  it('truncated: fewer than 20 bytes', () => {
    const bytes = emitIpv4(base, PAYLOAD);
    for (let n = 0; n < 20; n++) expectError(bytes.subarray(0, n), 'truncated', new RegExp(`needs 20 bytes, got ${n}$`));
  });

  it('bad-version: IPv6 or garbage in the version nibble', () => {
    const bytes = emitIpv4(base, PAYLOAD);
    bytes[0] = 0x65;
    expectError(bytes, 'bad-version', /version is 6, expected 4/);
  });

  it('bad-header-length: IHL below 5', () => {
    const bytes = emitIpv4(base, PAYLOAD);
    bytes[0] = 0x44;
    expectError(bytes, 'bad-header-length', /IHL gives 16 bytes, expected at least 20/);
  });

  it('truncated: the IHL header does not fit', () => {
    const bytes = emitIpv4(base, PAYLOAD); // 28 bytes
    bytes[0] = 0x48; // 32-byte header
    expectError(bytes, 'truncated', /32-byte header, got 28 bytes/);
  });

  it('bad-total-length: total length shorter than the header', () => {
    expectError(emitIpv4({ ...base, totalLength: 19 }, PAYLOAD), 'bad-total-length', /total length 19 is shorter than the 20-byte header/);
  });

  it('truncated: total length larger than the buffer', () => {
    expectError(emitIpv4({ ...base, totalLength: 29 }, PAYLOAD), 'truncated', /total length says 29 bytes, got 28/);
  });

  it('does not judge the header checksum, TTL, protocol or fragments (form only)', () => {
    const r = parseIpv4Packet(emitIpv4({ ...base, checksum: 0, ttl: 1, protocol: 6, flags: 1, fragmentOffset: 100 }, PAYLOAD));
    expect(r.ok).toBe(true);
  });
});

describe('emitIpv4', () => {
  it('defaults to what keepalived sends: TOS 0xc0, TTL 255, proto 112, DF clear', () => {
    const bytes = emitIpv4(base, PAYLOAD);
    expect(Array.from(bytes.subarray(0, 10))).toEqual([0x45, 0xc0, 0, 28, 0, 0, 0, 0, 255, 112]);
    expect(checksumVerifies(bytes, 0, 20)).toBe(true);
    expect(bytes.length).toBe(ipv4BufferLen(base, PAYLOAD));
  });

  it('reproduces keepalived\'s first pass1 header given the same fields', () => {
    const vrrp = new Uint8Array(20);
    const hdr = emitIpv4({ ...base, id: 1 }, vrrp).subarray(0, 20);
    expect(Buffer.from(hdr).toString('hex')).toBe('45c0002800010000ff70e7e8c0a83201e0000012');
  });

  it('lets an injector set a wrong protocol and checksum', () => {
    const bytes = emitIpv4({ ...base, protocol: 17, checksum: 0xdead }, PAYLOAD);
    expect(bytes[9]).toBe(17);
    expect([bytes[10], bytes[11]]).toEqual([0xde, 0xad]);
  });

  it.each([
    ['options of 3 bytes', { options: new Uint8Array(3) }],
    ['options of 44 bytes', { options: new Uint8Array(44) }],
    ['TTL 256', { ttl: 256 }],
    ['id -1', { id: -1 }],
    ['flags 8', { flags: 8 }],
    ['a bad source', { src: '1.2.3' as Ipv4Address }],
  ])('throws RangeError on %s', (_n, patch) => {
    expect(() => emitIpv4({ ...base, ...patch }, PAYLOAD)).toThrow(RangeError);
  });
});
