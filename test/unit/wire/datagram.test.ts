import { describe, expect, it } from 'vitest';
import {
  authDataFromPassword,
  emitIpv4,
  emitRawAdvert,
  ipAddress,
  parseAh,
  parseVrrpDatagram,
  type RawAdvertFields,
  type RawDatagram,
} from '../../../src/wire/index.js';

const advertFields: RawAdvertFields = { vrid: 9, priority: 200, authType: 2, adverInt: 1, addresses: [ipAddress('192.168.50.100')] };
const ip = { src: ipAddress('192.168.50.1', 'ipv4'), dst: ipAddress('224.0.0.18', 'ipv4') };
const v4 = (bytes: Uint8Array): RawDatagram => ({ family: 'ipv4', bytes });

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
    const r = parseVrrpDatagram(v4(emitIpv4({ ...ip, id: 3 }, emitRawAdvert({ ...advertFields, authType: 1, authData: authDataFromPassword('x') }))));
    if (!r.ok) throw new Error(r.error.detail);
    expect(r.value.ip).toMatchObject({ family: 'ipv4', src: ip.src, dst: ip.dst, ttl: 255, tos: 0xc0, ah: false });
    expect(r.value.advert.vrid).toBe(9);
  });

  it('VRRPv3 over IPv4: the pseudo-header uses the datagram\'s addresses', () => {
    const bytes = emitIpv4(ip, emitRawAdvert({ version: 3, vrid: 9, priority: 200, adverInt: 10, addresses: [ipAddress('192.168.50.100')], pseudo: { family: 'ipv4', ...ip } }));
    const r = parseVrrpDatagram(v4(bytes));
    expect(r.ok && r.value.advert).toMatchObject({ version: 3, adverIntervalCs: 10 });
    const other = emitIpv4({ ...ip, src: ipAddress('192.168.50.7', 'ipv4') }, bytes.subarray(20));
    expect(parseVrrpDatagram(v4(other))).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'bad-checksum' } });
  });

  it('IPv6: the payload and what the socket reported beside it', () => {
    const src = ipAddress('fe80::50:ff:fe00:1');
    const dst = ipAddress('ff02::12');
    const payload = emitRawAdvert({ version: 3, vrid: 9, priority: 200, adverInt: 100, addresses: [ipAddress('fe80::100')], pseudo: { family: 'ipv6', src, dst } });
    const r = parseVrrpDatagram({ family: 'ipv6', payload, src, dst, hopLimit: 255 });
    expect(r.ok && r.value.ip).toMatchObject({ family: 'ipv6', src, dst, ttl: 255, ah: false });
    expect(r.ok && r.value.advert.addresses).toEqual(['fe80::100']);
  });

  it('names the layer that refused: ipv4, vrrp, ip', () => {
    expect(parseVrrpDatagram(v4(new Uint8Array(5)))).toMatchObject({ ok: false, error: { layer: 'ipv4', kind: 'truncated' } });
    expect(parseVrrpDatagram(v4(emitIpv4(ip, emitRawAdvert({ ...advertFields, authType: 0, version: 7 }))))).toMatchObject({
      ok: false,
      error: { layer: 'vrrp', kind: 'bad-version' },
    });
    expect(parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 17 }, new Uint8Array(20))))).toMatchObject({
      ok: false,
      error: { layer: 'ip', kind: 'not-vrrp', detail: 'IP protocol is 17, expected 112 (VRRP)' },
    });
  });

  it('AH over VRRP with auth type 2 is unsupported-auth', () => {
    const r = parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 51 }, ah(emitRawAdvert(advertFields)))));
    expect(r).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'unsupported-auth' } });
  });

  it('AH over a VRRP advert claiming auth type 1 is still unsupported-auth', () => {
    const r = parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 51 }, ah(emitRawAdvert({ ...advertFields, authType: 1 })))));
    expect(r).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'unsupported-auth', detail: expect.stringContaining('auth type 1') } });
  });

  it('AH problems: a broken AH header, a non-VRRP payload, a broken inner advert', () => {
    expect(parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 51 }, new Uint8Array(4))))).toMatchObject({ ok: false, error: { layer: 'ah', kind: 'truncated' } });
    expect(parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 51 }, ah(new Uint8Array(20), 6))))).toMatchObject({
      ok: false,
      error: { layer: 'ip', kind: 'not-vrrp', detail: 'AH next header is 6, expected 112 (VRRP)' },
    });
    const inner = emitRawAdvert({ ...advertFields, checksum: 0 });
    expect(parseVrrpDatagram(v4(emitIpv4({ ...ip, protocol: 51 }, ah(inner))))).toMatchObject({ ok: false, error: { layer: 'vrrp', kind: 'bad-checksum' } });
  });
});
