/**
 * The addon's advert trains (train.c, armed.c's guards and sends): armed datagrams sent at each
 * deadline without JavaScript, advanced like the router's Adver_Timer (nextAdverDeadline), stopped
 * by JavaScript with their count, or by themselves (a datagram waiting, the stop-by deadline, the
 * socket closed). Two raw sockets of experimental IP protocols (RFC 3692) on lo: the trains send
 * on one (253) datagrams of the other's protocol (254, IP_HDRINCL), which receives them with the
 * kernel's receive stamp (CLOCK_MONOTONIC ms); a datagram of protocol 253 is one waiting on the
 * trains' socket. Needs root (CAP_NET_RAW) and the built addon. Nothing leaves the host.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { PacketAddon, Raw4Handle, Raw6Handle, TrainsHandle } from '../../../src/io/packet-addon.js';
import { nextAdverDeadline } from '../../../src/protocol/timers.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import type { Ipv4Address } from '../../../src/wire/address.js';
import { FOREIGN6, LOOPBACK6, loopbackIpv6, payload6 } from '../../helpers/loopback6.js';

const PROTOCOL = 253;
const RX_PROTOCOL = 254;
const LOOPBACK = 0x7f000001;
/** train.c's TRAIN_* codes. */
const TRAIN = { WAITING: -1, CLOSED: -2, FAILED: -4, STOP_BY: -5, LATE: -6 } as const;

const ADDON_PATH = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));

function load(): PacketAddon | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as PacketAddon;
    return addon.raw4Armed ? addon : undefined; // an addon without trains fails here, not skips
  } catch {
    return undefined;
  }
}

const addon = load();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/**
 * Waits (up to 5 s) until `n` datagrams have arrived: the tests wait for what they assert, and the
 * next deadline after those is at least 150 ms away, so a stalled test process on a shared
 * machine does not change what they see.
 */
async function until(received: readonly unknown[], n: number): Promise<void> {
  for (let waited = 0; received.length < n && waited < 5000; waited += 5) await sleep(5);
}
const datagram = (marker: number, protocol = RX_PROTOCOL): Uint8Array =>
  emitIpv4({ src: '127.0.0.1' as Ipv4Address, dst: '127.0.0.1' as Ipv4Address, protocol, tos: 0 }, new Uint8Array([marker, 0, 0, 0, 0, 0, 0, 0]));

const opened: { socks: Raw4Handle[]; trains: TrainsHandle }[] = [];

/** The trains' socket, the receiving one (marker, kernel arrival in CLOCK_MONOTONIC ms), and a train scheduler recording its stops. */
async function rig(boundsMs?: readonly number[], leadMs?: number) {
  const a = addon!;
  const received: { marker: number; at: number }[] = [];
  const waited: number[] = [];
  const sock = a.raw4Open!('lo', 1, PROTOCOL, null, 0, 0, (code, data) => {
    if (code === null && typeof data !== 'string') waited.push(data[20]!);
  });
  const rx = a.raw4Open!('lo', 1, RX_PROTOCOL, null, 0, 0, (code, data, arrivalMs) => {
    if (code === null && typeof data !== 'string') received.push({ marker: data[20]!, at: arrivalMs! });
  });
  const stops: { id: number; reason: number; errno: number }[] = [];
  const lates: { id: number; deadline: number; lateMs: number }[] = [];
  let stopped: () => void = () => undefined;
  const trains = a.trainsOpen!((id, reason, errno, deadline, lateMs) => {
    stops.push({ id, reason, errno });
    if (reason === TRAIN.LATE) lates.push({ id, deadline, lateMs });
    stopped();
  }, boundsMs, leadMs);
  opened.push({ socks: [sock, rx], trains });
  await sleep(20); // both fds in the loop's epoll set (libuv adds them at its next poll)
  const nextStop = (): Promise<void> => new Promise((r) => (stopped = r));
  return { a, sock, trains, received, waited, stops, lates, nextStop, armed: (marker: number) => a.raw4Armed!(sock, datagram(marker), LOOPBACK) };
}

/** Busy-waits `ms` (the timerfd's expiry and a datagram's arrival then reach epoll in that order). */
function spin(ms: number): void {
  const end = addon!.monotonicMs!() + ms;
  while (addon!.monotonicMs!() < end);
}

describe.skipIf(addon === undefined)('advert trains (train.c)', () => {
  afterEach(() => {
    for (const o of opened.splice(0)) {
      addon!.trainsClose!(o.trains);
      for (const s of o.socks) addon!.raw4Close!(s);
    }
  });

  it('sends at each deadline, period apart, and stops on reclaim with the count it sent', async () => {
    const r = await rig();
    const period = 100;
    const first = r.a.monotonicMs!() + 30;
    const t = r.a.trainStart!(r.trains, 1, [r.armed(7)], first, period, Number.POSITIVE_INFINITY);
    // Waits for what it asserts: 4 deadlines out (first + 0, 100, 200, 300), then the reclaim. A
    // stalled test process may let a fifth go first: the count, not the test's timing, is checked.
    await until(r.received, 4);
    const sent = r.a.trainStop!(t);
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(r.a.trainNext!(t)).toBeCloseTo(first + sent * period, 6);
    await sleep(period); // nothing after the stop
    expect(r.received.map((x) => x.marker)).toEqual(Array.from({ length: sent }, () => 7));
    expect(r.stops).toEqual([]);
    r.received.forEach((x, i) => {
      // The kernel's receive stamp: never before its deadline, and before the next one (how late a
      // wake-up is belongs to bench:armed-wake, not to a test on a shared machine).
      expect(x.at).toBeGreaterThanOrEqual(first + i * period);
      expect(x.at).toBeLessThan(first + (i + 1) * period);
    });
    expect(r.a.trainSent!(t)).toBe(sent);
  });

  it('after a late wake, advances like nextAdverDeadline: from now, not chained from the missed deadline', async () => {
    const r = await rig();
    const period = 200;
    const missed = r.a.monotonicMs!() - 2.5 * period; // the process "did not run" for 2.5 periods
    const t = r.a.trainStart!(r.trains, 2, [r.armed(1)], missed, period, Number.POSITIVE_INFINITY);
    await until(r.received, 1);
    const sent = r.a.trainStop!(t);
    expect(sent).toBe(1); // one late advert, not a burst of three
    const next = r.a.trainNext!(t);
    const at = r.received[0]!.at;
    // nextAdverDeadline(missed, now, period) = now + period, with now the fire's clock read just before the send.
    expect(nextAdverDeadline(missed, next - period, period)).toBe(next);
    expect(next - period).toBeLessThanOrEqual(at);
    expect(at - (next - period)).toBeLessThan(5);
    expect(next).not.toBeCloseTo(missed + period, 0);
  });

  it('tallies each send\'s lateness (clock read at the wake minus the deadline) by the bounds given at trainsOpen: counts, sums, max', async () => {
    const r = await rig([100, 1000]);
    const period = 200;
    const missed = r.a.monotonicMs!() - 300; // the first deadline sent ~300 ms late, the next ones on time (within 100 ms: a shared machine)
    const t = r.a.trainStart!(r.trains, 30, [r.armed(1)], missed, period, Number.POSITIVE_INFINITY);
    await until(r.received, 3);
    const sent = r.a.trainStop!(t);
    expect(sent).toBeGreaterThanOrEqual(3);
    const [onTime, late, over, sumOnTime, sumLate, sumOver, max] = r.a.trainLateness!(t);
    expect([onTime, late, over]).toEqual([sent - 1, 1, 0]);
    expect(sumLate).toBeGreaterThanOrEqual(300);
    expect(sumLate).toBeLessThan(300 + 100); // generous: a shared machine
    expect(max).toBe(sumLate); // the worst is the one late send
    expect(sumOnTime).toBeGreaterThanOrEqual(0);
    expect(sumOnTime).toBeLessThanOrEqual(100 * (sent - 1));
    expect(sumOver).toBe(0);
    expect(r.stops).toEqual([]);
  });

  it('a send later than its lateMs: sent, not tallied, then it stops by itself (TRAIN_LATE) with that deadline and lateness', async () => {
    const r = await rig([1, 5, 20, 100]);
    const stopped = r.nextStop();
    const missed = r.a.monotonicMs!() - 150;
    const t = r.a.trainStart!(r.trains, 31, [r.armed(4)], missed, 40, Number.POSITIVE_INFINITY, 100);
    await stopped;
    expect(r.stops).toEqual([{ id: 31, reason: TRAIN.LATE, errno: 0 }]);
    expect(r.lates[0]!.deadline).toBeCloseTo(missed, 5);
    expect(r.lates[0]!.lateMs).toBeGreaterThanOrEqual(150);
    expect(r.a.trainStop!(t)).toBe(1); // it was sent
    expect(r.a.trainLateness!(t)).toEqual(new Array(11).fill(0)); // counted by JavaScript, not here
    await sleep(60);
    expect(r.received.map((x) => x.marker)).toEqual([4]); // and nothing after
    // A train with no lateMs never stops for lateness; one without bounds tallies in one open bucket.
    const r2 = await rig();
    const t2 = r2.a.trainStart!(r2.trains, 32, [r2.armed(5)], r2.a.monotonicMs!() - 150, 200, Number.POSITIVE_INFINITY);
    await until(r2.received, 1);
    expect(r2.a.trainStop!(t2)).toBe(1);
    expect(r2.stops).toEqual([]);
    const [count, sum, max] = r2.a.trainLateness!(t2);
    expect(count).toBe(1);
    expect(sum).toBe(max);
    expect(max).toBeGreaterThanOrEqual(150);
  });

  it('a datagram waiting on the socket when the train is due: not sent, JavaScript is called (TRAIN_WAITING)', async () => {
    const r = await rig();
    const stopped = r.nextStop();
    const t = r.a.trainStart!(r.trains, 3, [r.armed(1)], r.a.monotonicMs!() + 1, 40, Number.POSITIVE_INFINITY);
    spin(3); // the train's timerfd has expired: its fd turns ready before the socket's
    r.a.raw4Send!(r.sock, datagram(2, PROTOCOL), LOOPBACK); // to the trains' own socket
    await stopped;
    expect(r.stops).toEqual([{ id: 3, reason: TRAIN.WAITING, errno: 0 }]);
    expect(r.a.trainStop!(t)).toBe(0);
    await until(r.waited, 1);
    await sleep(20);
    expect(r.waited).toEqual([2]); // read by JavaScript, after the train stood aside
    expect(r.received).toEqual([]);
  });

  it('stops by itself at its stop-by deadline (TRAIN_STOP_BY), having sent only the deadlines before it', async () => {
    const r = await rig();
    const period = 30;
    const first = r.a.monotonicMs!() + 20;
    const stopped = r.nextStop();
    const t = r.a.trainStart!(r.trains, 4, [r.armed(5)], first, period, first + 2 * period);
    await stopped;
    expect(r.stops).toEqual([{ id: 4, reason: TRAIN.STOP_BY, errno: 0 }]);
    expect(r.a.trainStop!(t)).toBe(2);
    expect(r.a.trainNext!(t)).toBeCloseTo(first + 2 * period, 6);
    await until(r.received, 2);
    await sleep(20);
    expect(r.received.map((x) => x.marker)).toEqual([5, 5]);
  });

  it('sends every destination of a deadline, in order (unicast peers)', async () => {
    const r = await rig();
    const t = r.a.trainStart!(r.trains, 5, [r.armed(1), r.armed(2), r.armed(3)], r.a.monotonicMs!() + 10, 200, Number.POSITIVE_INFINITY);
    await until(r.received, 6);
    expect(r.a.trainStop!(t)).toBe(2);
    await sleep(10);
    expect(r.received.map((x) => x.marker)).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('its socket closed: stops by itself (TRAIN_CLOSED), nothing sent', async () => {
    const r = await rig();
    const stopped = r.nextStop();
    const t = r.a.trainStart!(r.trains, 6, [r.armed(1)], r.a.monotonicMs!() + 20, 40, Number.POSITIVE_INFINITY);
    r.a.raw4Close!(r.sock);
    await stopped;
    expect(r.stops).toEqual([{ id: 6, reason: TRAIN.CLOSED, errno: 0 }]);
    expect(r.a.trainStop!(t)).toBe(0);
  });

  it('many trains under one timerfd fire in deadline order; a stopped one leaves the others running', async () => {
    const r = await rig();
    const now = r.a.monotonicMs!();
    const ts = [3, 1, 2].map((m) => r.a.trainStart!(r.trains, 10 + m, [r.armed(m)], now + 10 + m * 5, 300, Number.POSITIVE_INFINITY));
    r.a.trainStop!(ts[2]!); // marker 2's
    await until(r.received, 2);
    expect(ts.map((t) => r.a.trainStop!(t))).toEqual([1, 1, 0]);
    await sleep(10);
    expect(r.received.map((x) => x.marker)).toEqual([1, 3]);
  });

  it('trains due together fire in the order they started, at every deadline (each VRID keeps its place in the burst)', async () => {
    const r = await rig();
    const first = r.a.monotonicMs!() + 10;
    const order = [5, 3, 1, 4, 2, 6, 9, 8, 7];
    const ts = order.map((m) => r.a.trainStart!(r.trains, 20 + m, [r.armed(m)], first, 200, Number.POSITIVE_INFINITY));
    await until(r.received, 3 * order.length);
    expect(ts.map((t) => r.a.trainStop!(t))).toEqual(order.map(() => 3));
    await sleep(10);
    expect(r.received.map((x) => x.marker)).toEqual([...order, ...order, ...order]);
  });

  it('with a lead, a dispatch also sends the trains due within it after the first deadline (early by at most the lead), never wakes early', async () => {
    const r = await rig(undefined, 5);
    const first = r.a.monotonicMs!() + 20;
    // 2 and 3 within 5 ms of 1's deadline: sent in 1's dispatch. 4, 7 ms after 1's: outside that window, never
    // early (the window is fixed by the first deadline, not by when the dispatch ran). 5, 40 ms after: a wake-up of its own.
    const offsets = [0, 2, 4, 7, 40];
    const ts = offsets.map((o, i) => r.a.trainStart!(r.trains, 40 + i, [r.armed(i + 1)], first + o, 1000, Number.POSITIVE_INFINITY));
    await until(r.received, offsets.length);
    expect(ts.map((t) => r.a.trainStop!(t))).toEqual([1, 1, 1, 1, 1]);
    expect(r.received.map((x) => x.marker)).toEqual([1, 2, 3, 4, 5]);
    const at = r.received.map((x) => x.at);
    expect(at[0]).toBeGreaterThanOrEqual(first); // the timerfd is armed at the first deadline, not before
    expect(at[2]! - at[0]!).toBeLessThan(10); // one burst (generous: a shared machine)
    expect(at[1]).toBeGreaterThanOrEqual(first + 2 - 5); // never more than the lead early
    expect(at[3]).toBeGreaterThanOrEqual(first + 7); // beyond the first deadline's window: not early
    expect(at[4]).toBeGreaterThanOrEqual(first + 40);
    // Each advances from its own deadline: the next ones are a period after each, early or not.
    ts.forEach((t, i) => expect(r.a.trainNext!(t)).toBeCloseTo(first + offsets[i]! + 1000, 6));
  });

  it('an early send is tallied as on time (0 ms late), not as a negative lateness', async () => {
    const bounds = [1, 5, 20, 100];
    const r = await rig(bounds, 5);
    const first = r.a.monotonicMs!() + 20;
    const ts = [0, 3].map((o, i) => r.a.trainStart!(r.trains, 50 + i, [r.armed(i + 1)], first + o, 1000, Number.POSITIVE_INFINITY));
    await until(r.received, 2);
    ts.forEach((t) => r.a.trainStop!(t));
    const early = r.a.trainLateness!(ts[1]!);
    // counts (5 buckets), sums (5), max.
    expect(early.slice(0, 5).reduce((a, b) => a + b, 0)).toBe(1);
    expect(early[10]).toBeGreaterThanOrEqual(0);
    // Sent before its deadline (the dispatch of the first, on time): in the first bucket with 0 ms. A wake more
    // than 3 ms late makes that send late instead (a shared machine): then only its lateness is known to be >= 0.
    if (r.received[1]!.at < first + 3) expect([early[0], early[5], early[10]]).toEqual([1, 0, 0]);
  });

  it('rejects a lead out of 0..100 ms', () => {
    expect(() => addon!.trainsOpen!(() => undefined, undefined, -1)).toThrow(/leadMs/);
    expect(() => addon!.trainsOpen!(() => undefined, undefined, 1000)).toThrow(/leadMs/);
  });

  it('rejects what is not a train or an armed datagram', async () => {
    const r = await rig();
    expect(() => r.a.trainStart!(r.trains, 1, [], 1, 10, 1e9)).toThrow(/datagrams/);
    expect(() => r.a.trainStart!(r.trains, 1, [{} as never], 1, 10, 1e9)).toThrow(/Armed/);
    expect(() => r.a.trainStart!(r.trains, 1, [r.armed(1)], 1, 0.5, 1e9)).toThrow(/period/);
    expect(() => r.a.trainStop!({} as never)).toThrow(/not a train/);
  });
});

const ipv6 = addon?.raw6Armed !== undefined && loopbackIpv6();
if (addon !== undefined && !ipv6) console.warn('advert-train.test.ts: SKIPPING the IPv6 train tests: no IPv6 on lo');

describe.skipIf(!ipv6)('advert trains on the raw IPv6 socket (train.c, raw6.c)', () => {
  const opened6: { sock: Raw6Handle; trains: TrainsHandle }[] = [];
  afterEach(() => {
    for (const o of opened6.splice(0)) {
      addon!.trainsClose!(o.trains);
      addon!.raw6Close!(o.sock);
    }
  });

  async function rig6() {
    const a = addon!;
    const received: { src: string; payload: string; hopLimit: number; at: number }[] = [];
    const sock = a.raw6Open!('lo', 1, null, 0, (code, data, hopLimit, _ifindex, arrivalMs) => {
      if (code !== null || typeof data === 'string' || data[32]! > 15) return; // not this test's
      received.push({ src: data.subarray(0, 16).toString('hex'), payload: data.subarray(32).toString('hex'), hopLimit: hopLimit ?? -1, at: arrivalMs! });
    });
    const stops: { id: number; reason: number; errno: number }[] = [];
    let stopped: () => void = () => undefined;
    const trains = a.trainsOpen!((id, reason, errno) => {
      stops.push({ id, reason, errno });
      stopped();
    });
    opened6.push({ sock, trains });
    await sleep(20);
    return { a, sock, trains, received, stops, nextStop: (): Promise<void> => new Promise((r) => (stopped = r)) };
  }

  it('sends what raw6Send sends (payload, source pinned, hop limit 255) at each deadline', async () => {
    const r = await rig6();
    const first = r.a.monotonicMs!() + 10;
    const t = r.a.trainStart!(r.trains, 1, [r.a.raw6Armed!(r.sock, payload6(3), LOOPBACK6, LOOPBACK6)], first, 200, Number.POSITIVE_INFINITY);
    await until(r.received, 2);
    expect(r.a.trainStop!(t)).toBe(2); // the first one's echo on this socket is read between the two
    await sleep(10);
    expect(r.received).toHaveLength(2);
    r.received.forEach((x, i) => {
      expect(x).toMatchObject({ src: Buffer.from(LOOPBACK6).toString('hex'), payload: Buffer.from(payload6(3)).toString('hex'), hopLimit: 255 });
      expect(x.at).toBeGreaterThanOrEqual(first + i * 200);
    });
  });

  it('a send that fails (a source not ours): stops by itself (TRAIN_FAILED) with the errno, nothing counted', async () => {
    const r = await rig6();
    const stopped = r.nextStop();
    const t = r.a.trainStart!(r.trains, 2, [r.a.raw6Armed!(r.sock, payload6(4), LOOPBACK6, FOREIGN6)], r.a.monotonicMs!() + 5, 50, Number.POSITIVE_INFINITY);
    await stopped;
    expect(r.stops).toHaveLength(1);
    expect(r.stops[0]).toMatchObject({ id: 2, reason: TRAIN.FAILED });
    expect(r.stops[0]!.errno).toBeGreaterThan(0);
    expect(r.a.trainStop!(t)).toBe(0);
    expect(r.a.trainPartial!(t)).toBe(0);
  });

  it('a later destination\'s send fails: the earlier ones of that deadline went out and trainPartial says how many; not counted, not advanced', async () => {
    const r = await rig6();
    const stopped = r.nextStop();
    const first = r.a.monotonicMs!() + 5;
    const good = (m: number) => r.a.raw6Armed!(r.sock, payload6(m), LOOPBACK6, LOOPBACK6);
    const t = r.a.trainStart!(r.trains, 3, [good(5), good(6), r.a.raw6Armed!(r.sock, payload6(7), LOOPBACK6, FOREIGN6), good(8)], first, 50, Number.POSITIVE_INFINITY);
    await stopped;
    expect(r.stops).toHaveLength(1);
    expect(r.stops[0]).toMatchObject({ id: 3, reason: TRAIN.FAILED });
    expect(r.a.trainStop!(t)).toBe(0);
    expect(r.a.trainPartial!(t)).toBe(2);
    expect(r.a.trainNext!(t)).toBeCloseTo(first, 6);
    await sleep(20);
    expect(r.received.map((x) => x.payload)).toEqual([5, 6].map((m) => Buffer.from(payload6(m)).toString('hex')));
  });
});
