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
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { catchUpAt } from '../../../src/daemon/advert-train.js';
import { queueOnClock } from '../../../src/daemon/clock.js';
import { Instance, type InstanceIo, type InstanceSpec } from '../../../src/daemon/instance.js';
import type { AdvertTrain, TrainSpec } from '../../../src/io/advert-trains.js';
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

/** One train as train.c keeps it, driven by hand. */
interface FakeTrain {
  readonly spec: TrainSpec;
  next: number;
  sent: number;
  stopped: boolean;
}

function lab(opts: { trains: boolean; priority?: number } = { trains: true }) {
  let t = 1000;
  const now = (): number => t;
  let wakeAt: number | undefined;
  let onWake: (armed: number) => void = () => undefined;
  queueOnClock(now, (w) => {
    onWake = w;
    return { arm: (d) => (wakeAt = d), disarm: () => (wakeAt = undefined) };
  });
  const tokens = new Map<ArmedDatagram, Uint8Array>();
  const kept = new Map<Uint8Array, ArmedDatagram>();
  const wire: { by: 'js' | 'train'; payload: Uint8Array; at: number }[] = [];
  let socketSent = 0;
  const trains: FakeTrain[] = [];
  const io: InstanceIo<string> = {
    now,
    log: silent,
    destinations: [GROUP],
    sendTo: (payload, _dst, armedSent) => {
      socketSent++;
      if (armedSent === undefined || tokens.get(armedSent) !== payload) wire.push({ by: 'js', payload, at: t });
      return { ok: true };
    },
    armTakeover: (payload) => {
      let token = kept.get(payload);
      if (token === undefined) {
        token = {} as ArmedDatagram;
        kept.set(payload, token);
        tokens.set(token, payload);
      }
      return token;
    },
    vipOps: { apply: async (state, vips) => vips.map(() => ok(state)), describe: (v) => v },
  };
  if (opts.trains) {
    io.startTrain = (spec): AdvertTrain => {
      const train: FakeTrain = { spec, next: spec.deadline, sent: 0, stopped: false };
      trains.push(train);
      return {
        stop: () => ((train.stopped = true), { sent: train.sent, next: train.next }),
        sent: () => train.sent,
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
    get socketSent() {
      return socketSent;
    },
    get wakeAt() {
      return wakeAt;
    },
    at(ms: number) {
      t = ms;
    },
    /** The running train fires `lateMs` late at each of its next `n` deadlines (train.c: sent, counted, advanced). */
    fire(n: number, lateMs = 0.1) {
      const train = running()!;
      for (let i = 0; i < n; i++) {
        t = train.next + lateMs;
        for (const d of train.spec.datagrams) wire.push({ by: 'train', payload: tokens.get(d)!, at: t });
        train.sent++;
        train.next = nextAdverDeadline(train.next, t, train.spec.periodMs);
      }
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
    t1.spec.onStop('waiting', 0);
    expect(t1.stopped).toBe(true);
    expect(l.wakeAt).toBe(t1.next); // due now: after the socket's datagram is read
    l.expire(0.2);
    expect(l.wire.map((w) => w.by)).toEqual(['js', 'js', 'train', 'js']);
    expect(l.running()).toBeDefined();
    expect(l.inst.router.counters.advertiseSent).toBe(4);
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

