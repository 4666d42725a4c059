import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Instance, type InstanceIo, type StateEvent } from '../../../src/daemon/instance.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../../../src/io/garp-schedule.js';
import { err, ok } from '../../../src/result.js';
import { parseAdvert } from '../../../src/wire/advert.js';
import type { ReceivedAdvert } from '../../../src/io/vrrp-mux.js';
import type { Advert } from '../../../src/wire/types.js';
import { advert, advertV3, ip, routerConfig, routerConfigV3, VIP } from '../../helpers/router-fixtures.js';
import { advertChecksumOk } from '../../../src/wire/advert.js';
import { VRRP_MCAST_GROUP4 } from '../../../src/wire/constants.js';

const GROUP = ip('224.0.0.18');
/** An advert as the interface mux hands it over. */
const from = (a: Advert, src: string): ReceivedAdvert => ({ advert: a, ip: { family: 'ipv4', src: ip(src), dst: GROUP, ttl: 255, tos: 0xc0, vrrp: new Uint8Array(0), ah: false }, checksum: 'rfc' });

const silent = pino({ level: 'silent' });

function fakeIo(opts: { failAdds?: number } = {}) {
  const sent: { t: number; priority: number }[] = [];
  const ipCalls: string[] = [];
  const garps: { t: number; count: number }[] = [];
  let failAdds = opts.failAdds ?? 0;
  const io: InstanceIo<string> = {
    now: () => Date.now(),
    log: silent,
    destinations: [GROUP],
    sendTo: (payload, dst) => {
      const a = parseAdvert(payload, { family: 'ipv4', src: ip('192.168.50.2'), dst });
      if (a.ok) sent.push({ t: Date.now(), priority: a.value.priority });
      return { ok: true };
    },
    vipOps: {
      apply: async (state, vips) =>
        vips.map((v) => {
          ipCalls.push(`${state === 'present' ? 'add' : 'del'} ${v}`);
          if (state === 'present' && failAdds > 0) {
            failAdds--;
            return err({ detail: 'RTNETLINK answers: Operation not permitted' });
          }
          return ok(state === 'present' ? 'added' : 'removed');
        }),
      describe: (v) => v,
    },
    garp: async (addresses, count) => {
      garps.push({ t: Date.now(), count });
      return { sent: addresses.length * count, failed: 0 };
    },
  };
  return { io, sent, ipCalls, garps };
}

const spec = (over: Parameters<typeof routerConfig>[0] = {}) => ({
  router: routerConfig({ priority: 100, ...over }),
  vips: [`${VIP}/24`],
  garpAddresses: [VIP],
  garp: KEEPALIVED_GARP_DEFAULTS,
});

describe('Instance: the router wired to (fake) I/O and real timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('its addresses\' requests are prepared when it is made and when a reload changes them, not at the takeover', async () => {
    const { io, ipCalls } = fakeIo();
    const prepared: string[] = [];
    const inst = new Instance(spec(), { ...io, vipOps: { ...io.vipOps, prepare: (vips) => void prepared.push(vips.join()) } });
    expect(prepared).toEqual([`${VIP}/24`]);
    inst.start();
    await vi.advanceTimersByTimeAsync(3611);
    expect(inst.state).toBe('MASTER');
    expect(ipCalls).toEqual([`add ${VIP}/24`]);
    expect(prepared).toEqual([`${VIP}/24`]);
    inst.update({ ...spec(), vips: [`${VIP}/24`, '192.168.50.201/24'] }, [GROUP]);
    expect(prepared).toEqual([`${VIP}/24`, `${VIP}/24,192.168.50.201/24`]);
    await inst.stop();
  });

  it('alone on the LAN: master after Master_Down_Interval, VIP added, adverts every second, GARP 5 + 5', async () => {
    const { io, sent, ipCalls, garps } = fakeIo();
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3609);
    expect(inst.state).toBe('BACKUP');
    await vi.advanceTimersByTimeAsync(2);
    expect(inst.state).toBe('MASTER');
    expect(ipCalls).toEqual([`add ${VIP}/24`]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(sent.map((s) => s.priority)).toEqual([100, 100, 100, 100]);
    expect(sent[1]!.t - sent[0]!.t).toBe(1000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(garps.map((g) => g.count)).toEqual([5, 5]);
    expect(garps[1]!.t - garps[0]!.t).toBe(5000);
  });

  it('a master sends inside its timer callback, the same payload object every second until the advert changes', async () => {
    const { io } = fakeIo();
    const payloads: Uint8Array[] = [];
    const inst = new Instance(spec(), { ...io, sendTo: (payload) => (payloads.push(payload), { ok: true }) });
    inst.start();
    await vi.advanceTimersByTimeAsync(3611);
    expect(inst.state).toBe('MASTER');
    expect(payloads).toHaveLength(1); // the takeover's advert left within the timer's turn
    await vi.advanceTimersByTimeAsync(2000);
    expect(payloads).toHaveLength(3);
    expect(payloads[2]).toBe(payloads[0]);
    inst.setTrackers([{ name: 'chk', weight: -10, healthy: false }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(payloads.at(-1)).not.toBe(payloads[0]);
    expect(parseAdvert(payloads.at(-1)!, { family: 'ipv4', src: ip('192.168.50.2'), dst: GROUP })).toMatchObject({ ok: true, value: { priority: 90 } });
  });

  it('a backup prepares its takeover advert ahead: the timeout sends the prepared bytes', async () => {
    const { io } = fakeIo();
    const prepared: Uint8Array[] = [];
    const payloads: Uint8Array[] = [];
    const inst = new Instance(spec({ priority: 90 }), { ...io, prepare: (payload) => void prepared.push(payload), sendTo: (payload) => (payloads.push(payload), { ok: true }) });
    inst.start();
    for (let i = 0; i < 3; i++) {
      inst.receive(from(advert({ priority: 100 }), '192.168.50.1'));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(prepared).toHaveLength(1); // once, not per received advert
    inst.setTrackers([{ name: 'chk', weight: -10, healthy: false }]); // priority 80: prepared again
    expect(prepared).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(inst.state).toBe('MASTER');
    expect(payloads[0]).toBe(prepared[1]);
    expect(parseAdvert(payloads[0]!, { family: 'ipv4', src: ip('192.168.50.2'), dst: GROUP })).toMatchObject({ ok: true, value: { priority: 80 } });
  });

  it('a failed send is counted and logged, and the next advert still goes', async () => {
    const { io } = fakeIo();
    let fail = true;
    const inst = new Instance(spec(), { ...io, sendTo: () => (fail ? { ok: false, error: { detail: 'Network is down' } } : { ok: true }) });
    inst.start();
    await vi.advanceTimersByTimeAsync(3611);
    expect(inst.facts().io.advertSendErrors).toBe(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(inst.facts().io.advertSendErrors).toBe(1);
  });

  it('an advert from a better master keeps it backup; its loss makes it master', async () => {
    const { io } = fakeIo();
    const inst = new Instance(spec({ priority: 90 }), io);
    inst.start();
    for (let i = 0; i < 5; i++) {
      inst.receive(from(advert({ priority: 100 }), '192.168.50.1'));
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(inst.state).toBe('BACKUP');
    await vi.advanceTimersByTimeAsync(2700);
    expect(inst.state).toBe('MASTER');
  });

  it.each([
    ['reads the adverts waiting in this turn first: a stalled process does not take over', true],
    ['still takes over when no advert came during the stall', false],
  ])('a backup whose Master_Down timer fires late %s', async (_title, advertWaiting) => {
    {
      const { io, sent } = fakeIo();
      let stall = 0;
      const inst = new Instance(spec({ priority: 90 }), { ...io, now: () => Date.now() + stall });
      inst.start();
      inst.receive(from(advert({ priority: 100 }), '192.168.50.1'));
      await vi.advanceTimersByTimeAsync(3000);
      stall = 1500; // the process did not run for 1.5 s: the timer fires 1.5 s late
      vi.advanceTimersToNextTimer(); // the timer's turn...
      // ...in which the master's advert, received during the stall, is also ready
      if (advertWaiting) inst.receive(from(advert({ priority: 100 }), '192.168.50.1'));
      await vi.advanceTimersByTimeAsync(1);
      expect(inst.state).toBe(advertWaiting ? 'BACKUP' : 'MASTER');
      expect(sent.length).toBe(advertWaiting ? 0 : 1); // never master, not even for a moment
      await inst.stop();
    }
  });

  it('stop as master: priority 0 sent and VIP removed before stop() resolves', async () => {
    const { io, sent, ipCalls } = fakeIo();
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(4000);
    await inst.stop();
    expect(sent.at(-1)!.priority).toBe(0);
    expect(ipCalls.at(-1)).toBe(`del ${VIP}/24`);
    expect(inst.state).toBe('INIT');
  });

  it('a failing `ip addr add` is retried with backoff until it works', async () => {
    const { io, ipCalls, garps } = fakeIo({ failAdds: 2 });
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3700);
    expect(ipCalls).toEqual([`add ${VIP}/24`]);
    expect(inst.facts().vipsSettled).toBe(false);
    await vi.advanceTimersByTimeAsync(500); // first retry after 0.5 s
    await vi.advanceTimersByTimeAsync(1000); // second after 1 s more
    expect(ipCalls).toEqual([`add ${VIP}/24`, `add ${VIP}/24`, `add ${VIP}/24`]);
    expect(inst.facts().vipsSettled).toBe(true);
    expect(garps.length).toBeGreaterThan(0);
  });

  it('a listener stepping the instance again waits for the current actions (no stale VIP add)', async () => {
    const { io, ipCalls } = fakeIo();
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3609);
    // Two masters for a moment: a better one is heard before our first advert has even left.
    inst.onStateChange((e) => {
      if (e.to === 'MASTER') inst.receive(from(advert({ priority: 200 }), '192.168.50.9'));
    });
    await vi.advanceTimersByTimeAsync(2);
    expect(inst.state).toBe('BACKUP');
    await vi.advanceTimersByTimeAsync(1000); // less than Master_Down_Interval: still BACKUP
    expect(inst.state).toBe('BACKUP');
    expect(ipCalls.at(-1)).not.toBe(`add ${VIP}/24`);
    expect(inst.facts().vipsSettled).toBe(true);
  });

  it('stepping down right after taking over leaves the VIP absent (the last wish wins)', async () => {
    const { io, ipCalls } = fakeIo();
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3610);
    expect(inst.state).toBe('MASTER');
    inst.receive(from(advert({ priority: 200 }), '192.168.50.9'));
    expect(inst.state).toBe('BACKUP');
    await vi.advanceTimersByTimeAsync(1000); // less than Master_Down_Interval: still BACKUP
    expect(inst.state).toBe('BACKUP');
    expect(ipCalls.at(-1)).not.toBe(`add ${VIP}/24`);
    expect(inst.facts().vipsSettled).toBe(true);
  });

  it('state changes reach listeners with the priority', async () => {
    const { io } = fakeIo();
    const inst = new Instance(spec(), io);
    const events: string[] = [];
    inst.onStateChange((e) => events.push(`${e.from}->${e.to}@${e.priority}`));
    inst.start();
    await vi.advanceTimersByTimeAsync(4000);
    inst.setTrackers([{ name: 'chk', weight: 0, healthy: false }]);
    expect(events).toEqual(['INIT->BACKUP@100', 'BACKUP->MASTER@100', 'MASTER->FAULT@100']);
  });
});

describe('Instance: a mass takeover (many Master_Down timers in one wake-up)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  /** Backups on one clock (so one deadline queue), logging every effect in one list, with the time. */
  function backups(names: readonly string[], opts: { listener?: (e: StateEvent, all: Map<string, Instance<string>>) => void } = {}) {
    const now = (): number => Date.now();
    const effects: string[] = [];
    const all = new Map<string, Instance<string>>();
    names.forEach((name, i) => {
      const address = ip(`192.168.50.${101 + i}`);
      const io: InstanceIo<string> = {
        now,
        log: silent,
        destinations: [GROUP],
        sendTo: (payload) => {
          effects.push(`${Date.now()} advert ${name} priority ${payload[2]}`);
          return { ok: true };
        },
        vipOps: {
          apply: async (state, vips) => {
            effects.push(`${Date.now()} ${state} ${vips.join()}`);
            return vips.map(() => ok(state === 'present' ? 'added' : 'removed'));
          },
          describe: (v) => v,
        },
        garp: async (addresses, count) => {
          effects.push(`${Date.now()} garp ${addresses.join()} x${count}`);
          return { sent: addresses.length * count, failed: 0 };
        },
      };
      const inst = new Instance({ router: routerConfig({ name, vrid: i + 1, priority: 100, vips: [address] }), vips: [`${address}/32`], garpAddresses: [address], garp: KEEPALIVED_GARP_DEFAULTS }, io);
      inst.onStateChange((e) => {
        effects.push(`${Date.now()} ${e.from}->${e.to} ${name}`);
        opts.listener?.(e, all);
      });
      all.set(name, inst);
    });
    return { all, effects };
  }

  it('every advert of the wake-up leaves first, then the addresses, then the state changes, then the GARPs', async () => {
    const { all, effects } = backups(['A', 'B', 'C']);
    for (const inst of all.values()) inst.start();
    effects.length = 0; // INIT -> BACKUP
    // Master_Down_Interval = 3 * 1 s + (256 - 100) / 256 s = 3609.375 ms, the same for all three.
    await vi.advanceTimersByTimeAsync(3609);
    expect(effects).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(effects.slice(0, 12)).toEqual([
      '3610 advert A priority 100',
      '3610 advert B priority 100',
      '3610 advert C priority 100',
      '3610 present 192.168.50.101/32',
      '3610 present 192.168.50.102/32',
      '3610 present 192.168.50.103/32',
      '3610 BACKUP->MASTER A',
      '3610 BACKUP->MASTER B',
      '3610 BACKUP->MASTER C',
      '3610 garp 192.168.50.101 x5',
      '3610 garp 192.168.50.102 x5',
      '3610 garp 192.168.50.103 x5',
    ]);
  });

  it("an instance stepped by another's listener first performs what its own timeout left, then the new input", async () => {
    // A sync-group-like listener: A becoming master sends C to FAULT at once (C timed out in the same wake-up).
    const { all, effects } = backups(['A', 'B', 'C'], {
      listener: (e, insts) => {
        if (e.instance === 'A' && e.to === 'MASTER') insts.get('C')!.sync({ kind: 'sync', to: 'FAULT', detail: 'test' });
      },
    });
    for (const inst of all.values()) inst.start();
    effects.length = 0;
    await vi.advanceTimersByTimeAsync(3610);
    const c = effects.filter((e) => e.includes(' C') || e.includes('.103'));
    // C asked for its address in the batch's first tier, before A's listener ran; then C steps down.
    expect(c.slice(0, 5)).toEqual(['3610 advert C priority 100', '3610 present 192.168.50.103/32', '3610 BACKUP->MASTER C', '3610 advert C priority 0', '3610 MASTER->FAULT C']);
    expect(all.get('C')!.state).toBe('FAULT');
    expect(c.filter((e) => e.includes('.103')).at(-1)).toBe('3610 absent 192.168.50.103/32'); // the last wish wins
    expect(c.some((e) => e.includes('garp'))).toBe(false);
  });
});

describe('Instance.update: a reload keeping the instance (in place)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  const OTHER = ip('192.168.50.101');
  const THIRD = ip('192.168.50.102');

  it('a master keeps the addresses in both lists untouched, removes the dropped one, adds and announces the new one; no priority 0', async () => {
    const { io, sent, ipCalls, garps } = fakeIo();
    const two = { ...spec(), vips: [`${VIP}/24`, `${OTHER}/24`], garpAddresses: [VIP, OTHER] };
    const inst = new Instance(two, io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3611 + 10_000); // master, first GARP rounds done
    expect(inst.state).toBe('MASTER');
    ipCalls.length = 0;
    garps.length = 0;
    const next = { ...spec({ priority: 50, vips: [VIP, THIRD] }), vips: [`${VIP}/24`, `${THIRD}/24`], garpAddresses: [VIP, THIRD] };
    inst.update(next, [GROUP]);
    await vi.advanceTimersByTimeAsync(1500);
    expect(inst.state).toBe('MASTER');
    expect(ipCalls).toEqual([`del ${OTHER}/24`, `add ${THIRD}/24`]);
    expect(garps.map((g) => g.count)).toEqual([5]); // one burst, for the new address
    expect(sent.map((s) => s.priority)).not.toContain(0);
    expect(sent.at(-1)!.priority).toBe(50);
    expect(inst.facts().vips.map((v) => [v.vip, v.present])).toEqual([[`${VIP}/24`, true], [`${THIRD}/24`, true]]);
    ipCalls.length = 0;
    await inst.stop();
    expect(ipCalls).toEqual([`del ${THIRD}/24`, `del ${VIP}/24`]);
  });

  it('a backup only learns the new lists: nothing is added until it is master (a dropped address is deleted in case it was left behind)', async () => {
    const { io, ipCalls } = fakeIo();
    const inst = new Instance(spec({ priority: 90 }), io);
    inst.start();
    inst.receive(from(advert({ priority: 100 }), '192.168.50.1'));
    inst.update({ ...spec({ priority: 90, vips: [OTHER] }), vips: [`${OTHER}/24`], garpAddresses: [OTHER] }, [GROUP]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ipCalls).toEqual([`del ${VIP}/24`]);
    ipCalls.length = 0;
    await vi.advanceTimersByTimeAsync(3000);
    expect(inst.state).toBe('MASTER');
    expect(ipCalls).toEqual([`add ${OTHER}/24`]);
    await inst.stop();
  });

  it('new unicast destinations take effect from the next advert', async () => {
    const { io } = fakeIo();
    const dsts: string[] = [];
    const inst = new Instance(spec(), { ...io, sendTo: (_p, dst) => (dsts.push(dst), { ok: true }) });
    inst.start();
    await vi.advanceTimersByTimeAsync(3611);
    inst.update(spec(), [ip('192.168.50.7'), ip('192.168.50.8')]);
    dsts.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(dsts).toEqual(['192.168.50.7', '192.168.50.8']);
    await inst.stop();
  });
});

describe('Instance facts: io counters, transitions by reason, VIPs in place', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('counts failed `ip addr add` and gratuitous ARPs, and knows when the VIP is in place', async () => {
    const { io } = fakeIo({ failAdds: 1 });
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3700);
    let f = inst.facts();
    expect(f.vips).toEqual([{ vip: `${VIP}/24`, present: false, error: 'RTNETLINK answers: Operation not permitted' }]);
    expect(f.io.vipAddFailures).toBe(1);
    await vi.advanceTimersByTimeAsync(600); // the retry succeeds, then the first GARP burst
    f = inst.facts();
    expect(f.vips).toEqual([{ vip: `${VIP}/24`, present: true }]);
    expect(f.io).toMatchObject({ vipAddFailures: 1, garpSent: 5, garpFailures: 0, advertSendErrors: 0 });
    expect(f.transitions).toEqual([
      { from: 'INIT', to: 'BACKUP', reason: 'startup', count: 1 },
      { from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer', count: 1 },
    ]);
    expect(f.router.counters.becomeMaster).toBe(1);
    await inst.stop();
    expect(inst.facts().vips[0]!.present).toBe(false);
  });

  it('counts a transition seen again, and a facts() taken earlier keeps its counts', async () => {
    const { io } = fakeIo();
    const inst = new Instance(spec(), io);
    inst.start();
    await vi.advanceTimersByTimeAsync(3700);
    const before = inst.facts().transitions;
    inst.setLink(false);
    inst.setLink(true);
    await vi.advanceTimersByTimeAsync(3700);
    const after = inst.facts().transitions;
    expect(after.find((t) => t.from === 'BACKUP' && t.to === 'MASTER' && t.reason === 'master-down-timer')?.count).toBe(2);
    expect(after.filter((t) => t.from === 'BACKUP' && t.to === 'MASTER')).toHaveLength(1);
    expect(before).toEqual([
      { from: 'INIT', to: 'BACKUP', reason: 'startup', count: 1 },
      { from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer', count: 1 },
    ]);
    await inst.stop();
  });

  it('reports every timer fire with its lateness, and counts the late ones', async () => {
    const { io } = fakeIo();
    const lateness: number[] = [];
    let skew = 0;
    const inst = new Instance(spec(), { ...io, now: () => Date.now() + skew, onTimer: (ms) => lateness.push(ms) });
    inst.start();
    await vi.advanceTimersByTimeAsync(3700);
    expect(lateness.length).toBe(1);
    expect(lateness[0]).toBeLessThan(5);
    skew = 150; // the clock jumps: the next advert timer fires 150 ms late
    await vi.advanceTimersByTimeAsync(1000);
    expect(inst.facts().io.timerLate).toBe(1);
  });
});

describe('Instance: keepalived\'s unicast checksum rule (VRRPv3, old_unicast_checksum)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  const PEER = ip('192.168.50.1');
  const ME = ip('192.168.50.2');
  /** A VRRPv3 unicast master-to-be; records each advert's checksum style as the peer sees it. */
  function unicastV3(mode: 'auto' | 'never' | 'always') {
    const styles: string[] = [];
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(String((JSON.parse(line) as { msg: string }).msg)) });
    const { io } = fakeIo();
    const uio: InstanceIo<string> = {
      ...io,
      log,
      destinations: [PEER],
      sendTo: (payload, dst) => {
        const rfc = advertChecksumOk(payload, 3, { family: 'ipv4', src: ME, dst });
        const old = advertChecksumOk(payload, 3, { family: 'ipv4', src: ME, dst: VRRP_MCAST_GROUP4 });
        styles.push(rfc ? 'rfc' : old ? 'old' : 'bad');
        return { ok: true };
      },
    };
    const inst = new Instance({ ...spec(), router: routerConfigV3({ priority: 100, primaryIp: ME }), oldUnicastChecksum: { mode, group: VRRP_MCAST_GROUP4 } }, uio);
    return { inst, styles, warnings };
  }
  const oldStyle = (priority: number): ReceivedAdvert => ({ ...from(advertV3({ priority }), '192.168.50.1'), checksum: 'old-unicast' });

  it("'auto': RFC checksums to the peer until it sends the old style; then old-style, logged once", async () => {
    const { inst, styles, warnings } = unicastV3('auto');
    inst.start();
    await vi.advanceTimersByTimeAsync(5700); // master, a few adverts
    expect(inst.state).toBe('MASTER');
    expect(new Set(styles)).toEqual(new Set(['rfc']));
    const before = styles.length;
    inst.receive(oldStyle(50)); // a lower priority: the master answers at once
    inst.receive(oldStyle(50));
    await vi.advanceTimersByTimeAsync(2000);
    expect(styles.length).toBeGreaterThan(before + 2);
    expect(new Set(styles.slice(before))).toEqual(new Set(['old']));
    expect(warnings.filter((w) => /old-style VRRPv3 unicast checksum detected/.test(w))).toHaveLength(1);
  });

  it("'never' keeps RFC checksums (such a peer's adverts never get this far); 'always' sends the old style from the first advert", async () => {
    const never = unicastV3('never');
    never.inst.start();
    never.inst.receive(oldStyle(50));
    await vi.advanceTimersByTimeAsync(5700);
    expect(new Set(never.styles)).toEqual(new Set(['rfc']));
    expect(never.warnings).toEqual([]);
    const always = unicastV3('always');
    always.inst.start();
    await vi.advanceTimersByTimeAsync(5700);
    expect(always.styles.length).toBeGreaterThan(1);
    expect(new Set(always.styles)).toEqual(new Set(['old']));
  });
});
