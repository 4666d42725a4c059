/** Builders for router tests: a config like the seed's, and adverts from a peer. */
import type { InstanceDropReason } from '../../src/protocol/counters.js';
import { ReceivePath } from '../../src/protocol/receive-path.js';
import type { Router } from '../../src/protocol/router.js';
import { priority, vrid, type Action, type RouterConfig } from '../../src/protocol/types.js';
import { emitAdvert } from '../../src/wire/advert.js';
import { ipAddress, readIpv4, type IpAddress, type Ipv4Address } from '../../src/wire/address.js';
import type { RawDatagram } from '../../src/wire/datagram.js';
import { VRRP_MCAST_GROUP4 } from '../../src/wire/constants.js';
import { emitIpv4 } from '../../src/wire/ipv4.js';
import type { Advert } from '../../src/wire/types.js';

export const PASS = new Uint8Array([0x50, 0x41, 0x53, 0x53, 0, 0, 0, 0]); // "PASS" zero-padded
export const VIP = ipAddress('192.168.50.100', 'ipv4');
/** Short for ipAddress(text) in tests. */
export const ip = (text: string): IpAddress => ipAddress(text);

type Over = Partial<Omit<RouterConfig, 'vrid' | 'priority'>> & { vrid?: number; priority?: number };

/** The seed's instance as a VRRPv2 router (PASS auth, 1 s adverts, one VIP). */
export function routerConfig(over: Over = {}): RouterConfig {
  const { vrid: v = 251, priority: p = 100, ...rest } = over;
  return {
    name: 'VI_1',
    vrid: vrid(v),
    version: 2,
    family: 'ipv4',
    priority: priority(p),
    adverIntervalCs: 100,
    preempt: true,
    preemptDelayMs: 0,
    acceptMode: true,
    auth: { type: 1, data: PASS },
    vips: [VIP],
    primaryIp: ip('192.168.50.2'),
    addressMismatch: 'accept',
    ...rest,
  };
}

/** The same instance as a VRRPv3 router (no authentication). */
export function routerConfigV3(over: Over = {}): RouterConfig {
  return routerConfig({ version: 3, auth: undefined, ...over });
}

/** A VRRPv2 advert from a peer like the seed's master. */
export function advert(over: Partial<Advert> = {}): Advert {
  return {
    version: 2,
    type: 1,
    vrid: 251,
    priority: 100,
    adverIntervalCs: 100,
    addresses: [VIP],
    auth: { type: 1, data: PASS },
    ...over,
  };
}

/** A VRRPv3 advert (no authentication). */
export function advertV3(over: Partial<Advert> = {}): Advert {
  return advert({ version: 3, auth: undefined, ...over });
}

/**
 * The sans-IO receive stack of one router, as the daemon runs it: the advert is emitted into an
 * IPv4 datagram (TTL as given) and goes through the receive path (VRID, version, TTL, form) before
 * the router sees it. A drop by the receive path is reported like a router drop, so the same
 * test reads both.
 */
const stacks = new WeakMap<Router, ReceivePath<string>>();
export function receive(r: Router, now: number, a: Advert, src: IpAddress, ttl = 255): Action[] {
  const dst = VRRP_MCAST_GROUP4;
  const s = src as Ipv4Address;
  return receiveDatagram(r, now, { family: 'ipv4', bytes: emitIpv4({ src: s, dst, ttl }, emitAdvert(a, { family: 'ipv4', src: s, dst })) });
}

/** The same stack fed with a datagram built by hand (a field no Advert value can carry). */
export function receiveDatagram(r: Router, now: number, raw: RawDatagram): Action[] {
  let rx = stacks.get(r);
  if (rx === undefined) {
    rx = new ReceivePath<string>([r.config.primaryIp]);
    rx.register(r.config.name, { vrid: r.config.vrid, version: r.config.version, family: r.config.family, counters: r.counters });
    stacks.set(r, rx);
  }
  const v = rx.handle(raw);
  const from = raw.family === 'ipv4' ? readIpv4(raw.bytes, 12) : raw.src;
  if (v.kind === 'drop') return [{ kind: 'dropped', reason: v.reason as InstanceDropReason, from: v.from ?? from, detail: v.detail() }];
  return r.step({ kind: 'advert', advert: v.advert, srcIp: v.ip.src }, now);
}
