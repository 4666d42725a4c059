/**
 * The one receive path (src/protocol/receive-path.ts): each kind of packet moves exactly one
 * counter, at the level where the MIBs put it, or is delivered; and the sum of every drop counter
 * plus `advertiseRcvd` (after the router) equals the packets fed, for every invalid-packet kind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, INSTANCE_COUNTERS, zeroInstanceCounters, type InstanceCounters } from '../../../src/protocol/counters.js';
import { ReceivePath, type ReceiverSpec } from '../../../src/protocol/receive-path.js';
import { Router } from '../../../src/protocol/router.js';
import { emitRawAdvert, type RawAdvertFields } from '../../../src/wire/advert-raw.js';
import { authDataFromPassword } from '../../../src/wire/advert.js';
import { ipAddress, type IpAddress, type Ipv4Address } from '../../../src/wire/address.js';
import type { RawDatagram } from '../../../src/wire/datagram.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import { craftInvalid, INVALID_KINDS, type InvalidKind } from '../../../src/lab/injector.js';
import { routerConfig, routerConfigV3 } from '../../helpers/router-fixtures.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
const GROUP = v4('224.0.0.18');
const PEER = v4('192.168.50.2');
const PASS = authDataFromPassword('PASS');
const base: RawAdvertFields = { vrid: 251, priority: 100, authType: 1, adverInt: 1, addresses: [ipAddress('192.168.50.100')], authData: PASS };

function dgram(f: Partial<RawAdvertFields> = {}, ip: { src?: Ipv4Address; ttl?: number; protocol?: number } = {}): RawDatagram {
  const src = ip.src ?? PEER;
  const advert = emitRawAdvert({ ...base, pseudo: { family: 'ipv4', src, dst: GROUP }, ...f });
  return { family: 'ipv4', bytes: emitIpv4({ src, dst: GROUP, ttl: ip.ttl ?? 255, protocol: ip.protocol ?? 112 }, advert) };
}

function setup(spec: Partial<ReceiverSpec> = {}) {
  const rx = new ReceivePath<string>([v4('192.168.50.1')]);
  const counters = zeroInstanceCounters();
  const r = rx.register('VI_1', { vrid: 251, version: 2, family: 'ipv4', counters, ...spec });
  if (!r.ok) throw new Error(r.error.detail);
  return { rx, counters };
}

const nonZero = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== 0));

describe('ReceivePath: one check, one counter', () => {
  it('delivers a good advert with its IP facts', () => {
    const { rx, counters } = setup();
    const v = rx.handle(dgram());
    expect(v).toMatchObject({ kind: 'deliver', key: 'VI_1', advert: { vrid: 251, priority: 100 }, ip: { src: PEER, dst: GROUP, ttl: 255, tos: 0xc0 } });
    expect(nonZero(rx.counters)).toEqual({ received: 1 });
    expect(nonZero(counters)).toEqual({});
  });

  const CASES: [string, RawDatagram, string, 'router' | 'instance', string][] = [
    ['malformed IPv4', { family: 'ipv4', bytes: new Uint8Array([0x45, 0, 0]) }, 'ip-malformed', 'router', 'ipErrors'],
    ['UDP, not VRRP', dgram({}, { protocol: 17 }), 'not-vrrp', 'router', 'otherProtocol'],
    ['our own address', dgram({}, { src: v4('192.168.50.1') }), 'own-packet', 'router', 'ownPackets'],
    ['4 bytes of VRRP', { family: 'ipv4', bytes: emitIpv4({ src: PEER, dst: GROUP }, new Uint8Array(4)) }, 'truncated', 'router', 'truncatedPackets'],
    ['version 1', dgram({ version: 1 }), 'version', 'router', 'versionErrors'],
    ['a bad checksum', dgram({ checksum: 0x1234 }), 'checksum', 'router', 'checksumErrors'],
    ['VRID 7', dgram({ vrid: 7 }), 'vrid', 'router', 'vrIdErrors'],
    ['a VRRPv3 advert for this VRRPv2 instance', dgram({ version: 3, adverInt: 100, authData: new Uint8Array(0) }), 'version-mismatch', 'instance', 'versionMismatch'],
    ['TTL 254', dgram({}, { ttl: 254 }), 'ip-ttl', 'instance', 'ipTtlErrors'],
    ['type 2', dgram({ type: 2 }), 'type', 'instance', 'invalidTypePktsRcvd'],
    ['count 2, one address', dgram({ count: 2 }), 'packet-length', 'instance', 'packetLengthErrors'],
    ['count 0', dgram({ count: 0 }), 'packet-length', 'instance', 'packetLengthErrors'],
    ['auth type 2', dgram({ authType: 2 }), 'auth-type-invalid', 'instance', 'invalidAuthType'],
  ];
  it('each kind of bad packet is dropped for its reason and moves its one counter, router-wide or per virtual router', () => {
    for (const [name, raw, reason, scope, counter] of CASES) {
      const { rx, counters } = setup();
      const v = rx.handle(raw);
      expect(v, name).toMatchObject({ kind: 'drop', reason });
      expect(DROP_REASONS[reason as keyof typeof DROP_REASONS], name).toEqual({ scope, counter });
      if (scope === 'router') {
        expect(nonZero(rx.counters), name).toEqual({ received: 1, [counter]: 1 });
        expect(nonZero(counters), name).toEqual({});
      } else {
        expect(nonZero(rx.counters), name).toEqual({ received: 1 });
        expect(nonZero(counters), name).toEqual({ [counter]: 1 });
        expect(v, name).toMatchObject({ key: 'VI_1', vrid: 251, from: PEER });
      }
    }
  });


  it('AH-wrapped adverts (keepalived auth_type AH vector) count as auth type mismatch', () => {
    const hex = '01005e000012526ea454e03a080045c0004000010000ff33e80dc0a83201e000001270040000c0a8320100000001fff0c2ef975bf3087c34ae3d2109c801020121e7c0a832640000000000000000';
    const rx = new ReceivePath<string>();
    const counters = zeroInstanceCounters();
    rx.register('VI_9', { vrid: 9, version: 2, family: 'ipv4', counters });
    const v = rx.handle({ family: 'ipv4', bytes: Uint8Array.from(Buffer.from(hex, 'hex')).subarray(14) });
    expect(v).toMatchObject({ kind: 'drop', reason: 'auth-type-mismatch', key: 'VI_9' });
    expect(counters.authTypeMismatch).toBe(1);
  });

  it('checkTtl false leaves the TTL alone', () => {
    const { rx } = setup({ checkTtl: false });
    expect(rx.handle(dgram({}, { ttl: 254 }))).toMatchObject({ kind: 'deliver', ip: { ttl: 254 } });
  });

  it('unicast mode: only the peers are heard', () => {
    const { rx, counters } = setup({ unicastPeers: [PEER, v4('192.168.50.3')] });
    expect(rx.handle(dgram({}, { src: v4('192.168.50.9') }))).toMatchObject({ kind: 'drop', reason: 'unicast-peer' });
    expect(rx.handle(dgram({}, { src: v4('192.168.50.3') })).kind).toBe('deliver');
    expect(counters.unicastPeerRejects).toBe(1);
  });

  it('a (family, VRID) is held once per interface; unregister frees it', () => {
    const { rx } = setup();
    expect(rx.register('other', { vrid: 251, version: 3, family: 'ipv4', counters: zeroInstanceCounters() }).ok).toBe(false);
    expect(rx.register('v6', { vrid: 251, version: 3, family: 'ipv6', counters: zeroInstanceCounters() }).ok).toBe(true);
    rx.unregister('VI_1');
    expect(rx.register('other', { vrid: 251, version: 3, family: 'ipv4', counters: zeroInstanceCounters() }).ok).toBe(true);
  });

  it('VRRPv3 over IPv6: delivered with the hop limit the socket reported; hop limit 64 is an ip-ttl drop', () => {
    const rx = new ReceivePath<string>();
    const counters = zeroInstanceCounters();
    rx.register('VI_6', { vrid: 251, version: 3, family: 'ipv6', counters });
    const src = ipAddress('fe80::2');
    const dst = ipAddress('ff02::12');
    const payload = emitRawAdvert({ version: 3, vrid: 251, priority: 100, adverInt: 100, addresses: [ipAddress('fe80::100')], pseudo: { family: 'ipv6', src, dst } });
    expect(rx.handle({ family: 'ipv6', payload, src, dst, hopLimit: 255 })).toMatchObject({ kind: 'deliver', key: 'VI_6' });
    expect(rx.handle({ family: 'ipv6', payload, src, dst, hopLimit: 64 })).toMatchObject({ kind: 'drop', reason: 'ip-ttl' });
    expect(counters.ipTtlErrors).toBe(1);
  });

  it('never throws on arbitrary bytes, and every packet moves exactly one router or instance counter, or is delivered', () => {
    const { rx, counters } = setup();
    let delivered = 0;
    let fed = 0;
    const feed = (b: Uint8Array): void => {
      fed++;
      if (rx.handle({ family: 'ipv4', bytes: b }).kind === 'deliver') delivered++;
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), feed));
    const head = dgram().family === 'ipv4' ? (dgram() as { bytes: Uint8Array }).bytes.subarray(0, 24) : new Uint8Array(0);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (tail) => feed(Uint8Array.from([...head, ...tail]))));
    const { received, ...routerDrops } = rx.counters;
    const sum = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    expect(received).toBe(fed);
    expect(sum(routerDrops) + sum(counters) + delivered).toBe(fed);
  });
});

describe('the counter sum: every invalid-packet kind, through the receive path and the router', () => {
  const target = { src: PEER, vrid: 251, password: 'PASS', adverIntervalCs: 100, addresses: [ipAddress('192.168.50.100', 'ipv4')] };
  const DROP_COUNTERS = new Set<string>(Object.values(DROP_REASONS).map((d) => d.counter));

  /** A running backup (priority 90) on a receive path; feeds each packet and accounts for it. */
  function bench(version: 2 | 3) {
    const cfg = version === 2 ? routerConfig({ priority: 90, addressMismatch: 'drop' }) : routerConfigV3({ priority: 90, addressMismatch: 'drop' });
    const router = new Router(cfg);
    router.step({ kind: 'startup' }, 0);
    const rx = new ReceivePath<string>([v4('192.168.50.1')]);
    rx.register('VI_1', { vrid: 251, version, family: 'ipv4', counters: router.counters });
    return {
      router,
      rx,
      feed(bytes: Uint8Array): void {
        const v = rx.handle({ family: 'ipv4', bytes });
        if (v.kind === 'deliver') router.step({ kind: 'advert', advert: v.advert, srcIp: v.ip.src }, 1);
      },
      total(): number {
        const { received: _r, ...routerDrops } = rx.counters;
        const c: InstanceCounters = router.counters;
        const instanceDrops = Object.entries(c).filter(([k]) => DROP_COUNTERS.has(k)).reduce((a, [, v]) => a + v, 0);
        return Object.values(routerDrops).reduce((a, b) => a + b, 0) + instanceDrops + c.advertiseRcvd;
      },
    };
  }

  const V2_KINDS = INVALID_KINDS;
  const V3_KINDS = V2_KINDS.filter((k) => !k.startsWith('auth-'));

  it('every invalid-packet kind, VRRPv2 and VRRPv3: each packet moves exactly one counter', () => {
    const cases = [...V2_KINDS.map((k) => [2, k] as const), ...V3_KINDS.map((k) => [3, k] as const)];
    for (const [version, kind] of cases as [2 | 3, InvalidKind][]) {
      const b = bench(version);
      const packets = 5;
      for (let i = 0; i < packets; i++) b.feed(craftInvalid(kind, { ...target, version, ...(version === 3 ? { password: undefined } : {}) }));
      expect(b.total(), `VRRPv${version} ${kind}`).toBe(packets);
    }
  });

  it('every counter the model defines is documented', () => {
    for (const spec of Object.values(INSTANCE_COUNTERS)) expect(spec.help.length).toBeGreaterThan(10);
  });
});

/** Compile-time: an address literal of the wrong family is a type error. */
export const _typed: IpAddress = ipAddress('fe80::1');
