/**
 * ScriptDriver with a real hung check: its runs are skipped while it hangs, and the skips are
 * logged once per minute, not once per interval (a hung check must not flood the log).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ScriptDriver } from '../../../src/daemon/trackers/script.js';
import { monotonicNow } from '../../../src/daemon/clock.js';
import type { VrrpScript } from '../../../src/config/types.js';
import { host, plan } from '../../helpers/scripts.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ScriptDriver', () => {
  it('a hung check: its skipped runs are logged once, not once per interval', async () => {
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(String((JSON.parse(line) as { msg: string }).msg)) });
    const script: VrrpScript = {
      name: 'chk',
      pos: { file: 'test.conf', line: 1, col: 1 },
      script: { kind: 'exec', command: '/bin/sleep 30', argv: ['/bin/sleep', '30'] },
      intervalMs: 50,
      timeoutMs: 5000,
      weight: -20,
      reverse: false,
      rise: 1,
      fall: 1,
      initFail: false,
    };
    const d = new ScriptDriver(script, { kind: 'script', plan: await plan('/bin/sleep 30'), launcher: host.launcher }, { now: monotonicNow, log, onChange: () => undefined });
    d.start();
    await sleep(800);
    d.stop();
    expect(d.tracker.stats.skipped).toBeGreaterThanOrEqual(5);
    expect(warnings.filter((w) => /skipping/.test(w))).toHaveLength(1);
  });
});
