/**
 * Issue 10: a bug (an exception) in one instance's handler is logged and contained; the instance's
 * advert timer and the other instances go on. Before, a throwing state listener escaped through the
 * timer callback to `uncaughtException`, which stopped the whole daemon.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Instance, type InstanceIo } from '../../../src/daemon/instance.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../../../src/io/garp-schedule.js';
import { ok } from '../../../src/result.js';
import { ip, routerConfig, VIP } from '../../helpers/router-fixtures.js';

const GROUP = ip('224.0.0.18');

function io(name: string, log: string[]) {
  const sent: number[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => log.push(`${name} ${line}`) });
  const value: InstanceIo<string> = {
    now: () => Date.now(),
    log: logger,
    destinations: [GROUP],
    sendTo: () => {
      sent.push(Date.now());
      return { ok: true };
    },
    vipOps: { apply: (_state, vips) => Promise.resolve(vips.map(() => ok('done'))), describe: (v) => v },
  };
  return { io: value, sent };
}

const spec = (name: string, vrid: number) => ({
  router: routerConfig({ priority: 100, name, vrid }),
  vips: [`${VIP}/24`],
  garpAddresses: [VIP],
  garp: KEEPALIVED_GARP_DEFAULTS,
});

describe('a bug in one instance is contained', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  it('a state listener that throws: logged as a bug, the VIPs still go up and the adverts keep their beat', async () => {
    const log: string[] = [];
    const a = io('A', log);
    const b = io('B', log);
    const broken = new Instance(spec('VI_A', 1), a.io);
    const healthy = new Instance(spec('VI_B', 2), b.io);
    broken.onStateChange(() => {
      throw new Error('listener bug');
    });
    broken.start();
    healthy.start();
    await vi.advanceTimersByTimeAsync(3700); // past Master_Down_Interval (3.609 s): both MASTER
    await vi.advanceTimersByTimeAsync(5000);
    expect(broken.state).toBe('MASTER');
    expect(healthy.state).toBe('MASTER');
    expect(broken.facts().vipsSettled).toBe(true); // addVips after the throwing stateChanged still ran
    expect(a.sent.length).toBeGreaterThanOrEqual(5);
    expect(b.sent.length).toBe(a.sent.length);
    expect(log.filter((l) => l.includes('listener bug'))).toHaveLength(2); // INIT -> BACKUP -> MASTER
    expect(log.join('\n')).toMatch(/"msg":"bug: VI_A: handling stateChanged threw; contained"/);
  });
});
