/**
 * RFC 5798 conformance, IPv6 rows (§5.1.2, §6.4, §7.1, §8.2.2): the pure layers (receive path,
 * router, config, wire codecs) and the daemon's pure wiring (build.ts, Instance with fake I/O).
 * Each test title starts with the row it proves in docs/rfc5798-conformance.md; where the proof
 * is on the wire (hop limit and Next Header of what leaves the socket, the kernel's Solicited-Node
 * membership and Neighbor Solicitation answers) the row also cites the namespace tests in
 * test/integration/io/vrrp-socket6.test.ts and test/integration/daemon/ipv6.test.ts.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { advertDestinations, sourceAddress, virtualAddresses } from '../../../src/daemon/build.js';
import { Instance, type InstanceIo } from '../../../src/daemon/instance.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../../../src/io/garp-schedule.js';
import { parseIpAddrJson } from '../../../src/io/interface-info.js';
import { zeroInstanceCounters } from '../../../src/protocol/counters.js';
import { ReceivePath } from '../../../src/protocol/receive-path.js';
import { Router } from '../../../src/protocol/router.js';
import type { Action, RouterConfig } from '../../../src/protocol/types.js';
import { ok } from '../../../src/result.js';
import { advertChecksum, emitAdvert } from '../../../src/wire/advert.js';
import { ipAddress, type IpAddress } from '../../../src/wire/address.js';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP6 } from '../../../src/wire/constants.js';
import type { RawDatagram } from '../../../src/wire/datagram.js';
import { parseIpv6Packet } from '../../../src/wire/ipv6.js';
import { emitUnsolicitedNa, ICMPV6_NEIGHBOR_ADVERT, parseNaFrame } from '../../../src/wire/ndisc.js';
import type { Advert } from '../../../src/wire/types.js';
import { DUAL_STACK } from '../../helpers/dual-stack.js';
import { advertV3, routerConfigV3 } from '../../helpers/router-fixtures.js';
import { fromHex, loadVectorsV3 } from '../../helpers/vectors.js';
import { load } from '../config/helpers.js';

const v6 = (s: string) => ipAddress(s, 'ipv6');
const LL_VIP = v6('fe80::100');
const VIP6 = v6('fd00:50::100');
const ME = v6('fe80::2');
const PEER = v6('fe80::1');
const MAC = '02:50:00:00:00:01';
const GROUP = VRRP_MCAST_GROUP6;
const kinds = (actions: Action[]) => actions.map((a) => a.kind);
const v3ipv6 = loadVectorsV3().captures.find((c) => c.name === 'v3-ipv6')!;

function config6(over: Partial<RouterConfig> = {}): RouterConfig {
  return routerConfigV3({ name: 'VI_6', family: 'ipv6', vips: [LL_VIP, VIP6], primaryIp: ME, priority: 90 as RouterConfig['priority'], ...over });
}

const advert6 = (over: Partial<Advert> = {}): Advert => advertV3({ addresses: [LL_VIP, VIP6], ...over });

/** The receive stack of one IPv6 router as the daemon runs it: one interface, the router registered on it. */
function stack(r: Router, extra: { vrid: number; family: 'ipv4' | 'ipv6' }[] = []) {
  const rx = new ReceivePath<string>([r.config.primaryIp]);
  rx.register('VI_6', { vrid: r.config.vrid, version: 3, family: 'ipv6', counters: r.counters });
  for (const e of extra) rx.register(`other-${e.family}`, { vrid: e.vrid, version: 3, family: e.family, counters: zeroInstanceCounters() });
  return rx;
}

/** What the raw IPv6 socket hands the receive path: the payload and the ancillary data. */
function datagram(a: Advert, o: { src?: IpAddress; dst?: IpAddress; hopLimit?: number; bytes?: (b: Uint8Array) => Uint8Array } = {}): RawDatagram {
  const src = o.src ?? PEER;
  const dst = o.dst ?? GROUP;
  const payload = emitAdvert(a, { family: 'ipv6', src, dst });
  return { family: 'ipv6', payload: o.bytes ? o.bytes(payload) : payload, src, dst, hopLimit: o.hopLimit ?? 255 };
}

function backup(over: Partial<RouterConfig> = {}): Router {
  const r = new Router(config6(over));
  r.step({ kind: 'startup' }, 0);
  expect(r.state).toBe('BACKUP');
  return r;
}

const ifaceInfo = (addrInfo: object[]) => {
  const r = parseIpAddrJson(JSON.stringify([{ ifindex: 2, ifname: 'eth0', flags: ['UP', 'LOWER_UP'], address: MAC, addr_info: addrInfo }]), 'eth0');
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
};

describe('RFC 5798 §5.1.2 IPv6 field descriptions', () => {
  const [, inst6] = load(DUAL_STACK).config!.instances;

  it('5.1.2.1-1 adverts come from the link-local address of the interface, not a global address nor a link-local VIP', () => {
    // Kernel order is newest first: a link-local VIP held now comes before the interface's own address.
    const info = ifaceInfo([
      { family: 'inet6', local: 'fd00:50::2', prefixlen: 64, scope: 'global' },
      { family: 'inet6', local: 'fe80::100', prefixlen: 64, scope: 'link', nodad: true },
      { family: 'inet6', local: 'fe80::2', prefixlen: 64, scope: 'link' },
    ]);
    const virtual = virtualAddresses(load(DUAL_STACK).config!);
    expect(sourceAddress(inst6!, info, virtual)).toEqual({ ok: true, value: 'fe80::2' });
    // keepalived's adverts: from the interface's own link-local, never from the link-local VIP.
    const ip = parseIpv6Packet(fromHex(v3ipv6.frames[0]!.ethernet_hex).subarray(14));
    expect(ip.ok && ip.value.header.src).toBe('fe80::50:ff:fe00:1');
  });

  it('5.1.2.1-1 no link-local address the kernel can send from (tentative, or only a global one): no advert at all, the instance waits', () => {
    expect(sourceAddress(inst6!, ifaceInfo([{ family: 'inet6', local: 'fe80::2', prefixlen: 64, scope: 'link', tentative: true }]))).toMatchObject({ ok: false });
    expect(sourceAddress(inst6!, ifaceInfo([{ family: 'inet6', local: 'fd00:50::2', prefixlen: 64, scope: 'global' }]))).toMatchObject({ ok: false });
  });

  it('5.1.2.2-1 the destination is FF02:0:0:0:0:0:0:12 (unless vrrp_mcast_group6 says otherwise)', () => {
    const global = load(DUAL_STACK).config!.global;
    expect(VRRP_MCAST_GROUP6).toBe('ff02::12');
    expect(global.vrrpMcastGroup6).toBe('ff02::12');
    expect(advertDestinations(inst6!, global)).toEqual(['ff02::12']);
  });

  it('5.1.2.3-2 a Backup discards an advert whose Hop Limit is not 255 (0, 1, 64, 254, or none reported), and counts it', () => {
    for (const hopLimit of [0, 1, 64, 254, -1]) {
      const r = backup();
      const v = stack(r).handle(datagram(advert6({ priority: 200 }), { hopLimit }));
      expect(v).toMatchObject({ kind: 'drop', reason: 'ip-ttl' });
      expect(r.counters.ipTtlErrors).toBe(1);
      expect(r.state).toBe('BACKUP');
    }
  });

  it('5.1.2.3-2 hop limit 255 is accepted (the positive case) and a Master discards 254 even from a better router', () => {
    const r = backup();
    const rx = stack(r);
    const good = rx.handle(datagram(advert6({ priority: 200 })));
    expect(good).toMatchObject({ kind: 'deliver', key: 'VI_6', ip: { ttl: 255, family: 'ipv6', src: PEER, dst: GROUP } });
    const m = new Router(config6({ priority: 255 as RouterConfig['priority'] }));
    m.step({ kind: 'startup' }, 0);
    expect(m.state).toBe('MASTER');
    expect(stack(m).handle(datagram(advert6({ priority: 255 }), { hopLimit: 254 }))).toMatchObject({ kind: 'drop', reason: 'ip-ttl' });
    expect(m.state).toBe('MASTER');
  });

  it('5.1.2.4-1 Next Header 112: the IANA number the socket is opened with and keepalived\'s frames carry', () => {
    expect(IPPROTO_VRRP).toBe(112);
    const ip = parseIpv6Packet(fromHex(v3ipv6.frames[0]!.ethernet_hex).subarray(14));
    expect(ip.ok && ip.value.header.nextHeader).toBe(112);
  });
});

describe('RFC 5798 §5.2.9 IPvX Addresses over IPv6', () => {
  const inst = (extra: string, vips: string) => `vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n${extra}  virtual_ipaddress {\n${vips}  }\n}\n`;

  it('5.2.9-1 the first IPv6 VIP not link-local: a positioned warning in keepalived\'s words, the instance still runs; link-local first or unicast: silent', () => {
    const bad = load(inst('', '    fd00::1/64\n    fe80::1/64\n'));
    expect(bad.config).toBeDefined();
    expect(bad.lines).toHaveLength(1);
    expect(bad.lines[0]).toMatch(/:5:5: warning: vrrp_instance V: the first IPv6 VIP address should be link local \(RFC 5798 §5\.2\.9/);
    expect(load(inst('', '    fe80::1/64\n    fd00::1/64\n')).lines).toEqual([]);
    expect(load(inst('  unicast_peer {\n    fd00::2\n  }\n', '    fd00::1/64\n')).lines).toEqual([]);
  });
});

describe('RFC 5798 §6.4 state descriptions, IPv6 parts', () => {
  it('6.4.1-1 6.4.1-2 an IPv6 owner (255) at Startup sends an ADVERTISEMENT, then an unsolicited NA for each IPv6 address, and is Master', () => {
    const r = new Router(config6({ priority: 255 as RouterConfig['priority'] }));
    const out = r.step({ kind: 'startup' }, 0);
    expect(kinds(out)).toEqual(['stateChanged', 'sendAdvert', 'addVips', 'garp']);
    expect(out.find((a) => a.kind === 'garp')).toEqual({ kind: 'garp', vips: [LL_VIP, VIP6] });
    expect(r.state).toBe('MASTER');
  });

  it('6.4.1-2 the NA sent for an IPv6 address: S unset, O set, target the address, TLLA the MAC the address is reached at', () => {
    for (const router of [false, true]) {
      const na = parseNaFrame(emitUnsolicitedNa(MAC, VIP6, router));
      expect(na).toMatchObject({ ok: true, value: { solicited: false, override: true, router, target: VIP6, targetMac: MAC, src: VIP6, dst: 'ff02::1', hopLimit: 255 } });
    }
    // Deviation, keepalived's: R is set only when the host forwards IPv6 (io/garp.ts Ipv6Forwarding),
    // and the MAC is the interface's own (no virtual MAC, the RFC 3768 ledger's design choice 1).
  });

  it('6.4.2-2 a Backup holds no IPv6 address of the virtual router, so the kernel answers no Neighbor Solicitation for it', () => {
    const r = backup();
    const all: Action[] = [];
    const rx = stack(r);
    for (let t = 1000; t < 10_000; t += 1000) {
      const v = rx.handle(datagram(advert6({ priority: 100 })));
      if (v.kind === 'deliver') all.push(...r.step({ kind: 'advert', advert: v.advert, srcIp: v.ip.src }, t));
    }
    expect(r.state).toBe('BACKUP');
    expect(all.some((a) => a.kind === 'addVips' || a.kind === 'garp')).toBe(false);
    // And a Master stepping down to Backup removes them.
    const m = new Router(config6({ priority: 100 as RouterConfig['priority'] }));
    m.step({ kind: 'startup' }, 0);
    m.step({ kind: 'timeout' }, m.nextDeadline()!);
    const v = stack(m).handle(datagram(advert6({ priority: 200 })));
    const down = v.kind === 'deliver' ? m.step({ kind: 'advert', advert: v.advert, srcIp: v.ip.src }, 5000) : [];
    expect(down).toContainEqual({ kind: 'removeVips', vips: [LL_VIP, VIP6] });
    expect(m.state).toBe('BACKUP');
  });

  it('6.4.2-3 no Router Advertisement is ever sent: the only ICMPv6 message vrrpd builds is the Neighbor Advertisement', () => {
    const frame = emitUnsolicitedNa(MAC, VIP6, false);
    expect(frame[14 + 40]).toBe(ICMPV6_NEIGHBOR_ADVERT);
    const r = new Router(config6({ priority: 255 as RouterConfig['priority'] }));
    const kindsSeen = new Set(kinds([...r.step({ kind: 'startup' }, 0), ...r.step({ kind: 'timeout' }, r.nextDeadline()!), ...r.step({ kind: 'shutdown' }, 5000)]));
    expect([...kindsSeen].sort()).toEqual(['addVips', 'garp', 'removeVips', 'sendAdvert', 'sendPriorityZero', 'stateChanged']);
  });

  it('6.4.2-7 6.4.2-8 the Master_Down_Timer fires: ADVERTISEMENT, the IPv6 addresses added (the kernel joins their Solicited-Node groups), an NA for each, Master', () => {
    const r = backup();
    const out = r.step({ kind: 'timeout' }, r.nextDeadline()!);
    expect(kinds(out)).toEqual(['stateChanged', 'sendAdvert', 'addVips', 'garp']);
    expect(out).toContainEqual({ kind: 'addVips', vips: [LL_VIP, VIP6] });
    expect(out).toContainEqual({ kind: 'garp', vips: [LL_VIP, VIP6] });
    expect(r.state).toBe('MASTER');
  });
});

describe('RFC 5798 §7.1 receiving over IPv6', () => {
  it('7.1-2 the IPv6 Hop Limit is verified before anything else of the virtual router (255 passes, 254 is dropped)', () => {
    const r = backup();
    const rx = stack(r);
    expect(rx.handle(datagram(advert6(), { hopLimit: 254 }))).toMatchObject({ kind: 'drop', reason: 'ip-ttl', key: 'VI_6' });
    expect(rx.handle(datagram(advert6()))).toMatchObject({ kind: 'deliver' });
  });

  it('7.1-3 the version is 3: a VRRPv2 packet over IPv6 is refused before any virtual router sees it', () => {
    const r = backup();
    const rx = stack(r);
    const v2 = datagram(advert6(), { bytes: (b) => { const c = Uint8Array.from(b); c[0] = 0x21; return c; } });
    expect(rx.handle(v2)).toMatchObject({ kind: 'drop', reason: 'version' });
    expect(rx.counters.versionErrors).toBe(1);
  });

  it('7.1-4 the complete packet: 8 bytes + 16 per IPv6 address; one byte short or long is dropped as a length error', () => {
    for (const cut of [-1, 1]) {
      const r = backup();
      const src = PEER;
      const full = emitAdvert(advert6(), { family: 'ipv6', src, dst: GROUP });
      const bytes = cut < 0 ? full.subarray(0, full.length - 1) : Uint8Array.of(...full, 0);
      // Re-checksum the edited packet so only its length is wrong.
      const fixed = emitChecksummed(bytes, src);
      expect(stack(r).handle({ family: 'ipv6', payload: fixed, src, dst: GROUP, hopLimit: 255 })).toMatchObject({ kind: 'drop', reason: 'packet-length' });
      expect(r.counters.packetLengthErrors).toBe(1);
    }
  });

  it('7.1-5 the checksum covers the IPv6 pseudo-header: right bytes from another source, or to another destination, fail', () => {
    const r = backup();
    const rx = stack(r);
    const a = advert6();
    const payload = emitAdvert(a, { family: 'ipv6', src: PEER, dst: GROUP });
    expect(rx.handle({ family: 'ipv6', payload, src: v6('fe80::3'), dst: GROUP, hopLimit: 255 })).toMatchObject({ kind: 'drop', reason: 'checksum' });
    expect(rx.handle({ family: 'ipv6', payload, src: PEER, dst: v6('ff02::1'), hopLimit: 255 })).toMatchObject({ kind: 'drop', reason: 'checksum' });
    expect(rx.handle({ family: 'ipv6', payload, src: PEER, dst: GROUP, hopLimit: 255 })).toMatchObject({ kind: 'deliver' });
    expect(rx.counters.checksumErrors).toBe(2);
  });

  it('7.1-6 the VRID is configured for IPv6 on this interface: VRID 251 over IPv4 does not make an IPv6 advert for 251 ours, nor the reverse', () => {
    const r = backup({ vrid: 9 as RouterConfig['vrid'] });
    const rx = stack(r, [{ vrid: 251, family: 'ipv4' }]);
    expect(rx.handle(datagram(advert6({ vrid: 251 })))).toMatchObject({ kind: 'drop', reason: 'vrid' });
    expect(rx.counters.vrIdErrors).toBe(1);
    expect(rx.handle(datagram(advert6({ vrid: 9 })))).toMatchObject({ kind: 'deliver', key: 'VI_6' });
  });

  it('7.1-8 a failed check discards the packet: the router never sees it, its state and timer stay', () => {
    const r = backup();
    const deadline = r.nextDeadline();
    const v = stack(r).handle(datagram(advert6({ priority: 250 }), { hopLimit: 1 }));
    expect(v.kind).toBe('drop');
    expect(r.state).toBe('BACKUP');
    expect(r.nextDeadline()).toBe(deadline);
    expect(r.counters.advertiseRcvd).toBe(0);
  });
});

describe('RFC 5798 §8.2.2 Neighbor Discovery, the new master\'s announcements', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  /** An Instance over fake I/O whose `ip addr add` completes only when released. */
  function instance() {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const added = new Promise<void>((r) => (release = r));
    const io: InstanceIo<string> = {
      now: () => Date.now(),
      log: pino({ level: 'silent' }),
      destinations: [GROUP],
      sendTo: () => ({ ok: true }),
      vipOps: {
        apply: async (state, vips) => {
          if (state === 'absent') return vips.map(() => ok('removed'));
          await added;
          for (const v of vips) events.push(`added ${v}`);
          return vips.map(() => ok('added'));
        },
        describe: (v) => v,
      },
      garp: (addresses, count) => {
        events.push(`na ${addresses.join(',')} x${count}`);
        return Promise.resolve({ sent: addresses.length * count, failed: 0 });
      },
    };
    const inst = new Instance({ router: config6({ priority: 255 as RouterConfig['priority'] }), vips: ['fe80::100/64', 'fd00:50::100/64'], garpAddresses: [LL_VIP, VIP6], garp: KEEPALIVED_GARP_DEFAULTS }, io);
    return { inst, events, release };
  }

  it('8.2.2-6 a new master sends an unsolicited NA for each IPv6 address on the interface, keepalived\'s burst of 5', async () => {
    const { inst, events, release } = instance();
    inst.start();
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual(['added fe80::100/64', 'added fd00:50::100/64', 'na fe80::100,fd00:50::100 x5']);
  });

  it('8.2.2-7 the NAs wait until the IPv6 addresses are configured (none while ip addr add runs)', async () => {
    const { inst, events, release } = instance();
    inst.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(inst.state).toBe('MASTER');
    expect(events).toEqual([]);
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(events.at(-1)).toBe('na fe80::100,fd00:50::100 x5');
    expect(events.indexOf('na fe80::100,fd00:50::100 x5')).toBeGreaterThan(events.indexOf('added fd00:50::100/64'));
  });
});

/** Edited advert bytes with the VRRPv3 checksum they should carry from `src` to the group (length kept as given). */
function emitChecksummed(bytes: Uint8Array, src: IpAddress): Uint8Array {
  const c = Uint8Array.from(bytes);
  const cs = advertChecksum(c, 3, { family: 'ipv6', src, dst: GROUP });
  c[6] = cs >> 8;
  c[7] = cs & 0xff;
  return c;
}
