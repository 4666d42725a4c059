/**
 * Raw VRRP sockets between real network namespaces: multicast join, TTL 255 and TOS 0xc0 on the
 * wire, loop off, drop counters (VRID, TTL, AH), unicast mode. Needs root; skips otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labUnavailableReason, sweep, type Lab } from '../../helpers/netns.js';
import { Agent } from './fixtures/agent-client.js';
import { fromHex, hex, startCapture } from './fixtures/capture.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import { emitRawAdvert } from '../../../src/wire/advert-raw.js';
import { ipAddress } from '../../../src/wire/address.js';

const v4 = (s: string) => ipAddress(s, 'ipv4');

const reason = await labUnavailableReason();
if (reason !== undefined) console.warn(`skipping raw socket integration tests: ${reason}`);

/** keepalived 2.2.7, pass1.pcap frame 1: VRID 251, prio 100, PASS 11111111, VIP 192.168.50.100. */
const KEEPALIVED_ADVERT = '01005e000012e25523e402e5080045c0002800010000ff70e7e8c0a83201e000001221fb64010101c130c0a832643131313131313131';
const KEEPALIVED_MAC = 'e2:55:23:e4:02:e5';
const PASS = [...Buffer.from('11111111')];
const advert = (vrid: number, priority = 100) => ({ vrid, priority, authType: 1, adverInt: 1, addresses: ['192.168.50.100'], authData: PASS });

type Counters = { mux: Record<string, number>; sock: Record<string, number>; instances: Record<string, Record<string, number>> };
const counters = async (a: Agent) => (await a.must('counters')) as unknown as Counters;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('VRRP raw sockets in namespaces', () => {
  let lab: Lab;
  let a: Agent, b: Agent, c: Agent;

  beforeAll(async () => {
    await sweep('vti');
    lab = await createLab({ hosts: ['a', 'b', 'c'], prefix: 'vti' });
    await lab.host('a').mustExec('ip', ['link', 'set', 'eth0', 'address', KEEPALIVED_MAC]);
    [a, b, c] = await Promise.all([Agent.start(lab.host('a')), Agent.start(lab.host('b')), Agent.start(lab.host('c'))]);
    await a.must('open', { ifname: 'eth0', local: ['192.168.50.1'] });
    await b.must('open', { ifname: 'eth0', local: ['192.168.50.2'], ah: true });
    await c.must('open', { ifname: 'eth0', local: ['192.168.50.3'] });
    for (const x of [a, b]) await x.must('register', { vrid: 251 });
    await b.must('register', { vrid: 9 });
  });

  afterAll(async () => {
    await Promise.all([a, b, c].map((x) => x?.stop()));
    await lab?.destroy();
  });

  it('an advert crosses the LAN: multicast joined, TTL 255, TOS 0xc0, DF clear, loop off', async () => {
    const cap = await startCapture(lab.host('c'), ['ip', 'proto', '112']);
    await a.must('send', { vrid: 251, advert: advert(251) });
    const rx = await b.waitEvent((e) => e.ev === 'advert' && e['vrid'] === 251, 5000);
    expect(rx).toMatchObject({ src: '192.168.50.1', dst: '224.0.0.18', ttl: 255, tos: 0xc0, priority: 100 });
    await sleep(200);
    const frames = await cap.stop();
    expect(frames).toHaveLength(1);
    const got = frames[0]!.frame;
    const want = fromHex(KEEPALIVED_ADVERT);
    // Equal to keepalived's frame byte for byte, except the IP id (4-5) and header checksum (10-11).
    for (const i of [18, 19, 24, 25]) got[i] = want[i]!;
    expect(hex(got)).toBe(KEEPALIVED_ADVERT);
    const own = await counters(a);
    expect(own.sock['received']).toBe(0);
    expect(a.events.filter((e) => e.ev === 'advert')).toHaveLength(0);
  });

  it('unknown VRID is counted, not delivered', async () => {
    const before = (await counters(b)).mux['vrIdErrors']!;
    await c.must('register', { vrid: 77 });
    await c.must('send', { vrid: 77, advert: advert(77) });
    await sleep(300);
    expect((await counters(b)).mux['vrIdErrors']).toBe(before + 1);
    expect(b.events.some((e) => e.ev === 'advert' && e['vrid'] === 77)).toBe(false);
  });

  it('TTL 254 (IP_HDRINCL injector) is dropped and counted per instance', async () => {
    const payload = emitRawAdvert({ ...advert(251, 150), addresses: [v4('192.168.50.100')], authData: Uint8Array.from(PASS) });
    const dgram = emitIpv4({ src: v4('192.168.50.3'), dst: v4('224.0.0.18'), ttl: 254 }, payload);
    const good = emitIpv4({ src: v4('192.168.50.3'), dst: v4('224.0.0.18'), ttl: 255, id: 7 }, payload);
    await c.must('inject', { ifname: 'eth0', dst: '224.0.0.18', hex: hex(dgram) });
    await c.must('inject', { ifname: 'eth0', dst: '224.0.0.18', hex: hex(good) });
    await b.waitEvent((e) => e.ev === 'advert' && e['src'] === '192.168.50.3' && e['priority'] === 150, 5000);
    const n = await counters(b);
    expect(n.instances['251']!['ipTtlErrors']).toBe(1);
    expect(b.events.filter((e) => e.ev === 'advert' && e['src'] === '192.168.50.3')).toHaveLength(1);
  });

  it('AH-wrapped adverts (keepalived auth_type AH) count as auth type mismatch', async () => {
    const ahFrame = '01005e000012526ea454e03a080045c0004000010000ff33e80dc0a83201e000001270040000c0a8320100000001fff0c2ef975bf3087c34ae3d2109c801020121e7c0a832640000000000000000';
    const dgram = fromHex(ahFrame).subarray(14);
    dgram[12 + 3] = 3; // source 192.168.50.3 (the injector), not a's address
    await c.must('inject', { ifname: 'eth0', dst: '224.0.0.18', hex: hex(dgram) });
    await sleep(300);
    const n = await counters(b);
    expect(n.instances['9']!['authTypeMismatch']).toBe(1);
    expect(n.mux['received']).toBeGreaterThan(0);
  });

  it('unicast mode: sent to each peer, accepted only from listed peers', async () => {
    await a.must('register', { vrid: 52, peers: ['192.168.50.2'] });
    await b.must('register', { vrid: 52, peers: ['192.168.50.1'] });
    await c.must('register', { vrid: 52, peers: ['192.168.50.2'] });
    const sent = await a.must('send', { vrid: 52, advert: advert(52) });
    expect((sent['results'] as { dst: string }[]).map((r) => r.dst)).toEqual(['192.168.50.2']);
    const rx = await b.waitEvent((e) => e.ev === 'advert' && e['vrid'] === 52, 5000);
    expect(rx).toMatchObject({ src: '192.168.50.1', dst: '192.168.50.2', ttl: 255, tos: 0xc0 });
    await c.must('send', { vrid: 52, advert: advert(52, 200) });
    await sleep(300);
    expect((await counters(b)).instances['52']!['unicastPeerRejects']).toBe(1);
    expect(b.events.filter((e) => e.ev === 'advert' && e['vrid'] === 52)).toHaveLength(1);
  });
});
