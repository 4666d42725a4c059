/**
 * Three real daemons on unicast (keepalived's `unicast_peer { a; b; }`, a three-node control plane
 * without multicast): when the master dies, the new master's takeover advert leaves for both of
 * its peers from the kernel timer at the Master_Down expiry (one armed group: native-notes/timers.md,
 * "Every unicast peer at the expiry"). Captured on each peer's eth0 (and on the new master's, for
 * its sends): each peer receives the first advert once, how far apart they arrive is printed (the
 * machine is shared: the assertion's margin is wide), and the master's adverts after it reach
 * both peers once per interval. When the master stops cleanly (SIGTERM) its priority-0 advert
 * reaches each peer once, and the new master speaks Skew_Time after it. IPv4 (VRRPv2) and IPv6
 * (VRRPv3, between global addresses).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/protocol/timers.js';
import { readIpv4, readIpv6 } from '../../../src/wire/address.js';
import { startCapture, type Captured } from '../io/fixtures/capture.js';
import { cluster, resetNodes, seedConfig, seedConfig6, skipReason, waitConverged, type Cluster } from './harness.js';

const reason = await skipReason();
const MARGIN = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Figures printed at the end: how far apart the peers received the takeover advert. */
const figures: string[] = [];

afterAll(() => {
  if (figures.length > 0) console.log(`unicast takeovers, three nodes (this run, shared machine):\n${figures.join('\n')}`);
});

/** A captured VRRP advert: when, from, to and its priority (IPv4 or IPv6 over Ethernet, no extension header). */
interface Seen {
  readonly ts: number;
  readonly src: string;
  readonly dst: string;
  readonly priority: number;
}

function parse(frames: readonly Captured[]): Seen[] {
  const out: Seen[] = [];
  for (const { ts, frame } of frames) {
    const type = (frame[12]! << 8) | frame[13]!;
    if (type === 0x0800 && frame[14 + 9] === 112) {
      const ihl = (frame[14]! & 0x0f) * 4;
      out.push({ ts, src: readIpv4(frame, 14 + 12), dst: readIpv4(frame, 14 + 16), priority: frame[14 + ihl + 2]! });
    } else if (type === 0x86dd && frame[14 + 6] === 112) {
      out.push({ ts, src: readIpv6(frame, 14 + 8), dst: readIpv6(frame, 14 + 24), priority: frame[14 + 40 + 2]! });
    }
  }
  return out;
}

describe.skipIf(reason !== undefined)('unicast takeover among three daemons: both peers get the first advert from the kernel timer', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['r1', 'r2', 'r3'], 'vtu', undefined, 'fd00:50');
  });
  afterEach(async () => resetNodes(c, ['192.168.50.100/24', 'fd00:50::100/64', 'fe80::100/64']));
  afterAll(async () => c?.destroy());

  /** r1 (150, MASTER), r2 (100) and r3 (50) on unicast, each listing the other two; r1 master, both backups following it. Returns the address of a node. */
  async function threeOnUnicast(v6: boolean): Promise<(name: string) => string> {
    const addr = (name: string): string => (v6 ? c.node(name).host.ip6! : c.node(name).host.ip);
    const names = ['r1', 'r2', 'r3'];
    const prios: Record<string, number> = { r1: 150, r2: 100, r3: 50 };
    for (const name of names) {
      const peers = names.filter((p) => p !== name).map((p) => `    ${addr(p)}`);
      const extra = `  unicast_src_ip ${addr(name)}\n  unicast_peer {\n${peers.join('\n')}\n  }`;
      const o = { priority: prios[name]!, ...(name === 'r1' ? { state: 'MASTER' as const } : {}), extra };
      c.node(name).writeConfig(v6 ? seedConfig6(o) : seedConfig(o));
    }
    for (const name of names) c.node(name).start();
    await c.node('r1').waitState('MASTER', 10_000);
    await waitConverged(c, 'r1', 12_000, { masterIp: addr('r1') });
    return addr;
  }

  it.each([{ family: 'ipv4' }, { family: 'ipv6' }] as const)('$family: master loss, r2 takes over; r1 and r3 each receive its takeover advert once, at once', async ({ family }) => {
    const v6 = family === 'ipv6';
    const addr = await threeOnUnicast(v6);

    // r2 knows its peers' link-layer addresses, as nodes of a cluster that talk all day do: without
    // it, the advert to a peer r2 never sent to waits for ARP / neighbour discovery (0.15-1.9 ms here).
    for (const peer of ['r1', 'r3']) await c.node('r2').host.mustExec('ping', [...(v6 ? ['-6'] : []), '-c', '1', '-W', '2', addr(peer)]);
    // r2's adverts as its peers receive them, and as they leave r2.
    const filter = [v6 ? 'ip6' : 'ip', 'proto', '112', 'and', 'src', 'host', addr('r2')];
    const caps = await Promise.all(['r1', 'r3', 'r2'].map((n) => startCapture(c.node(n).host, filter)));
    const r2 = c.node('r2');
    const from = r2.logs.length;
    await c.node('r1').stop('SIGKILL'); // r1's host stays up: its eth0 still receives
    const version = v6 ? 3 : 2;
    await r2.waitState('MASTER', masterDownIntervalMs(version, 100, 100) + MARGIN, from);
    await sleep(2300); // two more of the new master's adverts (advert_int 1)
    const [atR1, atR3, leftR2] = (await Promise.all(caps.map((cap) => cap.stop()))).map(parse);

    // The takeover advert went out from the kernel timer's fire to both peers (the instance's line says so).
    const line = r2.logs.slice(from).find((l) => typeof l.msg === 'string' && l.msg.startsWith('takeover advert sent by the'));
    expect(line, JSON.stringify(r2.logs.slice(from).map((l) => l.msg))).toBeDefined();
    expect({ armedTo: line!.armedTo, destinations: line!.destinations }).toEqual({ armedTo: 2, destinations: 2 });

    const firsts: number[] = [];
    for (const [peer, seen] of [['r1', atR1!], ['r3', atR3!]] as const) {
      const mine = seen.filter((s) => s.src === addr('r2') && s.dst === addr(peer));
      expect(mine.length, `${peer} received ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(3);
      expect(mine.every((s) => s.priority === 100)).toBe(true);
      // Once per Advertisement_Interval, from the first: no advert twice, none missing (1 s, a busy machine's margin).
      const gaps = mine.slice(1).map((s, i) => (s.ts - mine[i]!.ts) * 1000);
      expect(gaps.filter((g) => g < 500 || g > 1600), `${peer}: gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`).toEqual([]);
      firsts.push(mine[0]!.ts);
    }
    const apartMs = Math.abs(firsts[0]! - firsts[1]!) * 1000;
    const sent = leftR2!.filter((s) => s.dst === addr('r1') || s.dst === addr('r3'));
    const sentApartMs = (sent[1]!.ts - sent[0]!.ts) * 1000;
    expect(new Set(sent.slice(0, 2).map((s) => s.dst)).size).toBe(2);
    figures.push(`${family}: first advert received by r1 and r3 ${apartMs.toFixed(3)} ms apart; left r2 ${sentApartMs.toFixed(3)} ms apart; ${line!.msg} (wakeLateUs ${String(line!.wakeLateUs)}, sendLateUs ${String(line!.sendLateUs)})`);
    // Sent one after the other in one wake-up; the margin is for a shared machine, not the expectation (tens of µs).
    expect(apartMs).toBeLessThan(20);
  });

  it.each([{ family: 'ipv4' }, { family: 'ipv6' }] as const)('$family: SIGTERM on r1, its priority-0 advert reaches both peers once; r2 takes over after Skew_Time, not before (RFC 3768 / 5798 §6.4.2-6.4.3)', async ({ family }) => {
    const v6 = family === 'ipv6';
    const addr = await threeOnUnicast(v6);
    // Every advert each peer receives: r1's goodbye, and then r2's (r3 hears r2, r2 hears r1 only).
    const caps = await Promise.all(['r2', 'r3', 'r1'].map((n) => startCapture(c.node(n).host, [v6 ? 'ip6' : 'ip', 'proto', '112'])));
    const r2 = c.node('r2');
    const from = r2.logs.length;
    await c.node('r1').stop('SIGTERM');
    const version = v6 ? 3 : 2;
    const skewMs = skewTimeMs(version, 100, 100);
    await r2.waitState('MASTER', skewMs + MARGIN, from);
    await sleep(300); // the takeover advert on the wire and in the captures
    const [atR2, atR3, atR1] = (await Promise.all(caps.map((cap) => cap.stop()))).map(parse);

    const goodbyes = new Map<string, Seen[]>();
    for (const [peer, seen] of [['r2', atR2!], ['r3', atR3!]] as const) {
      const zero = seen.filter((s) => s.src === addr('r1') && s.priority === 0);
      expect(zero.map((s) => s.dst), `${peer} received ${JSON.stringify(seen)}`).toEqual([addr(peer)]);
      goodbyes.set(peer, zero);
    }
    // r2's first advert to each peer leaves Skew_Time after r1's priority-0 advert reached it, not before (kernel stamps, one clock; 2 ms for the stamps' places).
    const zeroAtR2 = goodbyes.get('r2')![0]!.ts;
    const firsts: string[] = [];
    for (const [peer, seen] of [['r1', atR1!], ['r3', atR3!]] as const) {
      const first = seen.find((s) => s.src === addr('r2') && s.dst === addr(peer) && s.ts > zeroAtR2);
      expect(first, `${peer} received ${JSON.stringify(seen)}`).toBeDefined();
      expect(first!.priority).toBe(100);
      const afterMs = (first!.ts - zeroAtR2) * 1000;
      expect(afterMs).toBeGreaterThan(skewMs - 2);
      firsts.push(`${peer} +${(afterMs - skewMs).toFixed(3)} ms`);
    }
    const left = atR1!.filter((s) => s.src === addr('r1') && s.priority === 0);
    const leftApart = left.length === 2 ? `, left r1 ${((left[1]!.ts - left[0]!.ts) * 1000).toFixed(3)} ms apart` : '';
    figures.push(`${family}: SIGTERM, r1's priority-0 advert at r2 and r3 ${((goodbyes.get('r3')![0]!.ts - zeroAtR2) * 1000).toFixed(3)} ms apart${leftApart}; r2's first advert after it + Skew_Time: ${firsts.join(', ')}`);
  });
});
