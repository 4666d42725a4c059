/**
 * Properties of the wire layer: parsers never throw and only answer with documented kinds, on
 * random bytes and on mutated real packets; emit -> parse round-trips every valid value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emitAdvert,
  emitArpFrame,
  emitIpv4,
  internetChecksum,
  ipv4ToUint32,
  isIpv4String,
  parseAdvert,
  parseAh,
  parseArpFrame,
  parseIpv4,
  parseMac,
  parseVrrpDatagram,
  uint32ToIpv4,
  type Advert,
  type ArpFrame,
} from '../../src/wire/index.js';
import { fromHex, loadVectors, splitEthernet } from '../helpers/vectors.js';

const ADVERT_KINDS = ['truncated', 'bad-version', 'bad-type', 'bad-checksum', 'bad-length', 'count-mismatch', 'unsupported-auth'];
const IPV4_KINDS = ['truncated', 'bad-version', 'bad-header-length', 'bad-total-length'];
const ARP_KINDS = ['truncated', 'not-arp', 'bad-format'];
const AH_KINDS = ['truncated', 'bad-length'];
const LAYER_KINDS: Record<string, string[]> = { ipv4: IPV4_KINDS, vrrp: ADVERT_KINDS, ah: AH_KINDS, ip: ['not-vrrp'] };

const frames = loadVectors().captures.flatMap((c) => c.frames.map((f) => fromHex(f.ethernet_hex)));
const datagrams = frames.filter((f) => splitEthernet(f).ethertype === 0x0800).map((f) => splitEthernet(f).payload);
const arps = frames.filter((f) => splitEthernet(f).ethertype === 0x0806);
const adverts = datagrams.flatMap((d) => {
  const ip = parseIpv4(d);
  return ip.ok && ip.value.header.protocol === 112 ? [ip.value.payload] : [];
});

/** Every parser on `bytes`: no throw, and every error kind is a documented one. */
function checkAllParsers(bytes: Uint8Array): void {
  const a = parseAdvert(bytes);
  if (!a.ok) expect(ADVERT_KINDS).toContain(a.error.kind);
  const i = parseIpv4(bytes);
  if (!i.ok) expect(IPV4_KINDS).toContain(i.error.kind);
  const r = parseArpFrame(bytes);
  if (!r.ok) expect(ARP_KINDS).toContain(r.error.kind);
  const h = parseAh(bytes);
  if (!h.ok) expect(AH_KINDS).toContain(h.error.kind);
  const d = parseVrrpDatagram(bytes);
  if (!d.ok) {
    expect(LAYER_KINDS[d.error.layer]).toContain(d.error.kind);
    expect(d.error.detail.length).toBeGreaterThan(0);
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

const advertArb: fc.Arbitrary<Advert> = fc.record({
  version: fc.constant(2 as const),
  type: fc.constant(1 as const),
  vrid: fc.integer({ min: 0, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  authType: fc.constantFrom(0 as const, 1 as const),
  adverIntervalSec: fc.integer({ min: 0, max: 255 }),
  addresses: fc.array(fc.ipV4(), { minLength: 1, maxLength: 20 }),
  authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
});

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));

describe('parsers never throw', () => {
  it('on arbitrary bytes, answering only with documented kinds', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), checkAllParsers), { numRuns: 3000 });
  });

  it('on bytes that start like an IPv4/VRRP datagram', () => {
    const head = fc.tuple(fc.integer({ min: 0x40, max: 0x4f }), fc.uint8Array({ maxLength: 100 }));
    fc.assert(fc.property(head, ([b0, rest]) => checkAllParsers(Uint8Array.from([b0, ...rest]))), { numRuns: 2000 });
  });

  it('on bytes that start like a VRRPv2 advertisement', () => {
    const head = fc.tuple(fc.constant(0x21), fc.uint8Array({ maxLength: 60 }));
    fc.assert(fc.property(head, ([b0, rest]) => checkAllParsers(Uint8Array.from([b0, ...rest]))), { numRuns: 2000 });
  });

  it('on mutated real datagrams, adverts and ARP frames', () => {
    fc.assert(fc.property(mutated(datagrams), checkAllParsers), { numRuns: 2000 });
    fc.assert(fc.property(mutated(adverts), checkAllParsers), { numRuns: 2000 });
    fc.assert(fc.property(mutated(arps), checkAllParsers), { numRuns: 1000 });
  });
});

describe('every single-bit error in a real advertisement is caught', () => {
  it.each(adverts.map((a, i) => [i, a] as const))('advert %i', (_i, advert) => {
    expect(parseAdvert(advert).ok).toBe(true);
    for (let bit = 0; bit < advert.length * 8; bit++) {
      const b = advert.slice();
      b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expect(parseAdvert(b).ok, `bit ${bit}`).toBe(false);
    }
  });
});

describe('round trips', () => {
  it('emitAdvert -> parseAdvert gives the value back; bufferLen is the length', () => {
    fc.assert(
      fc.property(advertArb, (a) => {
        const bytes = emitAdvert(a);
        expect(bytes.length).toBe(8 + 4 * a.addresses.length + 8);
        expect(parseAdvert(bytes)).toEqual({ ok: true, value: a });
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
          const c = internetChecksum(b);
          b[6] = c >> 8;
          b[7] = c & 0xff;
          return b;
        }),
      );
    fc.assert(
      fc.property(raw, (b) => {
        const r = parseAdvert(b);
        if (!r.ok) throw new Error(r.error.detail);
        expect(Array.from(emitAdvert(r.value))).toEqual(Array.from(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('emitIpv4 -> parseIpv4 gives every field and the payload back', () => {
    const fields = fc.record({
      src: fc.ipV4(),
      dst: fc.ipV4(),
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
        const r = parseIpv4(bytes);
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
      senderIp: fc.ipV4(),
      targetMac: mac,
      targetIp: fc.ipV4(),
    });
    fc.assert(fc.property(frame, (f) => {
      expect(parseArpFrame(emitArpFrame(f))).toEqual({ ok: true, value: f });
    }), { numRuns: 500 });
  });

  it('dotted quads <-> 32-bit numbers', () => {
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        expect(isIpv4String(s)).toBe(true);
        expect(uint32ToIpv4(ipv4ToUint32(s))).toBe(s);
      }),
    );
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
      expect(ipv4ToUint32(uint32ToIpv4(n))).toBe(n);
    }));
  });

  it('string helpers never throw on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        isIpv4String(s);
        parseMac(s);
      }),
      { numRuns: 2000 },
    );
  });
});
