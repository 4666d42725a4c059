/**
 * VipKeeper (src/daemon/vip-keeper.ts): one apply per pass, entries added in their order and
 * removed in reverse (keepalived: firewall, addresses, routes, rules in; the other way out).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/daemon/log.js';
import { ok } from '../../../src/result.js';
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
