/**
 * The armed takeover advert (native-notes/timers.md, "The armed takeover advert"): a backup's
 * Master_Down timer carries its takeover advert, which the kernel timer sends by itself at expiry
 * before JavaScript runs. Here the wake source is driven by hand and plays the kernel's part
 * (timer.c): at expiry it sends the head slot's armed datagram unless told it refused (a datagram
 * waiting, too late, a failed send). What must hold: what it sends is exactly the advert the
 * router sends on that timeout, it goes out once, and it is re-armed or disarmed whenever that
 * advert or the queue's head changes. VRRPv2 and VRRPv3 over IPv4, and VRRPv3 over IPv6 (whose
 * checksum covers the link-local source that raw6.c pins with IPV6_PKTINFO).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ARMED_DESTINATIONS_MAX } from '../../../src/daemon/advert-sender.js';
import { queueOnClock } from '../../../src/daemon/clock.js';
import type { ArmedSend } from '../../../src/daemon/deadline-queue.js';
import { Instance, type InstanceIo, type InstanceSpec } from '../../../src/daemon/instance.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../../../src/io/garp-schedule.js';
import type { ArmedDatagram } from '../../../src/io/packet-addon.js';
import type { ReceivedAdvert } from '../../../src/io/vrrp-mux.js';
import type { Action } from '../../../src/protocol/types.js';
import { ok } from '../../../src/result.js';
import { emitAdvert, parseAdvert } from '../../../src/wire/advert.js';
import type { Family, IpAddress } from '../../../src/wire/address.js';
import type { Advert } from '../../../src/wire/types.js';
import { advert, advertV3, ip, routerConfig, routerConfigV3, VIP } from '../../helpers/router-fixtures.js';

const silent = pino({ level: 'silent' });

/** One family's addresses: the group, the master, this backup's source and another one, two VIPs and their prefix. */
interface Net {
  readonly family: Family;
  readonly group: IpAddress;
  readonly master: IpAddress;
  readonly me: IpAddress;
  readonly newSource: IpAddress;
  readonly vip: IpAddress;
  readonly otherVip: IpAddress;
  readonly prefix: number;
}
const IPV4: Net = {
  family: 'ipv4',
  group: ip('224.0.0.18'),
  master: ip('192.168.50.1'),
  me: ip('192.168.50.2'),
  newSource: ip('192.168.50.12'),
  vip: VIP,
  otherVip: ip('192.168.50.101'),
  prefix: 24,
};
/** RFC 5798 §5.1.2.1-2: adverts to ff02::12 from the interface's link-local address. */
const IPV6: Net = {
  family: 'ipv6',
  group: ip('ff02::12'),
  master: ip('fe80::1'),
  me: ip('fe80::2'),
  newSource: ip('fe80::12'),
  vip: ip('2001:db8:50::100'),
  otherVip: ip('2001:db8:50::101'),
  prefix: 64,
};

/** What left on the wire, in order: the kernel timer's sends, JavaScript's, and state changes. */
type Sent = { kind: 'timer' | 'js'; name: string; payload: Uint8Array; dst: IpAddress; src: IpAddress };
type WireEvent = Sent | { kind: 'state'; name: string; to: string };

/** The datagram behind a fake armed token (the addon's copy: payload, destination and its source: IPv4 header, or IPV6_PKTINFO). */
interface FakeArmed {
  readonly payload: Uint8Array;
  readonly dst: IpAddress;
  readonly src: IpAddress;
}

/**
 * `fire`: the wake source can also send any slot's armed datagram at once (the addon's armedFire):
 * it answers `refuse` (an ARMED_* code) when given, else sends it; `vipAhead`: the VIPs' ops offer
 * their additions to send ahead, which the queue's takeover hook records in `ahead`. `peers`: the
 * instances' destinations (unicast peers) instead of the group; `group: false`: no armGroup (an
 * addon that predates it); `failTo`: a group member's send to this address fails (the others go).
 */
function lab(net: Net, o: { fire?: boolean; refuse?: () => number | undefined; vipAhead?: boolean; peers?: readonly IpAddress[]; group?: boolean; failTo?: IpAddress } = {}) {
  let t = 10_000;
  const ahead: string[][] = [];
  const now = (): number => t;
  let onWake: (armed: number) => void = () => undefined;
  let wakeAt: number | undefined;
  let wakeArmed: ArmedSend | undefined;
  const wire: WireEvent[] = [];
  const tokens = new Map<ArmedDatagram, FakeArmed>();
  /** armGroup's tokens: their members, in order; and each member's outcome at its last fire (armedOutcome). */
  const groups = new Map<ArmedDatagram, readonly ArmedDatagram[]>();
  const outcomes = new Map<ArmedDatagram, number>();
  const nameOf = (d: ArmedDatagram): string => (d as unknown as { name: string }).name;
  /** The addon's fire of an armed datagram, a group's members each in turn: the bytes of those sent, else ARMED_FAILED. */
  const send = (d: ArmedDatagram): number => {
    let total = 0;
    for (const m of groups.get(d) ?? [d]) {
      const a = tokens.get(m)!;
      const n = o.failTo !== undefined && a.dst === o.failTo ? -4 : a.payload.length + (net.family === 'ipv4' ? 20 : 0);
      outcomes.set(m, n);
      if (n > 0) {
        wire.push({ kind: 'timer', name: nameOf(m), ...a });
        total += n;
      }
    }
    return total > 0 ? total : -4;
  };
  /** A refusal (an ARMED_* code) is every member's last outcome, as in the addon. */
  const refuse = (d: ArmedDatagram, code: number): number => {
    for (const m of groups.get(d) ?? [d]) outcomes.set(m, code);
    return code;
  };
  const queue = queueOnClock(now, (w) => {
    onWake = w;
    return {
      arm: (d, armed) => {
        wakeAt = d;
        wakeArmed = armed;
      },
      disarm: () => {
        wakeAt = undefined;
        wakeArmed = undefined;
      },
      ...(o.fire
        ? {
            fire: (armed: ArmedSend) => {
              const refused = o.refuse?.();
              if (refused !== undefined) return refuse(armed.datagram, refused);
              return send(armed.datagram);
            },
          }
        : {}),
    };
  });
  queue.takeover = (requests) => ahead.push(requests.map((r) => r.dev));
  /** The registration's source address (the IPv4 header's or IPV6_PKTINFO's), as the address watch sets it. */
  let source: IpAddress = net.me;
  let counted = 0;
  const steps: { name: string; actions: readonly Action[] }[] = [];

  const make = (name: string, spec: InstanceSpec<string>): Instance<string> => {
    const kept = new Map<Uint8Array, ArmedDatagram>();
    const io: InstanceIo<string> = {
      now,
      log: silent,
      destinations: o.peers ?? [net.group],
      sendTo: (payload, dst, armedSent) => {
        const a = armedSent && tokens.get(armedSent);
        // The socket counts a datagram the timer sent only when it is still the one it would send (VrrpSocket.send).
        if (a && a.payload === payload && a.dst === dst && a.src === source) counted++;
        else wire.push({ kind: 'js', name, payload, dst, src: source });
        return { ok: true };
      },
      armTakeover: (payload, dst) => {
        const old = kept.get(payload);
        const a = old && tokens.get(old);
        if (old && a && a.dst === dst && a.src === source) return old;
        const token = { name } as unknown as ArmedDatagram;
        tokens.set(token, { payload, dst, src: source });
        kept.set(payload, token);
        return token;
      },
      ...(o.group === false
        ? {}
        : {
            armGroup: (members: readonly ArmedDatagram[]) => {
              const token = { name } as unknown as ArmedDatagram;
              groups.set(token, [...members]);
              return token;
            },
            armedSent: (d: ArmedDatagram) => (outcomes.get(d) ?? 0) > 0,
          }),
      vipOps: {
        apply: async (state, vips) => vips.map(() => ok(state)),
        describe: (v) => v,
        ...(o.vipAhead ? { ahead: (vips: readonly string[]) => ({ dev: `${name}: ${vips.join(' ')}`, messages: [] }) } : {}),
      },
    };
    const inst = new Instance(spec, io);
    // What the router decides at each step, as the instance hands it its action list.
    const stepInto = inst.router.stepInto.bind(inst.router);
    inst.router.stepInto = (input, at, out) => {
      const actions: Action[] = [];
      stepInto(input, at, { push: (a: Action) => (actions.push(a), out.push(a)) });
      steps.push({ name, actions });
    };
    inst.onStateChange((e) => wire.push({ kind: 'state', name, to: e.to }));
    return inst;
  };

  return {
    net,
    wire,
    ahead,
    steps,
    make,
    get counted() {
      return counted;
    },
    get wakeAt() {
      return wakeAt;
    },
    /** The advert the wake source holds now, parsed, and its datagram's addresses (a group: its first member's). */
    armed(): (FakeArmed & { advert: Advert }) | undefined {
      return this.armedAll()?.[0];
    },
    /** Every datagram the wake source holds now (a group's members, in order), parsed. */
    armedAll(): (FakeArmed & { advert: Advert })[] | undefined {
      if (wakeArmed === undefined) return undefined;
      return (groups.get(wakeArmed.datagram) ?? [wakeArmed.datagram]).map((d) => {
        const a = tokens.get(d)!;
        const parsed = parseAdvert(a.payload, { family: net.family, src: a.src, dst: a.dst });
        if (!parsed.ok) throw new Error(parsed.error.detail);
        return { ...a, advert: parsed.value };
      });
    },
    setSource(src: IpAddress) {
      source = src;
    },
    advance(ms: number) {
      t += ms;
    },
    /**
     * The kernel timer expires `lateMs` after its deadline: timer.c sends the armed datagram (or
     * refuses with `refused`, an ARMED_* code) and then calls JavaScript with the outcome.
     */
    expire(o: { lateMs?: number; refused?: number } = {}) {
      if (wakeAt === undefined) throw new Error('no timer armed');
      t = wakeAt + (o.lateMs ?? 0.05);
      let outcome = 0;
      if (wakeArmed !== undefined && o.refused !== undefined) outcome = refuse(wakeArmed.datagram, o.refused);
      else if (wakeArmed !== undefined) outcome = send(wakeArmed.datagram);
      wakeAt = undefined;
      wakeArmed = undefined;
      onWake(outcome);
    },
  };
}

type Lab = ReturnType<typeof lab>;

/** A version over a family. */
interface Case {
  readonly v: 2 | 3;
  readonly net: Net;
}
type Over = Parameters<typeof routerConfig>[0];

const spec = ({ v, net }: Case, over: Over = {}): InstanceSpec<string> => ({
  router: (v === 2 ? routerConfig : routerConfigV3)({ priority: 90, family: net.family, primaryIp: net.me, vips: [net.vip], ...over }),
  vips: (over.vips ?? [net.vip]).map((a) => `${a}/${net.prefix}`),
  garpAddresses: [net.vip],
  garp: KEEPALIVED_GARP_DEFAULTS,
});

const heard = ({ v, net }: Case, at: number, over: Partial<Advert> = {}): ReceivedAdvert => ({
  advert: (v === 2 ? advert : advertV3)({ priority: 100, addresses: [net.vip], ...over }),
  ip: { family: net.family, src: net.master, dst: net.group, ttl: 255, tos: net.family === 'ipv4' ? 0xc0 : undefined, vrrp: new Uint8Array(0), ah: false },
  checksum: 'rfc',
  arrivedAt: at,
});

/** A backup of `name` that has heard the master once. */
function backup(l: Lab, c: Case, name = 'VI_1', over: Over = {}): Instance<string> {
  const inst = l.make(name, spec(c, { name, ...over }));
  inst.start();
  inst.receive(heard(c, 10_000, over.vrid === undefined ? {} : { vrid: over.vrid }));
  return inst;
}

/** The bytes of the router's own advert on the takeover step, emitted afresh (what JavaScript would have sent). */
function routerAdvertBytes(l: Lab, name: string, src: IpAddress): Uint8Array {
  const step = l.steps.filter((s) => s.name === name).at(-1)!;
  const send = step.actions.find((a) => a.kind === 'sendAdvert');
  if (send?.kind !== 'sendAdvert') throw new Error('the router sent no advert on this step');
  return emitAdvert(send.advert, send.advert.version === 2 ? undefined : { family: l.net.family, src, dst: l.net.group });
}

/** Expires the timer and checks: one datagram, from the kernel timer, byte for byte the router's advert, counted once. */
function takeOver(l: Lab, inst: Instance<string>, src = l.net.me): Advert {
  const counted = l.counted;
  const armed = l.armed();
  expect(armed).toBeDefined();
  const before = l.wire.length;
  l.expire();
  const out = l.wire.slice(before);
  expect(out.map((e) => e.kind)).toEqual(['timer', 'state']); // the advert first, then the state change
  expect(inst.state).toBe('MASTER');
  const sent = out[0] as Sent;
  expect(sent.payload).toEqual(routerAdvertBytes(l, inst.name, src));
  expect(sent.src).toBe(src);
  expect(sent.dst).toBe(l.net.group);
  expect(l.counted).toBe(counted + 1);
  expect(inst.router.counters.advertiseSent).toBe(1);
  return armed!.advert;
}

describe.each([
  { v: 2, net: IPV4, name: 'VRRPv2 over IPv4' },
  { v: 3, net: IPV4, name: 'VRRPv3 over IPv4' },
  { v: 3, net: IPV6, name: 'VRRPv3 over IPv6' },
] as const)('the armed takeover advert, $name', (c) => {
  const { net } = c;
  it("master loss: the kernel timer sends the router's own advert at the deadline, once, before JavaScript steps", () => {
    const l = lab(net);
    const inst = backup(l, c);
    expect(l.wakeAt).toBe(10_000 + inst.router.masterDownIntervalMs);
    expect(takeOver(l, inst)).toMatchObject({ vrid: 251, priority: 90, addresses: [net.vip] });
  });

  it('priority 0: armed again for Skew_Time, and sent then', () => {
    const l = lab(net);
    const inst = backup(l, c);
    l.advance(500);
    inst.receive(heard(c, 10_500, { priority: 0 }));
    expect(l.wakeAt).toBe(10_500 + inst.router.skewTimeMs);
    takeOver(l, inst);
  });

  it('re-armed when the priority changes (a tracker): the new priority is what leaves', () => {
    const l = lab(net);
    const inst = backup(l, c);
    inst.setTrackers([{ name: 'chk', weight: -10, healthy: false }]);
    expect(l.armed()?.advert.priority).toBe(80);
    expect(takeOver(l, inst).priority).toBe(80);
  });

  it(`re-armed when the source changes (${net.family === 'ipv4' ? 'the IPv4 header' : 'IPV6_PKTINFO'}, and the VRRPv3 checksum)`, () => {
    const l = lab(net);
    const inst = backup(l, c);
    l.setSource(net.newSource); // the address watch: the registration first, then the instance
    inst.setSource(net.newSource, 'address changed');
    expect(l.armed()?.src).toBe(net.newSource);
    takeOver(l, inst, net.newSource);
  });

  it('re-armed on a reload (new addresses), and after destinations change', () => {
    const l = lab(net);
    const inst = backup(l, c);
    inst.update(spec(c, { vips: [net.vip, net.otherVip] }), [net.group]);
    expect(l.armed()?.advert.addresses).toEqual([net.vip, net.otherVip]);
    expect(takeOver(l, inst).addresses).toEqual([net.vip, net.otherVip]);
  });

  it('not armed outside BACKUP: as MASTER, in FAULT, once stopped', async () => {
    const l = lab(net);
    const inst = backup(l, c);
    takeOver(l, inst);
    expect(l.wakeAt).toBeDefined(); // the Adver_Timer
    expect(l.armed()).toBeUndefined();
    inst.setLink(false);
    expect(inst.state).toBe('FAULT');
    expect(l.wakeAt).toBeUndefined();
    const other = backup(l, c, 'VI_2', { vrid: 2 });
    expect(l.armed()).toBeDefined();
    await other.stop();
    expect(l.wakeAt).toBeUndefined();
    expect(l.armed()).toBeUndefined();
  });

  it("the wake source holds the head's advert: when that deadline moves, the next instance's", () => {
    const l = lab(net);
    const a = backup(l, c, 'VI_A', { vrid: 1 });
    l.advance(100);
    const b = l.make('VI_B', spec(c, { name: 'VI_B', vrid: 2 }));
    b.start();
    b.receive(heard(c, 10_100, { vrid: 2 }));
    expect(l.armed()?.advert.vrid).toBe(1);
    l.advance(100);
    a.receive(heard(c, 10_200, { vrid: 1 })); // A's deadline moves after B's
    expect(l.armed()?.advert.vrid).toBe(2);
    takeOver(l, b);
    expect(a.state).toBe('BACKUP');
  });

  it('refused at expiry (a datagram waiting, socket closed, a failed send): JavaScript sends as it always did, once', () => {
    for (const refused of [-1, -2, -4]) {
      const l = lab(net);
      const inst = backup(l, c);
      const before = l.wire.length;
      l.expire({ refused });
      expect(l.wire.slice(before).map((e) => e.kind)).toEqual(['js', 'state']);
      const sent = l.wire[before] as Sent;
      expect(sent.payload).toEqual(routerAdvertBytes(l, inst.name, net.me));
      expect(inst.state).toBe('MASTER');
      expect(l.counted).toBe(0);
      expect(inst.router.counters.advertiseSent).toBe(1);
    }
  });

  it('more than STALL_MS late (refused): the sockets are read first, then JavaScript sends', async () => {
    const l = lab(net);
    const inst = backup(l, c);
    const before = l.wire.length;
    l.expire({ lateMs: 6, refused: -3 });
    expect(inst.state).toBe('BACKUP'); // waits for setImmediate, after this turn's I/O
    await new Promise((r) => setImmediate(r));
    expect(l.wire.slice(before).map((e) => e.kind)).toEqual(['js', 'state']);
  });
});

/** Two unicast peers of a family (a three-node cluster: the master and the third node). */
const peersOf = (net: Net): readonly IpAddress[] => (net.family === 'ipv4' ? [net.master, ip('192.168.50.3')] : [net.master, ip('fe80::3')]);

/** The router's own advert of the last step of `name`, emitted for `dst` (VRRPv3's checksum covers it). */
function routerAdvertTo(l: Lab, name: string, src: IpAddress, dst: IpAddress): Uint8Array {
  const step = l.steps.filter((s) => s.name === name).at(-1)!;
  const send = step.actions.find((a) => a.kind === 'sendAdvert');
  if (send?.kind !== 'sendAdvert') throw new Error('the router sent no advert on this step');
  return emitAdvert(send.advert, send.advert.version === 2 ? undefined : { family: l.net.family, src, dst });
}

describe.each([
  { v: 2, net: IPV4, name: 'VRRPv2 over IPv4' },
  { v: 3, net: IPV4, name: 'VRRPv3 over IPv4' },
  { v: 3, net: IPV6, name: 'VRRPv3 over IPv6' },
] as const)('unicast peers: the takeover advert to every peer at the expiry, $name', (c) => {
  const { net } = c;
  const peers = peersOf(net);

  it("the wake source holds one datagram per peer; at expiry each peer gets the router's advert from the kernel timer, once, before JavaScript steps", () => {
    const l = lab(net, { peers });
    const inst = backup(l, c);
    expect(l.armedAll()?.map((a) => a.dst)).toEqual(peers);
    l.armedAll()!.forEach((a) => expect(a.advert).toMatchObject({ vrid: 251, priority: 90, addresses: [net.vip] }));
    const before = l.wire.length;
    l.expire();
    const out = l.wire.slice(before);
    expect(out.map((e) => e.kind)).toEqual(['timer', 'timer', 'state']);
    expect(out.slice(0, 2).map((e) => (e as Sent).dst)).toEqual(peers);
    for (const e of out.slice(0, 2) as Sent[]) expect(e.payload).toEqual(routerAdvertTo(l, inst.name, net.me, e.dst));
    expect(l.counted).toBe(2); // the router's adverts met the datagrams sent: counted, not sent again
    expect(inst.state).toBe('MASTER');
  });

  it("then the master's adverts go to every peer, from JavaScript (no train here), each once per interval", () => {
    const l = lab(net, { peers });
    backup(l, c);
    l.expire();
    const before = l.wire.length;
    l.expire(); // the Adver_Timer
    expect(l.wire.slice(before).map((e) => `${e.kind} ${(e as Sent).dst}`)).toEqual(peers.map((p) => `js ${p}`));
  });

  it('one peer\'s send failed at the expiry: that peer\'s advert from JavaScript, the other not sent again', () => {
    const l = lab(net, { peers, failTo: peers[0] });
    const inst = backup(l, c);
    const before = l.wire.length;
    l.expire();
    expect(l.wire.slice(before).map((e) => `${e.kind} ${(e as Sent).dst ?? ''}`)).toEqual([`timer ${peers[1]}`, `js ${peers[0]}`, 'state ']);
    expect((l.wire[before + 1] as Sent).payload).toEqual(routerAdvertTo(l, inst.name, net.me, peers[0]!));
    expect(l.counted).toBe(1);
  });

  it('refused at expiry (a datagram waiting, closed, failed): JavaScript sends to every peer, once', () => {
    for (const refused of [-1, -2, -4]) {
      const l = lab(net, { peers });
      backup(l, c);
      const before = l.wire.length;
      l.expire({ refused });
      expect(l.wire.slice(before).map((e) => `${e.kind} ${(e as Sent).dst ?? ''}`)).toEqual([...peers.map((p) => `js ${p}`), 'state ']);
      expect(l.counted).toBe(0);
    }
  });

  it('more than STALL_MS late (refused): the sockets first, then JavaScript to every peer', async () => {
    const l = lab(net, { peers });
    backup(l, c);
    const before = l.wire.length;
    l.expire({ lateMs: 6, refused: -3 });
    await new Promise((r) => setImmediate(r));
    expect(l.wire.slice(before).map((e) => `${e.kind} ${(e as Sent).dst ?? ''}`)).toEqual([...peers.map((p) => `js ${p}`), 'state ']);
  });

  it('without armGroup (an addon that predates it): the first peer armed, the others from JavaScript, each once', () => {
    const l = lab(net, { peers, group: false });
    backup(l, c);
    expect(l.armedAll()?.map((a) => a.dst)).toEqual([peers[0]]);
    const before = l.wire.length;
    l.expire();
    expect(l.wire.slice(before).map((e) => `${e.kind} ${(e as Sent).dst ?? ''}`)).toEqual([`timer ${peers[0]}`, `js ${peers[1]}`, 'state ']);
    expect(l.counted).toBe(1);
  });

  it('re-armed for every peer when the priority changes, and kept (the same datagrams) when a master advert only restarts the timer', () => {
    const l = lab(net, { peers });
    const inst = backup(l, c);
    const first = l.armedAll()!;
    l.advance(1000);
    inst.receive(heard(c, 11_000));
    expect(l.armedAll()!.map((a) => a.payload)).toEqual(first.map((a) => a.payload));
    inst.setTrackers([{ name: 'chk', weight: -10, healthy: false }]);
    expect(l.armedAll()!.map((a) => [a.dst, a.advert.priority])).toEqual(peers.map((p) => [p, 80]));
  });
});

describe('unicast peers past ARMED_DESTINATIONS_MAX', () => {
  it('the first 64 peers from the kernel timer, the rest from JavaScript, each once', () => {
    const c: Case = { v: 2, net: IPV4 };
    const peers = Array.from({ length: ARMED_DESTINATIONS_MAX + 2 }, (_, i) => ip(`192.168.51.${i + 1}`));
    const l = lab(IPV4, { peers });
    backup(l, c);
    expect(l.armedAll()).toHaveLength(ARMED_DESTINATIONS_MAX);
    const before = l.wire.length;
    l.expire();
    const sends = l.wire.slice(before).filter((e): e is Sent => e.kind !== 'state');
    expect(sends.map((e) => e.dst)).toEqual(peers);
    expect(sends.map((e) => e.kind)).toEqual([...peers.slice(0, ARMED_DESTINATIONS_MAX).map(() => 'timer'), 'js', 'js']);
    expect(l.counted).toBe(ARMED_DESTINATIONS_MAX);
  });
});

describe('every due backup sent by the queue, and its addresses ahead (Wake.fire, DeadlineQueue.takeover)', () => {
  const c: Case = { v: 2, net: IPV4 };

  /** Two backups whose Master_Down deadlines are 2 ms apart. */
  function pair(l: Lab): [Instance<string>, Instance<string>] {
    const a = backup(l, c, 'VI_A', { vrid: 1 });
    l.advance(2);
    const b = l.make('VI_B', spec(c, { name: 'VI_B', vrid: 2 }));
    b.start();
    b.receive(heard(c, 10_002, { vrid: 2 }));
    return [a, b];
  }

  it('a late wake-up (the head refused for lateness): both adverts leave before any step, their addresses next, each counted once', () => {
    const l = lab(IPV4, { fire: true, vipAhead: true });
    const [a, b] = pair(l);
    const before = l.wire.length;
    l.expire({ lateMs: 20, refused: -3 }); // both due; the kernel timer refused the head (ARMED_LATE)
    expect(l.wire.slice(before).map((e) => `${e.kind} ${e.name}`)).toEqual(['timer VI_A', 'timer VI_B', 'state VI_A', 'state VI_B']);
    expect(l.ahead).toEqual([[`VI_A: ${IPV4.vip}/24`, `VI_B: ${IPV4.vip}/24`]]);
    expect([a.state, b.state]).toEqual(['MASTER', 'MASTER']);
    expect(l.counted).toBe(2); // the router's adverts met the datagrams sent: not sent again
    expect(a.router.counters.advertiseSent + b.router.counters.advertiseSent).toBe(2);
  });

  it('the head sent by the kernel timer, the other due slot by the queue: one call with both address lists', () => {
    const l = lab(IPV4, { fire: true, vipAhead: true });
    pair(l);
    const before = l.wire.length;
    l.expire({ lateMs: 2.5 }); // the head sent at expiry; VI_B fell due 0.5 ms ago
    expect(l.wire.slice(before).map((e) => `${e.kind} ${e.name}`)).toEqual(['timer VI_A', 'timer VI_B', 'state VI_A', 'state VI_B']);
    expect(l.ahead).toHaveLength(1);
    expect(l.ahead[0]).toHaveLength(2);
    expect(l.counted).toBe(2);
  });

  it('a datagram waiting (refused): no address ahead, and the late timeout waits for the sockets as before', async () => {
    const l = lab(IPV4, { fire: true, vipAhead: true, refuse: () => -1 });
    const [a, b] = pair(l);
    l.expire({ lateMs: 20, refused: -1 });
    expect(l.ahead).toEqual([]);
    expect([a.state, b.state]).toEqual(['BACKUP', 'BACKUP']); // each goes through `later`: a pending advert is read first
    a.receive(heard(c, 10_000 + 3648, { vrid: 1 })); // the master's advert was waiting: VI_A stays backup
    await new Promise((r) => setImmediate(r));
    expect(a.state).toBe('BACKUP');
    expect(b.state).toBe('MASTER');
    expect(l.counted).toBe(0);
  });

  it('without ahead requests (not addresses only, a record not written): the adverts still go first, nothing ahead', () => {
    const l = lab(IPV4, { fire: true });
    const [a, b] = pair(l);
    l.expire({ lateMs: 20, refused: -3 });
    expect(l.ahead).toEqual([]);
    expect([a.state, b.state]).toEqual(['MASTER', 'MASTER']);
    expect(l.counted).toBe(2);
  });

  it('unicast peers: a late wake-up sends each due backup\'s advert to every peer through Wake.fire, each once', () => {
    const peers = peersOf(IPV4);
    const l = lab(IPV4, { fire: true, peers });
    const [a, b] = pair(l);
    const before = l.wire.length;
    l.expire({ lateMs: 20, refused: -3 });
    expect(l.wire.slice(before).map((e) => `${e.kind} ${e.name} ${(e as Sent).dst ?? ''}`)).toEqual([
      ...peers.map((p) => `timer VI_A ${p}`),
      ...peers.map((p) => `timer VI_B ${p}`),
      'state VI_A ',
      'state VI_B ',
    ]);
    expect([a.state, b.state]).toEqual(['MASTER', 'MASTER']);
    expect(l.counted).toBe(4);
  });

  it('a backup whose deadline has not come is neither sent nor given addresses', () => {
    const l = lab(IPV4, { fire: true, vipAhead: true });
    const [a, b] = pair(l);
    l.expire({ lateMs: 1 }); // VI_B is due 1 ms later
    expect(a.state).toBe('MASTER');
    expect(b.state).toBe('BACKUP');
    expect(l.ahead).toEqual([[`VI_A: ${IPV4.vip}/24`]]);
    expect(l.wire.filter((e) => e.kind === 'timer').map((e) => e.name)).toEqual(['VI_A']);
  });
});
