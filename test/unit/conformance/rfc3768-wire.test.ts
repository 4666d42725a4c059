/**
 * RFC 3768 conformance of the codecs (src/wire): the form checks of §7.1 that the parser owns,
 * and the fields §5 fixes. Each test title starts with its row ID in docs/rfc3768-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { emitAdvert, parseAdvert } from '../../../src/wire/advert.js';
import { emitRawAdvert, type RawAdvertFields } from '../../../src/wire/advert-raw.js';
import { parseVrrpDatagram } from '../../../src/wire/datagram.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import type { Advert } from '../../../src/wire/types.js';
import { ipAddress, type Ipv4Address } from '../../../src/wire/address.js';
import { Router } from '../../../src/protocol/router.js';
import { ip, receive, routerConfig } from '../../helpers/router-fixtures.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
const CTX = { family: 'ipv4' as const, src: v4('192.168.50.2'), dst: v4('224.0.0.18') };
const PASS8 = new TextEncoder().encode('11111111');
const base: RawAdvertFields = {
  vrid: 251, priority: 100, authType: 1, adverInt: 1, addresses: [ip('192.168.50.100'), ip('192.168.50.101')], authData: PASS8,
};
const raw = (over: Partial<RawAdvertFields> = {}) => emitRawAdvert({ ...base, ...over });
const kindOf = (bytes: Uint8Array) => {
  const r = parseAdvert(bytes, CTX);
  return r.ok ? 'ok' : r.error.kind;
};

/** RFC 1071 sum written out longhand, independent of src/wire/checksum.ts. */
function longhandChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] ?? 0) << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

describe('RFC 3768 §5.2.4 IP protocol', () => {
  it('5.2.4-1 only IP protocol 112 carries an advertisement', () => {
    const payload = raw();
    const good = parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4({ ...CTX, protocol: 112 }, payload) });
    expect(good.ok).toBe(true);
    for (const protocol of [17, 6, 113, 2]) {
      const bad = parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4({ ...CTX, protocol }, payload) });
      expect(bad).toMatchObject({ ok: false, error: { kind: 'not-vrrp' } });
    }
  });
});

describe('RFC 3768 §5.3.1 and §5.3.2 version and type', () => {
  it('5.3.1-1 emitted adverts say version 2, type 1 (ADVERTISEMENT): first byte 0x21', () => {
    const value: Advert = { version: 2, type: 1, vrid: 1, priority: 1, adverIntervalCs: 100, addresses: [ip('10.0.0.1')], auth: { type: 0, data: new Uint8Array(8) } };
    expect(emitAdvert(value)[0]).toBe(0x21);
  });
  it('7.1-2 any version vrrpd does not speak is refused (0, 1, 4, 15), with a valid checksum', () => {
    for (const version of [0, 1, 4, 15]) expect(kindOf(raw({ version }))).toBe('bad-version');
    expect(kindOf(raw({ version: 2 }))).toBe('ok');
  });
  it('7.1-2 a VRRPv3 advert reaching a VRRPv2 virtual router is discarded as a version mismatch (RFC 5798 speakers share the LAN)', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup' }, 0);
    const v3: Advert = { version: 3, type: 1, vrid: 251, priority: 200, adverIntervalCs: 100, addresses: [ip('192.168.50.100')], auth: undefined };
    expect(receive(r, 10, v3, ip('192.168.50.1'))).toEqual([expect.objectContaining({ kind: 'dropped', reason: 'version-mismatch' })]);
    expect(r.snapshot().counters.versionMismatch).toBe(1);
  });
  it('5.3.2-1 any type other than 1 is refused (0, 2, 3, 15), with a valid checksum', () => {
    for (const type of [0, 2, 3, 15]) expect(kindOf(raw({ type }))).toBe('bad-type');
    expect(kindOf(raw({ type: 1 }))).toBe('ok');
  });
});

describe('RFC 3768 §5.3.6 auth type', () => {
  it('5.3.6-1 unknown auth types are refused by the parser (2 = AH, 3, 127, 255); 0 and 1 parse', () => {
    for (const authType of [2, 3, 127, 255]) expect(kindOf(raw({ authType }))).toBe('unsupported-auth');
    expect(kindOf(raw({ authType: 0, authData: new Uint8Array(8) }))).toBe('ok');
    expect(kindOf(raw({ authType: 1 }))).toBe('ok');
  });
});

describe('RFC 3768 §7.1 complete packet', () => {
  it('7.1-3 every cut of a complete advert (fixed part, addresses, auth data) is refused', () => {
    const whole = raw();
    expect(kindOf(whole)).toBe('ok');
    for (let len = 0; len < whole.length; len++) {
      const cut = whole.slice(0, len);
      expect(parseAdvert(cut, CTX).ok, `length ${len}`).toBe(false);
    }
  });
  it('7.1-3 a count larger than the addresses present is refused, even with a valid checksum', () => {
    expect(kindOf(raw({ count: 3 }))).toBe('truncated');
    expect(kindOf(raw({ authData: new Uint8Array(4) }))).toBe('truncated');
  });
});

describe('RFC 3768 §5.3.8 checksum', () => {
  it('5.3.8-1 the checksum covers the whole message from the version field, computed with the field zeroed', () => {
    const bytes = emitAdvert({ version: 2, type: 1, vrid: 251, priority: 90, adverIntervalCs: 100, addresses: [ip('192.168.50.100'), ip('10.0.0.1')], auth: { type: 1, data: PASS8 } });
    const zeroed = bytes.slice();
    zeroed[6] = 0;
    zeroed[7] = 0;
    expect((bytes[6]! << 8) | bytes[7]!).toBe(longhandChecksum(zeroed));
    expect(longhandChecksum(bytes)).toBe(0);
  });
  it('7.1-4 a wrong checksum is refused, including one off by one', () => {
    const good = raw();
    const sum = (good[6]! << 8) | good[7]!;
    for (const checksum of [0, (sum + 1) & 0xffff, (sum ^ 0x8000) & 0xffff]) {
      expect(kindOf(raw({ checksum }))).toBe('bad-checksum');
    }
    const flipped = good.slice();
    flipped[good.length - 1]! ^= 0x01; // last auth data byte: covered too
    expect(kindOf(flipped)).toBe('bad-checksum');
  });
});

describe('RFC 3768 §7.2 transmit path, sans IO', () => {
  it('7.2-2 what the router sends, emitted and parsed back as a datagram, is accepted by a peer router', () => {
    const sender = new Router(routerConfig({ priority: 150, primaryIp: ip('192.168.50.3') }));
    sender.step({ kind: 'startup' }, 0);
    const out = sender.step({ kind: 'timeout' }, sender.nextDeadline()!);
    const a = out.find((x) => x.kind === 'sendAdvert');
    if (a?.kind !== 'sendAdvert') throw new Error('no advert sent');
    const dgram = parseVrrpDatagram({ family: 'ipv4', bytes: emitIpv4({ src: v4('192.168.50.3'), dst: v4('224.0.0.18') }, emitAdvert(a.advert)) });
    if (!dgram.ok) throw new Error(dgram.error.detail);
    const peer = new Router(routerConfig({ priority: 100 }));
    peer.step({ kind: 'startup' }, 0);
    const rx = peer.step({ kind: 'advert', advert: dgram.value.advert, srcIp: dgram.value.ip.src }, 10);
    expect(rx).toEqual([]);
    expect(peer.snapshot()).toMatchObject({ masterIp: '192.168.50.3', counters: { advertiseRcvd: 1 } });
  });
});
