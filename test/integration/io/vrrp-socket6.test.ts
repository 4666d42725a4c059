/**
 * The raw IPv6 VRRP socket of the native addon (native/packet/raw6.c) between real network
 * namespaces: ff02::12 joined, adverts from the link-local address with hop limit 255 and traffic
 * class 0xc0 (keepalived's frame byte for byte but the kernel's flow label), loop off, the hop
 * limit and destination read from ancillary data, a bad hop limit and a bad checksum each counted
 * by the receive path (the kernel checks neither), unicast peers, and the unsolicited NA sender.
 * Needs root; skips otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labUnavailableReason, sweep, type Lab } from '../../helpers/netns.js';
import { Agent } from './fixtures/agent-client.js';
import { hex, startCapture } from './fixtures/capture.js';
import { emitAdvert } from '../../../src/wire/advert.js';
import { ipAddress } from '../../../src/wire/address.js';
import { emitIpv6 } from '../../../src/wire/ipv6.js';
import { ipv6MulticastMac, parseNaFrame } from '../../../src/wire/ndisc.js';
import { fromHex, loadVectorsV3, toHex } from '../../helpers/vectors.js';

const reason = await labUnavailableReason();
if (reason !== undefined) console.warn(`skipping raw IPv6 socket integration tests: ${reason}`);

/** keepalived 2.2.7's host in the v3-ipv6 capture: its MAC gives it the same link-local address. */
const KEEPALIVED_MAC = '02:50:00:00:00:01';
const KEEPALIVED_LL = 'fe80::50:ff:fe00:1';
const v3ipv6 = loadVectorsV3().captures.find((c) => c.name === 'v3-ipv6')!;
const KEEPALIVED_ADVERT = v3ipv6.frames[0]!.ethernet_hex;
const VIPS = ['fe80::100', 'fd00:50::100'];

type Counters = { mux: Record<string, number>; sock6: Record<string, number>; instances: Record<string, Record<string, number>> };
const counters = async (a: Agent) => (await a.must('counters')) as unknown as Counters;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('raw IPv6 VRRP sockets in namespaces', () => {
  let lab: Lab;
  let a: Agent, b: Agent, c: Agent;
  let ll: Record<'a' | 'b' | 'c', string>;

  beforeAll(async () => {
    await sweep('vt6');
    lab = await createLab({ hosts: ['a', 'b', 'c'], prefix: 'vt6', subnet6: 'fd00:50' });
    // keepalived's MAC, and the link-local address the kernel derives from it (EUI-64).
    const old = await lab.host('a').linkLocal6();
    await lab.host('a').mustExec('ip', ['link', 'set', 'eth0', 'address', KEEPALIVED_MAC]);
    await lab.host('a').mustExec('ip', ['addr', 'del', `${old}/64`, 'dev', 'eth0']);
    await lab.host('a').mustExec('ip', ['addr', 'add', `${KEEPALIVED_LL}/64`, 'dev', 'eth0']);
    const [la, lb, lc] = await Promise.all(['a', 'b', 'c'].map((h) => lab.host(h).linkLocal6()));
    ll = { a: la!, b: lb!, c: lc! };
    [a, b, c] = await Promise.all([Agent.start(lab.host('a')), Agent.start(lab.host('b')), Agent.start(lab.host('c'))]);
    await a.must('open6', { ifname: 'eth0', local: [ll.a, 'fd00:50::1'] });
    await b.must('open6', { ifname: 'eth0', local: [ll.b, 'fd00:50::2'] });
    await c.must('open6', { ifname: 'eth0', local: [ll.c, 'fd00:50::3'] });
    for (const x of [a, b]) await x.must('register', { vrid: 251, family: 'ipv6' });
  });

  afterAll(async () => {
    await Promise.all([a, b, c].map((x) => x?.stop()));
    await lab?.destroy();
  });

  it('5.1.2.3-1 an advert crosses the LAN: ff02::12 joined, from the link-local address, hop limit 255, class 0xc0, Next Header 112, loop off', async () => {
    expect(ll.a).toBe(KEEPALIVED_LL);
    const cap = await startCapture(lab.host('c'), ['ip6', 'proto', '112']);
    await a.must('send3', { vrid: 251, priority: 100, addresses: VIPS, src: ll.a });
    const rx = await b.waitEvent((e) => e.ev === 'advert' && e['family'] === 'ipv6', 5000);
    expect(rx).toMatchObject({ src: KEEPALIVED_LL, dst: 'ff02::12', ttl: 255, priority: 100, addresses: VIPS });
    await sleep(200);
    const frames = await cap.stop();
    expect(frames).toHaveLength(1);
    const got = frames[0]!.frame;
    const want = fromHex(KEEPALIVED_ADVERT);
    expect(((got[14]! & 0x0f) << 4) | (got[15]! >> 4)).toBe(0xc0); // traffic class
    // keepalived's frame byte for byte, except the 20-bit flow label the kernel picks per socket.
    got[15] = (got[15]! & 0xf0) | (want[15]! & 0x0f);
    got[16] = want[16]!;
    got[17] = want[17]!;
    expect(hex(got)).toBe(KEEPALIVED_ADVERT);
    expect((await counters(a)).sock6['received']).toBe(0);
    expect(a.events.filter((e) => e.ev === 'advert')).toHaveLength(0);
  });

  it('5.1.2.3-2 hop limit 254 is read from IPV6_HOPLIMIT and dropped, counted per instance', async () => {
    const before = (await counters(b)).instances['1251']!['ipTtlErrors'] ?? 0;
    const advert = { version: 3 as const, type: 1 as const, vrid: 251, priority: 150, adverIntervalCs: 100, addresses: VIPS.map((x) => ipAddress(x)) };
    const src = ipAddress(ll.c, 'ipv6');
    const dst = ipAddress('ff02::12', 'ipv6');
    const payload = emitAdvert(advert, { family: 'ipv6', src, dst });
    const frame = (hopLimit: number) => ethernet(lab.host('c').mac, emitIpv6({ src, dst, hopLimit }, payload));
    const ifindex = Number((await lab.host('c').mustExec('cat', ['/sys/class/net/eth0/ifindex'])).trim());
    await c.must('frame', { ifindex, hex: hex(frame(254)) });
    await c.must('frame', { ifindex, hex: hex(frame(255)) });
    await b.waitEvent((e) => e.ev === 'advert' && e['src'] === ll.c && e['priority'] === 150, 5000);
    expect((await counters(b)).instances['1251']!['ipTtlErrors']).toBe(before + 1);
    expect(b.events.filter((e) => e.ev === 'advert' && e['src'] === ll.c)).toHaveLength(1);
  });

  it('a bad checksum reaches vrrpd (the kernel does not check it) and is counted router-wide', async () => {
    const before = (await counters(b)).mux['checksumErrors'] ?? 0;
    const src = ipAddress(ll.c, 'ipv6');
    const dst = ipAddress('ff02::12', 'ipv6');
    const payload = emitAdvert({ version: 3, type: 1, vrid: 251, priority: 160, adverIntervalCs: 100, addresses: VIPS.map((x) => ipAddress(x)) }, { family: 'ipv6', src, dst });
    payload[7] = payload[7]! ^ 0xff;
    const ifindex = Number((await lab.host('c').mustExec('cat', ['/sys/class/net/eth0/ifindex'])).trim());
    await c.must('frame', { ifindex, hex: hex(ethernet(lab.host('c').mac, emitIpv6({ src, dst }, payload))) });
    for (let i = 0; i < 30 && ((await counters(b)).mux['checksumErrors'] ?? 0) === before; i++) await sleep(100);
    expect((await counters(b)).mux['checksumErrors']).toBe(before + 1);
    expect(b.events.some((e) => e.ev === 'advert' && e['priority'] === 160)).toBe(false);
  });

  it('unicast: sent to the peer from the configured global source, accepted only from listed peers', async () => {
    await a.must('register', { vrid: 52, family: 'ipv6', peers: ['fd00:50::2'], source: 'fd00:50::1' });
    await b.must('register', { vrid: 52, family: 'ipv6', peers: ['fd00:50::1'] });
    await c.must('register', { vrid: 52, family: 'ipv6', peers: ['fd00:50::2'], source: 'fd00:50::3' });
    const sent = await a.must('send3', { vrid: 52, addresses: ['fd00:50::52'], src: 'fd00:50::1' });
    expect((sent['results'] as { dst: string }[]).map((r) => r.dst)).toEqual(['fd00:50::2']);
    const rx = await b.waitEvent((e) => e.ev === 'advert' && e['vrid'] === 52, 5000);
    expect(rx).toMatchObject({ src: 'fd00:50::1', dst: 'fd00:50::2', ttl: 255 });
    await c.must('send3', { vrid: 52, priority: 200, addresses: ['fd00:50::52'], src: 'fd00:50::3' });
    await sleep(300);
    expect((await counters(b)).instances['1052']!['unicastPeerRejects']).toBe(1);
    expect(b.events.filter((e) => e.ev === 'advert' && e['vrid'] === 52)).toHaveLength(1);
  });

  it('a source not on the interface fails the send with a reason (no throw)', async () => {
    await a.must('register', { vrid: 53, family: 'ipv6', source: 'fd00:99::1' });
    const r = await a.request('send3', { vrid: 53, addresses: VIPS, src: 'fd00:99::1' });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r['results'])).toMatch(/send-failed/);
  });

  it('unsolicited NA for an IPv6 VIP: keepalived\'s frame, from the VIP to all-nodes', async () => {
    const cap = await startCapture(lab.host('b'), ['icmp6', 'and', 'ip6[40]', '=', '136']);
    const r = await a.must('garp', { ifname: 'eth0', vip: 'fd00:50::100', count: 2 });
    expect(r['mechanism']).toBe('af-packet');
    await sleep(200);
    const frames = await cap.stop();
    expect(frames).toHaveLength(2);
    const na = parseNaFrame(frames[0]!.frame);
    expect(na).toMatchObject({ ok: true, value: { src: 'fd00:50::100', dst: 'ff02::1', ethDst: ipv6MulticastMac(ipAddress('ff02::1', 'ipv6')), override: true, solicited: false, router: false, targetMac: KEEPALIVED_MAC } });
    // The capture's NA for the same VIP from the same MAC is the same frame.
    const vec = v3ipv6.frames.find((f) => f.decoded.na_target === 'fd00:50::100')!;
    expect(toHex(frames[0]!.frame)).toBe(vec.ethernet_hex);
  });

  it('the NA\'s Router flag follows IPv6 forwarding on the interface, as keepalived sets it', async () => {
    await lab.host('a').mustExec('sysctl', ['-qw', 'net.ipv6.conf.eth0.forwarding=1']);
    try {
      const cap = await startCapture(lab.host('b'), ['icmp6', 'and', 'ip6[40]', '=', '136']);
      await a.must('garp', { ifname: 'eth0', vip: 'fd00:50::100', count: 1 });
      await sleep(200);
      const frames = await cap.stop();
      expect(parseNaFrame(frames[0]!.frame)).toMatchObject({ ok: true, value: { router: true, override: true, solicited: false } });
    } finally {
      await lab.host('a').mustExec('sysctl', ['-qw', 'net.ipv6.conf.eth0.forwarding=0']);
    }
  });
});

/** An Ethernet frame carrying an IPv6 packet to its multicast group's MAC. */
function ethernet(srcMac: string, ip6: Uint8Array): Uint8Array {
  const dst = ipv6MulticastMac(ipAddress('ff02::12', 'ipv6'));
  const f = new Uint8Array(14 + ip6.length);
  f.set(fromHex(dst.replaceAll(':', '')), 0);
  f.set(fromHex(srcMac.replaceAll(':', '')), 6);
  f[12] = 0x86;
  f[13] = 0xdd;
  f.set(ip6, 14);
  return f;
}
