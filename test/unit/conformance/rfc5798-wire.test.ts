/**
 * RFC 5798 (VRRPv3) conformance of the codecs (src/wire): the fields §5 fixes and the form checks
 * of §7.1 the parser owns, over IPv4, and the checksum of keepalived 2.2.7's own VRRPv3 packets
 * over IPv4 and IPv6. Each test title starts with its row ID in docs/rfc5798-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import { advertChecksumOk, emitAdvert, parseAdvert } from '../../../src/wire/advert.js';
import { emitRawAdvert, type RawAdvertFields } from '../../../src/wire/advert-raw.js';
import { ipAddress, type Ipv4Address } from '../../../src/wire/address.js';
import { parseVrrpDatagram } from '../../../src/wire/datagram.js';
import { emitIpv4, parseIpv4Packet } from '../../../src/wire/ipv4.js';
import { parseIpv6Packet } from '../../../src/wire/ipv6.js';
import type { Advert, AdvertIpContext } from '../../../src/wire/types.js';
import { ip, routerConfigV3 } from '../../helpers/router-fixtures.js';
import { fromHex, loadVectorsV3, splitEthernet } from '../../helpers/vectors.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
const CTX = { family: 'ipv4', src: v4('192.168.50.2'), dst: v4('224.0.0.18') } as const satisfies AdvertIpContext;
const base: RawAdvertFields = { version: 3, vrid: 251, priority: 100, adverInt: 100, addresses: [ip('192.168.50.100'), ip('192.168.50.101')], pseudo: CTX };
const raw = (over: Partial<RawAdvertFields> = {}) => emitRawAdvert({ ...base, ...over });
const kindOf = (bytes: Uint8Array, ctx = CTX) => {
  const r = parseAdvert(bytes, ctx);
  return r.ok ? 'ok' : r.error.kind;
};
const value = (over: Partial<Advert> = {}): Advert => ({ version: 3, type: 1, vrid: 251, priority: 100, adverIntervalCs: 100, addresses: [ip('192.168.50.100')], ...over });

/** RFC 1071 sum written out longhand, independent of src/wire/checksum.ts. */
function longhandSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

describe('RFC 5798 §5.1.1.4 IP protocol', () => {
  it('5.1.1.4-1 only IPv4 protocol 112 carries a VRRPv3 advertisement', () => {
    const payload = raw();
    expect(parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4({ ...CTX, protocol: 112 }, payload) }).ok).toBe(true);
    for (const protocol of [17, 6, 113, 2]) {
      expect(parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4({ ...CTX, protocol }, payload) })).toMatchObject({ ok: false, error: { kind: 'not-vrrp' } });
    }
  });
});

describe('RFC 5798 §5.2.1 and §5.2.2 version and type', () => {
  it('5.2.1-1 emitted adverts say version 3, type 1 (ADVERTISEMENT): first byte 0x31', () => {
    expect(emitAdvert(value(), CTX)[0]).toBe(0x31);
  });
  it('5.2.2-2 any type other than 1 is refused by the parser (0, 2, 3, 15), with a valid checksum', () => {
    for (const type of [0, 2, 3, 15]) expect(kindOf(raw({ type }))).toBe('bad-type');
    expect(kindOf(raw({ type: 1 }))).toBe('ok');
  });
});

describe('RFC 5798 §5.2.5 to §5.2.7 fields', () => {
  it('5.2.5-1 the count is at least 1: count 0 is refused, and no advert without an address can be emitted', () => {
    expect(kindOf(raw({ count: 0, addresses: [] }))).toBe('count-mismatch');
    expect(kindOf(raw({ count: 0 }))).toBe('count-mismatch');
    expect(() => emitAdvert(value({ addresses: [] }), CTX)).toThrow(RangeError);
  });
  it('5.2.6-1 the reserved nibble is sent as zero and ignored on reception', () => {
    expect(emitAdvert(value({ adverIntervalCs: 4095 }), CTX)[4]! >> 4).toBe(0);
    for (const reserved of [1, 8, 15]) {
      const r = parseAdvert(raw({ reserved, adverInt: 0x123 }), CTX);
      expect(r).toMatchObject({ ok: true, value: { adverIntervalCs: 0x123 } });
    }
  });
  it('5.2.7-1 Max Adver Int is 12 bits of centiseconds: 1..4095 round trip; 4096 cannot be emitted', () => {
    for (const cs of [1, 10, 100, 255, 256, 4095]) {
      const bytes = emitAdvert(value({ adverIntervalCs: cs }), CTX);
      expect(((bytes[4]! & 0x0f) << 8) | bytes[5]!).toBe(cs);
      expect(parseAdvert(bytes, CTX)).toMatchObject({ ok: true, value: { adverIntervalCs: cs } });
    }
    expect(() => emitAdvert(value({ adverIntervalCs: 4096 }), CTX)).toThrow(RangeError);
  });
});

describe('RFC 5798 §5.2.8 checksum', () => {
  it('5.2.8-1 the checksum covers the IPv4 pseudo-header (source, destination, zero, 112, VRRP length) and the whole message from the version field, computed with the field zeroed', () => {
    const bytes = emitAdvert(value({ addresses: [ip('192.168.50.100'), ip('10.0.0.1')], priority: 90 }), CTX);
    const pseudo = Uint8Array.from([192, 168, 50, 2, 224, 0, 0, 18, 0, 112, 0, bytes.length]);
    const zeroed = bytes.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    const expected = ~((longhandSum(pseudo) + longhandSum(zeroed)) % 0xffff) & 0xffff;
    expect((bytes[6]! << 8) | bytes[7]!).toBe(expected);
    expect((longhandSum(pseudo) + longhandSum(bytes)) % 0xffff).toBe(0);
    // Without the pseudo-header (the VRRPv2 rule) the same bytes do not verify.
    expect(longhandSum(bytes)).not.toBe(0xffff);
  });
  it("5.2.8-1 keepalived 2.2.7's VRRPv3 checksums verify: multicast, 0.1 s, unicast (real destination), use_vmac, and IPv6 (RFC 2460 pseudo-header)", () => {
    let v4count = 0;
    let v6count = 0;
    for (const c of loadVectorsV3().captures.filter((x) => x.name.startsWith('v3-'))) {
      for (const f of c.frames) {
        const eth = splitEthernet(fromHex(f.ethernet_hex));
        if (eth.ethertype === 0x0800) {
          const p = parseIpv4Packet(eth.payload);
          if (!p.ok) throw new Error(p.error.detail);
          expect(advertChecksumOk(p.value.payload, 3, { family: 'ipv4', src: p.value.header.src, dst: p.value.header.dst }), `${c.name}`).toBe(true);
          v4count++;
        } else if (eth.ethertype === 0x86dd) {
          const p = parseIpv6Packet(eth.payload);
          if (!p.ok) throw new Error(p.error.detail);
          if (p.value.header.nextHeader !== 112) continue;
          const ctx = { family: 'ipv6' as const, src: p.value.header.src, dst: p.value.header.dst };
          expect(advertChecksumOk(p.value.payload, 3, ctx), `${c.name}`).toBe(true);
          expect(advertChecksumOk(p.value.payload, 3, { ...ctx, dst: ip('ff02::1') })).toBe(false);
          v6count++;
        }
      }
    }
    expect(v4count).toBeGreaterThan(30);
    expect(v6count).toBeGreaterThan(3);
  });
});

describe('RFC 5798 §5.2.9 addresses', () => {
  it('5.2.9-2 IPv4 and IPv6 are never carried together: emitting a mixed list throws; the parser reads the datagram\'s own family', () => {
    expect(() => emitAdvert(value({ addresses: [ip('192.168.50.100'), ip('fd00::1')] }), CTX)).toThrow(/mix/);
    // 8 + 16 bytes read over IPv4 are 4 addresses of 4 bytes, never one IPv6 address.
    const six = emitAdvert(value({ addresses: [ip('fd00::1')] }), { family: 'ipv6', src: ip('fe80::2'), dst: ip('ff02::12') });
    expect(kindOf(six)).not.toBe('ok');
  });
});

describe('RFC 5798 §7.1 complete packet', () => {
  it('7.1-4 every cut of a complete advert (fixed fields, addresses) is refused by the parser', () => {
    const whole = raw();
    expect(kindOf(whole)).toBe('ok');
    for (let len = 0; len < whole.length; len++) expect(parseAdvert(whole.slice(0, len), CTX).ok, `length ${len}`).toBe(false);
  });
});

describe('RFC 5798 §7.2 transmit path, sans IO', () => {
  it('7.2-2 what the router sends, emitted with the pseudo-header checksum of its datagram and parsed back, is accepted by a peer router', () => {
    const src = v4('192.168.50.3');
    const sender = new Router(routerConfigV3({ priority: 150, primaryIp: src, adverIntervalCs: 10 }));
    sender.step({ kind: 'startup' }, 0);
    const out = sender.step({ kind: 'timeout' }, sender.nextDeadline()!);
    const a = out.find((x) => x.kind === 'sendAdvert');
    if (a?.kind !== 'sendAdvert') throw new Error('no advert sent');
    const ctx = { family: 'ipv4' as const, src, dst: v4('224.0.0.18') };
    const dgram = parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4(ctx, emitAdvert(a.advert, ctx)) });
    if (!dgram.ok) throw new Error(dgram.error.detail);
    const peer = new Router(routerConfigV3({ priority: 100 }));
    peer.step({ kind: 'startup' }, 0);
    expect(peer.step({ kind: 'advert', advert: dgram.value.advert, srcIp: dgram.value.ip.src }, 10)).toEqual([]);
    expect(peer.snapshot()).toMatchObject({ masterIp: '192.168.50.3', masterAdverIntervalCs: 10, counters: { advertiseRcvd: 1 } });
  });
});
