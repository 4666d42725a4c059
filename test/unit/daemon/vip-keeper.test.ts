/**
 * VipKeeper (src/daemon/vip-keeper.ts): one apply per pass, entries added in their order and
 * removed in reverse (keepalived: firewall, addresses, routes, rules in; the other way out).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/daemon/log.js';
import { err, ok } from '../../../src/result.js';
import { VipKeeper } from '../../../src/daemon/vip-keeper.js';

const quiet = createLogger({ level: 'silent' });

describe('VipKeeper', () => {
  it('adds in order and removes in reverse, one apply per pass, each outcome matched to its entry', async () => {
    const calls: string[] = [];
    const keeper = new VipKeeper(['drop', 'addr', 'route'], {
      apply: (state, entries) => {
        calls.push(`${state}: ${entries.join(' ')}`);
        return Promise.resolve(entries.map(() => ok('done')));
      },
      describe: (e) => e,
    }, quiet);
    await keeper.want('present');
    expect(keeper.settled).toBe(true);
    await keeper.want('absent');
    expect(calls).toEqual(['present: drop addr route', 'absent: route addr drop']);
    keeper.stop();
  });

  it('replace (a reload): entries in both lists untouched, dropped ones removed in reverse, new ones added; a failure retries the whole wish', async () => {
    const calls: string[] = [];
    let failNext = false;
    const keeper = new VipKeeper(['a', 'b', 'c'], {
      apply: (state, entries) => {
        calls.push(`${state}: ${entries.join(' ')}`);
        const fail = failNext && state === 'present';
        if (fail) failNext = false;
        return Promise.resolve(entries.map(() => (fail ? err({ detail: 'RTNETLINK answers: Operation not permitted' }) : ok('done'))));
      },
      describe: (e) => e,
    }, quiet);
    await keeper.want('present');
    calls.length = 0;
    expect(await keeper.replace(['a', 'd', 'e'], (e) => e)).toEqual(['d', 'e']);
    expect(calls).toEqual(['absent: c b', 'present: d e']);
    expect(keeper.settled).toBe(true);
    calls.length = 0;
    expect(await keeper.replace(['a', 'd', 'e'], (e) => e)).toEqual([]); // the same list: nothing to do
    failNext = true;
    expect(await keeper.replace(['a', 'f'], (e) => e)).toEqual([]);
    expect(keeper.settled).toBe(false);
    await new Promise((r) => setTimeout(r, 600)); // the retry after 0.5 s
    expect(calls).toEqual(['absent: e d', 'present: f', 'present: a f']);
    expect(keeper.settled).toBe(true);
    keeper.stop();
  });
});

describe('VipKeeper: a pass starts at once when none is in flight', () => {
  /** Operations whose apply is recorded when called and settles when `settle()` is called. */
  const held = () => {
    const calls: string[] = [];
    const waiting: (() => void)[] = [];
    const ops = {
      apply: (state: 'present' | 'absent', entries: readonly string[]) => {
        calls.push(`${state}: ${entries.join(' ')}`);
        return new Promise<ReturnType<typeof ok<string>>[]>((resolve) => waiting.push(() => resolve(entries.map(() => ok('done')))));
      },
      describe: (e: string) => e,
    };
    return { calls, ops, settle: () => waiting.splice(0).forEach((w) => w()) };
  };

  it('asks for its changes synchronously inside want() (they join the batch being gathered), and a wish during a pass waits for it', async () => {
    const h = held();
    const keeper = new VipKeeper(['a', 'b'], h.ops, quiet);
    const first = keeper.want('present');
    expect(h.calls).toEqual(['present: a b']); // no promise hop before the apply
    const second = keeper.want('absent');
    expect(h.calls).toEqual(['present: a b']); // behind the pass in flight
    h.settle();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(h.calls).toEqual(['present: a b', 'absent: b a']);
    h.settle();
    await second;
    expect(keeper.settled).toBe(true);
    keeper.stop();
  });

  it('with `before` (the routes\' keeper waiting for the VIPs), never synchronously; a pass that throws is logged, not fatal', async () => {
    const h = held();
    let gate!: () => void;
    const before = new Promise<void>((r) => (gate = r));
    const keeper = new VipKeeper(['r'], h.ops, quiet, () => before);
    const done = keeper.want('present');
    await new Promise((r) => setImmediate(r));
    expect(h.calls).toEqual([]);
    gate();
    await new Promise((r) => setImmediate(r));
    expect(h.calls).toEqual(['present: r']);
    h.settle();
    await done;
    const throwing = new VipKeeper(['x'], { apply: () => { throw new Error('bug'); }, describe: (e: string) => e }, quiet);
    await expect(throwing.want('present')).resolves.toBeUndefined();
    expect(throwing.settled).toBe(false);
    keeper.stop();
    throwing.stop();
  });
});

describe('VipKeeper: requests built ahead', () => {
  it('has its operations prepare the entries when it is made and at every new list, never on a takeover or a release', async () => {
    const prepared: string[] = [];
    const applied: string[] = [];
    const keeper = new VipKeeper(['a', 'b'], {
      apply: (state, entries) => {
        applied.push(`${state}: ${entries.join(' ')}`);
        return Promise.resolve(entries.map(() => ok('done')));
      },
      describe: (e) => e,
      prepare: (entries) => void prepared.push(entries.join(' ')),
    }, quiet);
    expect(prepared).toEqual(['a b']);
    await keeper.want('present');
    await keeper.want('absent');
    expect(prepared).toEqual(['a b']);
    await keeper.replace(['a', 'c'], (e) => e);
    expect(prepared).toEqual(['a b', 'a c']);
    expect(applied).toEqual(['present: a b', 'absent: b a']);
    keeper.stop();
  });
});

describe('VipKeeper.repair', () => {
  it('puts the addresses back while they are wanted; not when they are not', async () => {
    const calls: string[] = [];
    const keeper = new VipKeeper(['vip'], {
      apply: (state, entries) => {
        calls.push(`${state}: ${entries.join(' ')}`);
        return Promise.resolve(entries.map(() => ok('done')));
      },
      describe: (e) => e,
    }, quiet);
    await keeper.want('present');
    expect(await keeper.repair()).toBe(true);
    expect(keeper.settled).toBe(true);
    await keeper.want('absent');
    expect(await keeper.repair()).toBe(false);
    expect(calls).toEqual(['present: vip', 'present: vip', 'absent: vip']);
    keeper.stop();
  });
});
