/**
 * Properties of the wire layer: parsers never throw and only answer with documented kinds, on
 * random bytes and on mutated real packets; emit -> parse round-trips every valid value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  advertChecksum,
  emitAdvert,
  emitArpFrame,
  emitIpv4,
  ipAddress,
  parseAdvert,
  parseAh,
  parseArpFrame,
  parseIpAddress,
  parseIpv4Packet,
  parseMac,
  parseVrrpDatagram,
  type Advert,
  type AdvertIpContext,
  type ArpFrame,
  type IpAddress,
  type Ipv4Address,
} from '../../src/wire/index.js';
import { fromHex, loadVectors, loadVectorsV3, splitEthernet } from '../helpers/vectors.js';

const ADVERT_KINDS = ['truncated', 'bad-version', 'bad-type', 'bad-checksum', 'bad-length', 'count-mismatch', 'unsupported-auth'];
const IPV4_KINDS = ['truncated', 'bad-version', 'bad-header-length', 'bad-total-length'];
const ARP_KINDS = ['truncated', 'not-arp', 'bad-format'];
const AH_KINDS = ['truncated', 'bad-length'];
const LAYER_KINDS: Record<string, string[]> = { ipv4: IPV4_KINDS, vrrp: ADVERT_KINDS, ah: AH_KINDS, ip: ['not-vrrp'] };

const V4: AdvertIpContext = { family: 'ipv4', src: ipAddress('192.168.50.1'), dst: ipAddress('224.0.0.18') };
const V6: AdvertIpContext = { family: 'ipv6', src: ipAddress('fe80::50:ff:fe00:1'), dst: ipAddress('ff02::12') };
const frames = [...loadVectors().captures, ...loadVectorsV3().captures].flatMap((c) => c.frames.map((f) => fromHex(f.ethernet_hex)));
const datagrams = frames.filter((f) => splitEthernet(f).ethertype === 0x0800).map((f) => splitEthernet(f).payload);
const arps = frames.filter((f) => splitEthernet(f).ethertype === 0x0806);
/** Every VRRP payload of the IPv4 vectors, with the context its checksum needs. */
const adverts = datagrams.flatMap((d) => {
  const ip = parseIpv4Packet(d);
  if (!ip.ok || ip.value.header.protocol !== 112) return [];
  return [{ bytes: ip.value.payload, ctx: { family: 'ipv4' as const, src: ip.value.header.src, dst: ip.value.header.dst } }];
});

/** Every parser on `bytes`: no throw, and every error kind is a documented one. */
function checkAllParsers(bytes: Uint8Array): void {
  for (const ctx of [V4, V6]) {
    const a = parseAdvert(bytes, ctx);
    if (!a.ok) expect(ADVERT_KINDS).toContain(a.error.kind);
  }
  const i = parseIpv4Packet(bytes);
  if (!i.ok) expect(IPV4_KINDS).toContain(i.error.kind);
  const r = parseArpFrame(bytes);
  if (!r.ok) expect(ARP_KINDS).toContain(r.error.kind);
  const h = parseAh(bytes);
  if (!h.ok) expect(AH_KINDS).toContain(h.error.kind);
  for (const raw of [{ family: 'ipv4' as const, bytes }, { family: 'ipv6' as const, payload: bytes, src: V6.src, dst: V6.dst, hopLimit: 255 }]) {
    const d = parseVrrpDatagram(raw);
    if (!d.ok) {
      expect(LAYER_KINDS[d.error.layer]).toContain(d.error.kind);
      expect(d.error.detail.length).toBeGreaterThan(0);
    }
  }
}

/** A real packet, then bit flips, a cut and an extension, each maybe. */
const mutated = (pool: readonly Uint8Array[]) =>
  fc
    .record({
      base: fc.constantFrom(...pool),
      flips: fc.array(fc.nat({ max: 8 * 80 - 1 }), { maxLength: 6 }),
      cut: fc.option(fc.nat({ max: 80 })),
      extra: fc.uint8Array({ maxLength: 12 }),
    })
    .map(({ base, flips, cut, extra }) => {
      const b = base.slice();
      for (const bit of flips) if (bit >> 3 < b.length) b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      const kept = cut === null ? b : b.subarray(0, Math.min(cut, b.length));
      const out = new Uint8Array(kept.length + extra.length);
      out.set(kept);
      out.set(extra, kept.length);
      return out;
    });

const ipv4 = fc.ipV4().map((s) => ipAddress(s, 'ipv4'));
const ipv6 = fc.ipV6().map((s) => ipAddress(s, 'ipv6'));

const advertV2Arb: fc.Arbitrary<Advert> = fc.record({
  version: fc.constant(2 as const),
  type: fc.constant(1 as const),
  vrid: fc.integer({ min: 0, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  adverIntervalCs: fc.integer({ min: 0, max: 255 }).map((s) => s * 100),
  addresses: fc.array(ipv4 as fc.Arbitrary<IpAddress>, { minLength: 1, maxLength: 20 }),
  auth: fc.record({ type: fc.constantFrom(0 as const, 1 as const), data: fc.uint8Array({ minLength: 8, maxLength: 8 }) }),
});

/** A VRRPv3 advert and a context of its family. */
const advertV3Arb = fc.boolean().chain((six) =>
  fc.record({
    ctx: fc.record({ src: six ? ipv6 : ipv4, dst: six ? ipv6 : ipv4 }).map((c) => ({ family: six ? ('ipv6' as const) : ('ipv4' as const), ...c }) as AdvertIpContext),
    advert: fc.record({
      version: fc.constant(3 as const),
      type: fc.constant(1 as const),
      vrid: fc.integer({ min: 0, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      adverIntervalCs: fc.integer({ min: 0, max: 4095 }),
      addresses: fc.array((six ? ipv6 : ipv4) as fc.Arbitrary<IpAddress>, { minLength: 1, maxLength: 20 }),
      auth: fc.constant(undefined),
    }) as fc.Arbitrary<Advert>,
  }),
);

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));

describe('parsers never throw', () => {
  it('on arbitrary bytes, answering only with documented kinds', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), checkAllParsers), { numRuns: 3000 });
  });

  it('on bytes that start like an IPv4/VRRP datagram', () => {
    const head = fc.tuple(fc.integer({ min: 0x40, max: 0x4f }), fc.uint8Array({ maxLength: 100 }));
    fc.assert(fc.property(head, ([b0, rest]) => checkAllParsers(Uint8Array.from([b0, ...rest]))), { numRuns: 2000 });
  });

  it('on bytes that start like a VRRPv2 or VRRPv3 advertisement', () => {
    const head = fc.tuple(fc.constantFrom(0x21, 0x31), fc.uint8Array({ maxLength: 60 }));
    fc.assert(fc.property(head, ([b0, rest]) => checkAllParsers(Uint8Array.from([b0, ...rest]))), { numRuns: 2000 });
  });

  it('on mutated real datagrams, adverts and ARP frames', () => {
    fc.assert(fc.property(mutated(datagrams), checkAllParsers), { numRuns: 2000 });
    fc.assert(fc.property(mutated(adverts.map((a) => a.bytes)), checkAllParsers), { numRuns: 2000 });
    fc.assert(fc.property(mutated(arps), checkAllParsers), { numRuns: 1000 });
  });
});

describe('every single-bit error in a real advertisement is caught', () => {
  it.each(adverts.map((a, i) => [i, a] as const))('advert %i', (_i, { bytes: advert, ctx }) => {
    expect(parseAdvert(advert, ctx).ok).toBe(true);
    for (let bit = 0; bit < advert.length * 8; bit++) {
      const b = advert.slice();
      b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      // v3's 4 reserved bits are ignored on receipt (RFC 5798 §5.2.7) but still summed: caught too.
      expect(parseAdvert(b, ctx).ok, `bit ${bit}`).toBe(false);
    }
  });
});

describe('round trips', () => {
  it('VRRPv2: emitAdvert -> parseAdvert gives the value back', () => {
    fc.assert(
      fc.property(advertV2Arb, (a) => {
        const bytes = emitAdvert(a);
        expect(bytes.length).toBe(8 + 4 * a.addresses.length + 8);
        expect(parseAdvert(bytes, V4)).toEqual({ ok: true, value: a });
      }),
      { numRuns: 1000 },
    );
  });

  it('VRRPv3 over either family: emitAdvert -> parseAdvert gives the value back under the same pseudo-header', () => {
    fc.assert(
      fc.property(advertV3Arb, ({ advert, ctx }) => {
        const bytes = emitAdvert(advert, ctx);
        expect(bytes.length).toBe(8 + (ctx.family === 'ipv4' ? 4 : 16) * advert.addresses.length);
        expect(parseAdvert(bytes, ctx)).toEqual({ ok: true, value: advert });
        expect(advertChecksum(bytes, 3, ctx)).toBe(((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0));
      }),
      { numRuns: 1000 },
    );
  });

  it('any well-formed advert bytes parse, and re-emit to the same bytes (canonical form)', () => {
    const raw = fc
      .record({ count: fc.integer({ min: 1, max: 12 }), auth: fc.constantFrom(0, 1), head: fc.uint8Array({ minLength: 2, maxLength: 2 }) })
      .chain(({ count, auth, head }) =>
        fc.uint8Array({ minLength: 4 * count + 9, maxLength: 4 * count + 9 }).map((body) => {
          const b = new Uint8Array(16 + 4 * count);
          b.set([0x21, head[0] ?? 0, head[1] ?? 0, count, auth, body[0] ?? 0]);
          b.set(body.subarray(1), 8);
          const c = advertChecksum(b, 2);
          b[6] = c >> 8;
          b[7] = c & 0xff;
          return b;
        }),
      );
    fc.assert(
      fc.property(raw, (b) => {
        const r = parseAdvert(b, V4);
        if (!r.ok) throw new Error(r.error.detail);
        expect(Array.from(emitAdvert(r.value))).toEqual(Array.from(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('emitIpv4 -> parseIpv4Packet gives every field and the payload back', () => {
    const fields = fc.record({
      src: ipv4 as fc.Arbitrary<Ipv4Address>,
      dst: ipv4 as fc.Arbitrary<Ipv4Address>,
      protocol: fc.integer({ min: 0, max: 255 }),
      ttl: fc.integer({ min: 0, max: 255 }),
      tos: fc.integer({ min: 0, max: 255 }),
      id: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 7 }),
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
      options: fc.integer({ min: 0, max: 10 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
    });
    fc.assert(
      fc.property(fields, fc.uint8Array({ maxLength: 100 }), (f, payload) => {
        const bytes = emitIpv4(f, payload);
        const r = parseIpv4Packet(bytes);
        if (!r.ok) throw new Error(r.error.detail);
        const { checksum, headerLen, totalLength, version, options, ...rest } = r.value.header;
        const { options: wantOptions, ...wantRest } = f;
        expect(rest).toEqual(wantRest);
        expect(version).toBe(4);
        expect(headerLen).toBe(20 + wantOptions.length);
        expect(totalLength).toBe(bytes.length);
        expect(Array.from(options)).toEqual(Array.from(wantOptions));
        expect(Array.from(r.value.payload)).toEqual(Array.from(payload));
        expect(checksum).toBe(((bytes[10] ?? 0) << 8) | (bytes[11] ?? 0));
      }),
      { numRuns: 1000 },
    );
  });

  it('emitArpFrame -> parseArpFrame gives the frame back', () => {
    const frame: fc.Arbitrary<ArpFrame> = fc.record({
      ethDst: mac,
      ethSrc: mac,
      opcode: fc.constantFrom(1 as const, 2 as const),
      senderMac: mac,
      senderIp: ipv4 as fc.Arbitrary<Ipv4Address>,
      targetMac: mac,
      targetIp: ipv4 as fc.Arbitrary<Ipv4Address>,
    });
    fc.assert(fc.property(frame, (f) => {
      expect(parseArpFrame(emitArpFrame(f))).toEqual({ ok: true, value: f });
    }), { numRuns: 500 });
  });

  it('any IPv4 or IPv6 text fast-check makes parses, canonical and stable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        const r = parseIpAddress(s);
        expect(r.ok).toBe(true);
        if (r.ok) expect(parseIpAddress(r.value)).toEqual(r);
      }),
    );
  });

  it('string helpers never throw on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        parseIpAddress(s);
        parseMac(s);
      }),
      { numRuns: 2000 },
    );
  });
});
