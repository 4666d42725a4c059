/**
 * The advert train on the instance's side (advert-train.ts, instance.ts): a master hands its
 * steady adverts to the addon and takes them back before anything else happens to it. What must
 * hold: the router caught up after a train is in the state the fires one by one would have left
 * (same snapshot, same counters, same next deadline; checked as a property), a train runs only in
 * MASTER with the router's own advert, it is taken back on every input, on a status read and on
 * shutdown (whose priority-0 advert is JavaScript's), the counters (router's and socket's) stay
 * exact, and a train that stops by itself hands the due advert back to the instance's own timer.
 * The addon's part is played by hand here (FakeTrain: nextAdverDeadline, as train.c).
 */
import fc from 'fast-check';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { ARMED_DESTINATIONS_MAX } from '../../../src/daemon/advert-sender.js';
import { catchUpAt } from '../../../src/daemon/advert-train.js';
import { LATENESS_BOUNDS_MS, TRAIN_LATENESS_BOUNDS_MS } from '../../../src/daemon/timer-lateness.js';
import { LATE_TIMER_MS } from '../../../src/status/model.js';
import { HISTOGRAMS } from '../../../src/status/metrics.js';
import { queueOnClock } from '../../../src/daemon/clock.js';
import { Instance, type InstanceIo, type InstanceSpec } from '../../../src/daemon/instance.js';
import { advertTrainsWanted, type AdvertTrain, type TrainSpec } from '../../../src/io/advert-trains.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../../../src/io/garp-schedule.js';
import type { ArmedDatagram } from '../../../src/io/packet-addon.js';
import type { ReceivedAdvert } from '../../../src/io/vrrp-mux.js';
import { Router } from '../../../src/protocol/router.js';
import { csToMs, nextAdverDeadline } from '../../../src/protocol/timers.js';
import { ok } from '../../../src/result.js';
import { parseAdvert } from '../../../src/wire/advert.js';
import type { IpAddress } from '../../../src/wire/address.js';
import { advert, ip, routerConfig, VIP } from '../../helpers/router-fixtures.js';

const silent = pino({ level: 'silent' });
const GROUP = ip('224.0.0.18');
const ME = ip('192.168.50.2');

/** The router stepped at the fire times `t0 + lateness`: each fire is due at its deadline, `lateMs` after it. */
function fireByFire(r: Router, lateness: readonly number[]): { sent: number; times: number[] } {
  const times: number[] = [];
  for (const late of lateness) {
    const at = r.nextDeadline()! + late;
    r.step({ kind: 'timeout' }, at);
    times.push(at);
  }
  return { sent: lateness.length, times };
}

/** What train.c does from `deadline`, firing each `lateMs` late: how many it sent and its next deadline. */
function trainModel(deadline: number, intervalMs: number, lateness: readonly number[]): { sent: number; next: number } {
  let next = deadline;
  for (const late of lateness) next = nextAdverDeadline(next, next + late, intervalMs);
  return { sent: lateness.length, next };
}

/** A master of `cfg` at time 1000 (priority 255: the owner takes over at startup). */
function master(over: Parameters<typeof routerConfig>[0] = {}): Router {
  const r = new Router(routerConfig({ priority: 255, ...over }));
  r.step({ kind: 'startup' }, 1000);
  if (r.state !== 'MASTER') throw new Error('not master');
  return r;
}

describe('catching the router up after a train (catchUpAt)', () => {
  it('leaves the router as the fires one by one would: snapshot, counters, next deadline, and what it does next', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(100, 1000, 300),
        // Each fire's lateness: mostly small, sometimes past a whole interval (a stalled process).
        fc.array(fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 2500, noNaN: true })), { minLength: 0, maxLength: 12 }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (intervalCs, lateness, after) => {
          const reference = master({ adverIntervalCs: intervalCs });
          const caught = master({ adverIntervalCs: intervalCs });
          const intervalMs = csToMs(intervalCs);
          fireByFire(reference, lateness);
          const train = trainModel(caught.nextDeadline()!, intervalMs, lateness);
          if (train.sent > 0) {
            caught.counters.advertiseSent += train.sent - 1;
            const actions = caught.step({ kind: 'timeout' }, catchUpAt(train.next, intervalMs));
            expect(actions.map((a) => a.kind)).toEqual(['sendAdvert']);
          }
          expect(caught.nextDeadline()).toBe(reference.nextDeadline());
          expect(caught.snapshot()).toEqual(reference.snapshot());
          // And from there on, the same: a lower-priority advert, then the next fire.
          const at = reference.nextDeadline()! - intervalMs / 2 + after;
          const input = { kind: 'advert', advert: advert({ priority: 50 }), srcIp: ip('192.168.50.1') } as const;
          expect(caught.step(input, at)).toEqual(reference.step(input, at));
          expect(caught.step({ kind: 'timeout' }, caught.nextDeadline()!)).toEqual(reference.step({ kind: 'timeout' }, reference.nextDeadline()!));
          expect(caught.snapshot()).toEqual(reference.snapshot());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counterexample of the naive catch-up: one timeout at the last send time does not leave the same deadline', () => {
    const reference = master();
    const caught = master();
    fireByFire(reference, [0.2, 0.3, 0.1]);
    const train = trainModel(caught.nextDeadline()!, 1000, [0.2, 0.3, 0.1]);
    caught.counters.advertiseSent += 2;
    caught.step({ kind: 'timeout' }, train.next - 1000 + 0.1); // the last fire's time, not catchUpAt
    expect(caught.nextDeadline()).not.toBe(reference.nextDeadline());
  });
});

/** One train as train.c keeps it, driven by hand (its lateness tally too). */
interface FakeTrain {
  readonly spec: TrainSpec;
  next: number;
  sent: number;
  /** How many of its datagrams went out at `next` before a send failed (train.c's trainPartial). */
  partial: number;
  stopped: boolean;
  counts: number[];
  sumsMs: number[];
  maxMs: number;
}

function lab(opts: { trains: boolean; priority?: number; log?: Logger; destinations?: readonly IpAddress[] } = { trains: true }) {
  let t = 1000;
  const now = (): number => t;
  let wakeAt: number | undefined;
  let onWake: (armed: number) => void = () => undefined;
  queueOnClock(now, (w) => {
    onWake = w;
    return { arm: (d) => (wakeAt = d), disarm: () => (wakeAt = undefined) };
  });
  const tokens = new Map<ArmedDatagram, Uint8Array>();
  const dsts = new Map<ArmedDatagram, IpAddress>();
  const kept = new Map<Uint8Array, ArmedDatagram>();
  const wire: { by: 'js' | 'train'; payload: Uint8Array; at: number; dst: IpAddress }[] = [];
  let socketSent = 0;
  /** Destinations whose sends from JavaScript fail (EHOSTUNREACH). */
  const unreachable = new Set<IpAddress>();
  const trains: FakeTrain[] = [];
  const observed: number[] = [];
  const io: InstanceIo<string> = {
    now,
    log: opts.log ?? silent,
    onTimer: (lateMs) => observed.push(lateMs),
    destinations: opts.destinations ?? [GROUP],
    sendTo: (payload, dst, armedSent) => {
      if (armedSent === undefined && unreachable.has(dst)) return { ok: false, error: { detail: 'EHOSTUNREACH' } };
      socketSent++;
      if (armedSent === undefined || tokens.get(armedSent) !== payload) wire.push({ by: 'js', payload, at: t, dst });
      return { ok: true };
    },
    armTakeover: (payload, dst) => {
      let token = kept.get(payload);
      if (token === undefined) {
        token = {} as ArmedDatagram;
        kept.set(payload, token);
        tokens.set(token, payload);
        dsts.set(token, dst);
      }
      return token;
    },
    vipOps: { apply: async (state, vips) => vips.map(() => ok(state)), describe: (v) => v },
  };
  if (opts.trains) {
    io.startTrain = (spec): AdvertTrain => {
      const buckets = spec.latenessBoundsMs.length + 1;
      const train: FakeTrain = { spec, next: spec.deadline, sent: 0, partial: 0, stopped: false, counts: new Array<number>(buckets).fill(0), sumsMs: new Array<number>(buckets).fill(0), maxMs: 0 };
      trains.push(train);
      return {
        stop: () => ((train.stopped = true), { sent: train.sent, next: train.next, partial: train.partial, lateness: { counts: train.counts, sumsMs: train.sumsMs, maxMs: train.maxMs } }),
      };
    };
  }
  const spec: InstanceSpec<string> = { router: routerConfig({ priority: opts.priority ?? 255 }), vips: [`${VIP}/24`], garpAddresses: [VIP], garp: KEEPALIVED_GARP_DEFAULTS };
  const inst = new Instance(spec, io);
  const running = (): FakeTrain | undefined => trains.find((x) => !x.stopped);
  return {
    inst,
    wire,
    trains,
    running,
    /** What the metrics hook (io.onTimer) was given, one lateness (ms) per fire. */
    observed,
    unreachable,
    get socketSent() {
      return socketSent;
    },
    get wakeAt() {
      return wakeAt;
    },
    at(ms: number) {
      t = ms;
    },
    /**
     * The running train fires `lateMs` late at each of its next `n` deadlines (train.c: sent, counted,
     * advanced, tallied); past its lateMs threshold it stops itself ('late') after the send, untallied.
     */
    fire(n: number, lateMs = 0.1) {
      const train = running()!;
      for (let i = 0; i < n; i++) {
        const deadline = train.next;
        t = deadline + lateMs;
        for (const d of train.spec.datagrams) wire.push({ by: 'train', payload: tokens.get(d)!, at: t, dst: dsts.get(d)! });
        train.sent++;
        train.next = nextAdverDeadline(train.next, t, train.spec.periodMs);
        if (lateMs > train.spec.lateMs) {
          train.spec.onStop('late', 0, { deadline, lateMs });
          return;
        }
        const b = train.spec.latenessBoundsMs.findIndex((x) => lateMs <= x);
        const k = b < 0 ? train.counts.length - 1 : b;
        train.counts[k]!++;
        train.sumsMs[k]! += lateMs;
        train.maxMs = Math.max(train.maxMs, lateMs);
      }
    },
    /**
     * At its next deadline the running train sends the first `k` datagrams, then the next one's send
     * fails (`errno`): train.c stops it (TRAIN_FAILED), that deadline neither counted nor advanced,
     * the `k` sent kept as trainPartial, and that send tallied when k > 0.
     */
    failAt(k: number, errno: number, lateMs = 0.1, nextRoundingMs = 0) {
      const train = running()!;
      t = train.next + lateMs;
      train.next += nextRoundingMs; // the addon's deadlines are integer ns: its next may differ from the router's by rounding
      for (const d of train.spec.datagrams.slice(0, k)) wire.push({ by: 'train', payload: tokens.get(d)!, at: t, dst: dsts.get(d)! });
      train.partial = k;
      if (k > 0) {
        const b = train.spec.latenessBoundsMs.findIndex((x) => lateMs <= x);
        train.counts[b < 0 ? train.counts.length - 1 : b]!++;
        train.sumsMs[b < 0 ? train.sumsMs.length - 1 : b]! += lateMs;
        train.maxMs = Math.max(train.maxMs, lateMs);
      }
      train.spec.onStop('failed', errno, undefined);
    },
    /** The instance's own timer expires (`lateMs` after its deadline). */
    expire(lateMs = 0.1) {
      t = wakeAt! + lateMs;
      wakeAt = undefined;
      onWake(0);
    },
  };
}

const lower = (at: number): ReceivedAdvert => ({
  advert: advert({ priority: 50 }),
  ip: { family: 'ipv4', src: ip('192.168.50.1'), dst: GROUP, ttl: 255, tos: 0xc0, vrrp: new Uint8Array(0), ah: false },
  checksum: 'rfc',
  arrivedAt: at,
});

const priorityOf = (payload: Uint8Array): number => {
  const p = parseAdvert(payload, { family: 'ipv4', src: ME, dst: GROUP });
  if (!p.ok) throw new Error(p.error.detail);
  return p.value.priority;
};

describe('an instance and its advert train', () => {
  it("unicast peers: the train carries the router's advert to every peer, each once per deadline; past ARMED_DESTINATIONS_MAX peers no train, JavaScript sends to each", () => {
    const peers = [ip('192.168.50.1'), ip('192.168.50.3')];
    const l = lab({ trains: true, priority: 200, destinations: peers });
    l.inst.start();
    l.expire(); // the takeover
    l.expire(); // the first steady advert; then the train
    expect(l.wire.map((w) => `${w.by} ${w.dst}`)).toEqual([...peers, ...peers].map((p) => `js ${p}`));
    l.fire(2);
    expect(l.wire.slice(4).map((w) => `${w.by} ${w.dst}`)).toEqual([...peers, ...peers].map((p) => `train ${p}`));
    expect(l.running()!.spec.datagrams).toHaveLength(2);

    const many = Array.from({ length: ARMED_DESTINATIONS_MAX + 1 }, (_, i) => ip(`192.168.51.${i + 1}`));
    const m = lab({ trains: true, priority: 200, destinations: many });
    m.inst.start();
    for (let i = 0; i < 3; i++) m.expire();
    expect(m.trains).toEqual([]); // the addon takes 1..64 datagrams a train
    expect(m.wire.map((w) => `${w.by} ${w.dst}`)).toEqual([...many, ...many, ...many].map((p) => `js ${p}`));
  });

  it('a master hands its Adver_Timer over (its own timer idle) with the router\'s advert, and takes it back on a received advert with exact counters', () => {
    const l = lab({ trains: true, priority: 200 });
    const ref = lab({ trains: false, priority: 200 });
    for (const x of [l, ref]) {
      x.inst.start();
      x.expire(); // Master_Down: takes over
    }
    expect(l.inst.state).toBe('MASTER');
    expect(l.running()).toBeUndefined(); // not in the takeover's step: the other instances' adverts would wait for it
    for (const x of [l, ref]) x.expire(); // the first steady advert, from JavaScript; then the train
    const train = l.running()!;
    expect(train).toBeDefined();
    expect(train.spec.deadline).toBe(l.inst.router.nextDeadline());
    expect(train.spec.periodMs).toBe(1000);
    expect(l.wakeAt).toBeUndefined(); // the instance's own timer holds nothing: the train has it
    l.fire(3);
    for (let i = 0; i < 3; i++) ref.expire(0.1);
    expect(l.wire.map((w) => [w.by, w.at])).toEqual([['js', ref.wire[0]!.at], ['js', ref.wire[1]!.at], ...ref.wire.slice(2).map((w) => ['train', w.at])]);
    expect(l.wire.every((w) => w.payload === l.wire[0]!.payload)).toBe(true);
    // A lower-priority advert: taken back, caught up, then the input (an advert at once, GARPs now and after 5 s).
    const at = train.next - 400;
    for (const x of [l, ref]) {
      x.at(at);
      x.inst.receive(lower(at));
    }
    expect(train.stopped).toBe(true);
    expect(l.inst.router.snapshot()).toEqual(ref.inst.router.snapshot());
    expect(l.inst.router.nextDeadline()).toBe(ref.inst.router.nextDeadline());
    expect(l.socketSent).toBe(ref.socketSent);
    expect(l.inst.router.counters.advertiseSent).toBe(1 + 1 + 3 + 1); // the takeover's, the first steady one, three by the train, the answer
    // The delayed GARP burst (garp_lower_prio_delay, 5 s) is a router deadline that is not the Adver_Timer: no train until it is past.
    expect(l.running()).toBeUndefined();
    expect(l.wakeAt).toBe(l.inst.router.nextDeadline());
    let fires = 0;
    for (; l.running() === undefined && fires < 10; fires++) for (const x of [l, ref]) x.expire(0.1);
    expect(fires).toBe(5); // adverts 1..5 s after the answer, the last with the GARP burst due 5 s after the lower-priority advert
    expect(l.running()).toBeDefined(); // past the hold, at a steady advert: handed over again
    expect(l.inst.router.snapshot()).toEqual(ref.inst.router.snapshot());
    expect(l.running()!.spec.deadline).toBe(ref.inst.router.nextDeadline());
  });

  it('a status read counts what the train sent and lets it run on', () => {
    const l = lab();
    l.inst.start();
    l.expire();
    l.fire(5);
    const before = l.running()!;
    const facts = l.inst.facts();
    expect(facts.router.counters.advertiseSent).toBe(7);
    expect(l.socketSent).toBe(7);
    expect(before.stopped).toBe(true);
    const again = l.running()!;
    expect(again.spec.deadline).toBe(before.next);
    l.fire(2);
    expect(l.inst.facts().router.counters.advertiseSent).toBe(9);
  });

  it('one send, its next deadline rounded below the router\'s by the addon\'s integer ns: the catch-up still fires (no bug line, no advert sent again)', () => {
    const lines: { msg: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const l = lab({ trains: true, log });
    l.inst.start();
    l.expire();
    const train = l.running()!;
    l.fire(1);
    train.next -= 1e-7; // ns_to_ms(next_ns) - offset - interval: half the time just below the router's deadline (measured on the addon: 21 of 40)
    l.at(train.next - 500);
    const facts = l.inst.facts();
    expect(lines.map((x) => x.msg)).toEqual([]);
    expect(l.wire.map((w) => w.by)).toEqual(['js', 'js', 'train']); // the startup's, the first steady one, the train's
    expect(facts.router.counters.advertiseSent).toBe(3);
    expect(l.socketSent).toBe(3);
    expect(l.running()!.spec.deadline).toBe(l.inst.router.nextDeadline());
  });

  it('a tracker lowers the priority: taken back, and the next train sends the new priority', () => {
    const l = lab({ trains: true, priority: 200 });
    l.inst.start();
    expect(l.running()).toBeUndefined(); // a backup: its own timer (Master_Down)
    l.expire();
    expect(l.inst.state).toBe('MASTER');
    l.expire();
    l.fire(2);
    l.at(l.running()!.next - 10);
    l.inst.setTrackers([{ name: 'chk', weight: -20, healthy: false }]);
    expect(l.inst.router.priority).toBe(180);
    expect(l.running()).toBeUndefined();
    expect(l.wakeAt).toBe(l.trains[0]!.next); // the Adver_Timer the train had left
    l.expire();
    const t2 = l.running()!;
    l.fire(1);
    expect(l.wire.map((w) => [w.by, priorityOf(w.payload)])).toEqual([
      ['js', 200],
      ['js', 200],
      ['train', 200],
      ['train', 200],
      ['js', 180],
      ['train', 180],
    ]);
    expect(t2.spec.deadline).toBe(l.trains[0]!.next + 1000);
  });

  it('shutdown: taken back first; the priority-0 advert is JavaScript\'s, and no train runs after', async () => {
    const l = lab();
    l.inst.start();
    l.expire();
    l.fire(2);
    l.at(l.running()!.next - 10);
    await l.inst.stop();
    expect(l.running()).toBeUndefined();
    expect(l.wire.map((w) => [w.by, priorityOf(w.payload)])).toEqual([
      ['js', 255],
      ['js', 255],
      ['train', 255],
      ['train', 255],
      ['js', 0],
    ]);
    expect(l.inst.router.counters.advertiseSent).toBe(5);
    expect(l.socketSent).toBe(5);
  });

  it('a train that stopped by itself (a datagram waiting): the instance\'s own timer sends the advert due, then a new train runs', () => {
    const l = lab();
    l.inst.start();
    l.expire();
    l.fire(1);
    const t1 = l.running()!;
    l.at(t1.next + 0.05);
    t1.spec.onStop('waiting', 0, undefined);
    expect(t1.stopped).toBe(true);
    expect(l.wakeAt).toBe(t1.next); // due now: after the socket's datagram is read
    l.expire(0.2);
    expect(l.wire.map((w) => w.by)).toEqual(['js', 'js', 'train', 'js']);
    expect(l.running()).toBeDefined();
    expect(l.inst.router.counters.advertiseSent).toBe(4);
  });

  it('unicast peers, a later peer\'s send fails at a deadline: each peer gets that deadline\'s advert once (the earlier ones from the train, the rest from JavaScript), counters exact', () => {
    const ENOBUFS = 105;
    const peers = [ip('192.168.50.1'), ip('192.168.50.3'), ip('192.168.50.4')];
    const l = lab({ trains: true, priority: 200, destinations: peers });
    const ref = lab({ trains: false, priority: 200, destinations: peers });
    for (const x of [l, ref]) {
      x.inst.start();
      x.expire(); // the takeover
      x.expire(); // the first steady advert; then the train
    }
    l.fire(2);
    const t1 = l.running()!;
    const failedAt = t1.next;
    l.failAt(1, ENOBUFS); // peer 1's went out, peer 2's failed (peer 3's not tried)
    expect(t1.stopped).toBe(true);
    for (let i = 0; i < 3; i++) ref.expire(0.1);
    // Per deadline, every peer exactly once: the failed deadline's to peer 1 by the train, to peers 2 and 3 by JavaScript.
    const perDeadline = (x: typeof l): string[][] => Array.from({ length: x.wire.length / 3 }, (_, i) => x.wire.slice(3 * i, 3 * i + 3).map((w) => `${w.dst}`));
    expect(perDeadline(l)).toEqual(perDeadline(ref));
    expect(l.wire.slice(-3).map((w) => `${w.by} ${w.dst}`)).toEqual([`train ${peers[0]}`, `js ${peers[1]}`, `js ${peers[2]}`]);
    expect(l.wire.slice(-2).every((w) => w.at >= failedAt)).toBe(true);
    expect(l.inst.router.counters.advertiseSent).toBe(ref.inst.router.counters.advertiseSent); // one an Adver_Timer fire, not one a peer
    expect(l.socketSent).toBe(ref.socketSent);
    expect(l.inst.router.nextDeadline()).toBe(ref.inst.router.nextDeadline());
    expect(l.inst.timerLateness()).toEqual(ref.inst.timerLateness());
    // And on: the next advert from the instance's own timer, then a train again.
    l.expire(0.1);
    ref.expire(0.1);
    expect(perDeadline(l)).toEqual(perDeadline(ref));
    expect(l.running()).toBeDefined();
    expect(l.inst.facts().io.advertSendErrors).toBe(0);
  });

  it('a later peer\'s send fails in a send ahead of its deadline (the lead), the addon\'s next rounded below the router\'s: that deadline still fires once for the rest', () => {
    const peers = [ip('192.168.50.1'), ip('192.168.50.3')];
    const l = lab({ trains: true, priority: 200, destinations: peers });
    l.inst.start();
    l.expire();
    l.expire();
    const due = l.running()!.next;
    expect(due).toBe(l.inst.router.nextDeadline());
    l.failAt(1, 105, -1.5, -1e-7); // its first deadline: sent 1.5 ms early, then peer 2's failed
    expect(l.wire.slice(-2).map((w) => `${w.by} ${w.dst}`)).toEqual([`train ${peers[0]}`, `js ${peers[1]}`]);
    expect(l.inst.router.nextDeadline()).toBe(due + 1000);
    expect(l.inst.router.counters.advertiseSent).toBe(3);
  });

  it('a send that fails in the train and again from JavaScript: counted and logged once, as without trains; the earlier peer not sent twice', () => {
    const lines: { msg: string; dst?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const peers = [ip('192.168.50.1'), ip('192.168.50.3')];
    const l = lab({ trains: true, priority: 200, destinations: peers, log });
    l.inst.start();
    l.expire();
    l.expire();
    l.fire(1);
    l.unreachable.add(peers[1]!);
    l.failAt(1, 113); // EHOSTUNREACH
    // Four Adver_Timer fires (the takeover, the first steady advert, the train's, the failed deadline): peer 1 got four, peer 2 three.
    expect(peers.map((p) => l.wire.filter((w) => w.dst === p).length)).toEqual([4, 3]);
    expect(l.inst.facts().io.advertSendErrors).toBe(1);
    expect(lines.filter((x) => x.msg === 'advert send failed').map((x) => x.dst)).toEqual([peers[1]]);
    expect(l.inst.router.counters.advertiseSent).toBe(1 + 1 + 1 + 1);
    // A failure at the first peer: nothing of that deadline went out; the instance's own timer sends it to both.
    l.unreachable.clear();
    l.expire(0.1); // the next advert from the instance's own timer; then a train again
    l.fire(1);
    const before = l.wire.length;
    l.failAt(0, 105);
    expect(l.wire.length).toBe(before);
    expect(l.wakeAt).toBe(l.trains.at(-1)!.next);
    l.expire(0.1);
    expect(l.wire.slice(before).map((w) => `${w.by} ${w.dst}`)).toEqual(peers.map((p) => `js ${p}`));
  });

  it('a backup runs no train; the simulator-like I/O without startTrain runs none either', () => {
    const l = lab({ trains: true, priority: 90 });
    l.inst.start();
    l.inst.receive(lower(1001));
    expect(l.inst.state).toBe('BACKUP');
    expect(l.trains).toEqual([]);
    const ref = lab({ trains: false });
    ref.inst.start();
    expect(ref.inst.state).toBe('MASTER');
    expect(ref.wakeAt).toBe(ref.inst.router.nextDeadline());
  });
});


/** The fires' lateness (ms) bucketed as prom-client does for vrrpd_timer_lateness_seconds (le in seconds), with the sum. */
function histogramOf(observed: readonly number[]): { buckets: number[]; sum: number } {
  const bounds = HISTOGRAMS.timerLateness.buckets;
  return { buckets: bounds.map((b) => observed.filter((ms) => ms / 1000 <= b).length), sum: observed.reduce((a, b) => a + b, 0) };
}

describe('the lateness of a train\'s sends', () => {
  // Each bucket of both tallies, twice in one of them, and the edges.
  const LATENESS = [0.05, 0.3, 0.5, 0.7, 1, 1.5, 2.5, 4, 5, 7, 12, 20, 30, 60, 99.5, 0.4, 3];

  it('is folded at the reclaim into the SIGUSR2 tally and the metrics hook: the same buckets, max and sum as a run without trains', () => {
    const l = lab({ trains: true });
    const ref = lab({ trains: false });
    for (const x of [l, ref]) {
      x.inst.start();
      x.expire(); // the first steady advert, from JavaScript; then the train
    }
    expect(l.running()).toBeDefined();
    for (const late of LATENESS) l.fire(1, late);
    for (const late of LATENESS) ref.expire(late);
    l.inst.facts(); // a status read takes the train back (and a new one runs)
    expect(l.running()).toBeDefined();
    expect(l.inst.timerLateness()).toEqual(ref.inst.timerLateness());
    expect(l.inst.timerLateness().fired).toBe(1 + LATENESS.length); // the owner is master at startup: its first fire is the first advert
    const h = histogramOf(l.observed);
    const hr = histogramOf(ref.observed);
    expect(h.buckets).toEqual(hr.buckets);
    expect(h.sum).toBeCloseTo(hr.sum, 9);
    expect(l.observed.length).toBe(ref.observed.length);
  });

  it('the bounds a train tallies by hold those of the SIGUSR2 tally and of the metrics histogram (one source: timer-lateness.ts)', () => {
    for (const b of LATENESS_BOUNDS_MS) expect(TRAIN_LATENESS_BOUNDS_MS).toContain(b);
    for (const s of HISTOGRAMS.timerLateness.buckets) expect(TRAIN_LATENESS_BOUNDS_MS).toContain(s * 1000);
    expect([...TRAIN_LATENESS_BOUNDS_MS].sort((a, b) => a - b)).toEqual(TRAIN_LATENESS_BOUNDS_MS);
    const l = lab({ trains: true });
    l.inst.start();
    l.expire();
    expect(l.running()!.spec.latenessBoundsMs).toBe(TRAIN_LATENESS_BOUNDS_MS);
    expect(l.running()!.spec.lateMs).toBe(LATE_TIMER_MS);
  });

  it('a send past LATE_TIMER_MS stops the train: counted (timerLate) and logged once, as the instance\'s own timer does; then a new train after the next steady advert', () => {
    const lines: { msg: string; lateMs?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const refLines: { msg: string }[] = [];
    const refLog = pino({ level: 'warn' }, { write: (line: string) => void refLines.push(JSON.parse(line) as { msg: string }) });
    const l = lab({ trains: true, log });
    const ref = lab({ trains: false, log: refLog });
    for (const x of [l, ref]) {
      x.inst.start();
      x.expire();
    }
    l.fire(2);
    ref.expire(0.1);
    ref.expire(0.1);
    const t1 = l.running()!;
    l.fire(5, 150); // stops after the first: that one is late
    expect(t1.stopped).toBe(true);
    expect(t1.sent).toBe(3);
    expect(l.running()).toBeUndefined();
    expect(l.wakeAt).toBeDefined(); // the instance's own timer holds the next advert
    l.expire(250); // late too: the instance counts and logs it itself, then hands a new train over
    expect(l.running()).toBeDefined();
    ref.expire(150);
    ref.expire(250);
    const late = (x: { msg: string }[]): number => x.filter((x) => x.msg === 'timer fired late').length;
    expect(late(lines)).toBe(2);
    expect(late(refLines)).toBe(2);
    expect(l.inst.facts().io.timerLate).toBe(2);
    expect(ref.inst.facts().io.timerLate).toBe(2);
    expect(l.inst.timerLateness()).toEqual(ref.inst.timerLateness());
    expect(histogramOf(l.observed).buckets).toEqual(histogramOf(ref.observed).buckets);
    expect(histogramOf(l.observed).sum).toBeCloseTo(histogramOf(ref.observed).sum, 9);
    expect(l.wire.length).toBe(ref.wire.length);
    expect(l.inst.router.counters.advertiseSent).toBe(ref.inst.router.counters.advertiseSent);
    expect(l.inst.router.nextDeadline()).toBe(ref.inst.router.nextDeadline());
  });
});

describe('VRRPD_ADVERT_TRAIN (advertTrainsWanted)', () => {
  it('trains run by default; VRRPD_ADVERT_TRAIN=0 turns them off, any other value leaves them on', () => {
    expect(advertTrainsWanted({})).toBe(true);
    expect(advertTrainsWanted({ VRRPD_ADVERT_TRAIN: '1' })).toBe(true);
    expect(advertTrainsWanted({ VRRPD_ADVERT_TRAIN: '0' })).toBe(false);
    expect(advertTrainsWanted({ VRRPD_ADVERT_TRAIN: '' })).toBe(true);
  });
});
