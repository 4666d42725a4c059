/**
 * The daemon holds its log lines back for a few ms and writes them together (io/fd-sink.ts hold):
 * none may be lost when it stops. At SIGTERM every line of the shutdown is there, the last one
 * "vrrpd stopped"; a bug that escapes every handler still gets its held lines out before exit 70.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, resetNodes, ROOT, seedConfig, skipReason, type Cluster } from './harness.js';

const reason = await skipReason();

describe.skipIf(reason !== undefined)('log lines at exit', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1'], 'vtlog');
  });
  afterAll(async () => {
    if (c) await resetNodes(c);
    await c?.destroy();
  });

  it('SIGTERM: the shutdown lines (transition, addresses removed, "vrrpd stopped") all arrive, in order', async () => {
    const op1 = c.node('op1');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100 }));
    op1.start();
    await op1.waitVipsAdded(10_000);
    const from = op1.logs.length;
    const closed = new Promise((r) => op1.proc!.once('close', r));
    expect(await op1.stop('SIGTERM')).toBe(0);
    await closed;
    const tail = op1.logs.slice(from).map((l) => String(l.msg));
    const [stopping, init] = [tail.indexOf('stopping'), tail.indexOf('VI_1: MASTER -> INIT')];
    expect(stopping).toBeGreaterThanOrEqual(0);
    expect(init).toBeGreaterThan(stopping);
    expect(op1.logs.slice(from).some((l) => l.msg === 'virtual addresses updated' && l.action === 'removed')).toBe(true);
    expect(tail.at(-1)).toBe('vrrpd stopped');
  });
});

describe('log lines at a fatal exit', () => {
  it('an uncaught exception: every held line is written before exit 70', () => {
    const dist = (p: string): string => JSON.stringify(join(ROOT, 'dist', 'src', p));
    const script = `
      const { installFatalHandlers } = await import(${dist('cli/fatal.js')});
      const { stdoutSink } = await import(${dist('io/fd-sink.js')});
      const { createLogger } = await import(${dist('daemon/log.js')});
      installFatalHandlers();
      stdoutSink.hold(60_000, 1 << 20); // nothing would be written before the exit
      const log = createLogger({ json: true });
      for (let i = 0; i < 300; i++) log.info({ i }, 'held');
      setTimeout(() => { throw new Error('escaped'); }, 0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(70);
    expect(r.stderr).toContain('escaped');
    const lines = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(lines).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});
