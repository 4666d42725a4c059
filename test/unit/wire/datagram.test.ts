import { describe, expect, it } from 'vitest';
import {
  authDataFromPassword,
  emitIpv4,
  emitRawAdvert,
  parseAh,
  parseVrrpDatagram,
  type RawAdvertFields,
} from '../../../src/wire/index.js';

const advertFields: RawAdvertFields = { vrid: 9, priority: 200, authType: 2, adverIntervalSec: 1, addresses: ['192.168.50.100'] };
const ip = { src: '192.168.50.1', dst: '224.0.0.18' };

/** An AH header (RFC 4302) with a 12-byte ICV in front of `inner`. */
function ah(inner: Uint8Array, nextHeader = 112, payloadLen = 4): Uint8Array {
  const head = new Uint8Array(Math.max(12, (payloadLen + 2) * 4));
  head[0] = nextHeader;
  head[1] = payloadLen;
  head.set([0xc0, 0xa8, 0x32, 0x01, 0, 0, 0, 7], 4);
  const out = new Uint8Array(head.length + inner.length);
  out.set(head);
  out.set(inner, head.length);
  return out;
}

describe('parseAh', () => {
  it('reads next header, SPI, sequence, ICV and the payload', () => {
    const r = parseAh(ah(Uint8Array.from([1, 2, 3])));
    if (!r.ok) throw new Error(r.error.detail);
    expect(r.value).toMatchObject({ nextHeader: 112, spi: 0xc0a83201, seq: 7 });
    expect(r.value.icv.length).toBe(12);
    expect(Array.from(r.value.payload)).toEqual([1, 2, 3]);
  });
  it('truncated: fixed part or announced length missing', () => {
    const r1 = parseAh(new Uint8Array(11));
    expect(!r1.ok && r1.error.kind).toBe('truncated');
    const r2 = parseAh(ah(new Uint8Array(0)).subarray(0, 20));
    expect(!r2.ok && r2.error).toMatchObject({ kind: 'truncated', detail: 'AH payload len 4 gives 24 bytes, got 20' });
  });
  it('bad-length: payload len below the fixed part', () => {
    const r = parseAh(ah(new Uint8Array(0), 112, 0));
    expect(!r.ok && r.error).toMatchObject({ kind: 'bad-length', detail: expect.stringMatching(/gives 8 bytes, expected at least 12/) });
  });
});

describe('parseVrrpDatagram', () => {
  it('returns the header and the advert', () => {
    const r = parseVrrpDatagram(emitIpv4({ ...ip, id: 3 }, emitRawAdvert({ ...advertFields, authType: 1, authData: authDataFromPassword('x') })));
    if (!r.ok) throw new Error(r.error.detail);
    expect(r.value.ip).toMatchObject({ src: ip.src, ttl: 255, id: 3 });
    expect(r.value.advert.vrid).toBe(9);
  });

  it('names the layer that refused: ipv4, vrrp, ip', () => {
    expect(parseVrrpDatagram(new Uint8Array(5))).toMatchObject({ ok: false, error: { layer: 'ipv4', kind: 'truncated' } });
    expect(parseVrrpDatagram(emitIpv4(ip, emitRawAdvert({ ...advertFields, authType: 0, version: 3 })))).toMatchObject({
      ok: false,
      error: { layer: 'vrrp', kind: 'bad-version' },
    });
    expect(parseVrrpDatagram(emitIpv4({ ...ip, protocol: 17 }, new Uint8Array(20)))).toMatchObject({
      ok: false,
      error: { layer: 'ip', kind: 'not-vrrp', detail: 'IP protocol is 17, expected 112 (VRRP)' },
    });
  });

  it('AH over VRRP with auth type 2 is unsupported-auth', () => {
    const r = parseVrrpDatagram(emitIpv4({ ...ip, protocol: 51 }, ah(emitRawAdvert(advertFields))));
    expect(r).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'unsupported-auth' } });
  });

  it('AH over a VRRP advert claiming auth type 1 is still unsupported-auth', () => {
    const r = parseVrrpDatagram(emitIpv4({ ...ip, protocol: 51 }, ah(emitRawAdvert({ ...advertFields, authType: 1 }))));
    expect(r).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'unsupported-auth', detail: expect.stringContaining('auth type 1') } });
  });

  it('AH problems: a broken AH header, a non-VRRP payload, a broken inner advert', () => {
    expect(parseVrrpDatagram(emitIpv4({ ...ip, protocol: 51 }, new Uint8Array(4)))).toMatchObject({ ok: false, error: { layer: 'ah', kind: 'truncated' } });
    expect(parseVrrpDatagram(emitIpv4({ ...ip, protocol: 51 }, ah(new Uint8Array(20), 6)))).toMatchObject({
      ok: false,
      error: { layer: 'ip', kind: 'not-vrrp', detail: 'AH next header is 6, expected 112 (VRRP)' },
    });
    const inner = emitRawAdvert({ ...advertFields, checksum: 0 });
    expect(parseVrrpDatagram(emitIpv4({ ...ip, protocol: 51 }, ah(inner)))).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'bad-checksum' } });
  });
});
