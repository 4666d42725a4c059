/** A script forks only once its launcher's gate opens (the daemon's: its timers quiet, docs/performance.md). */
import { describe, expect, it } from 'vitest';
import { runScript } from '../../../src/io/script-runner.js';
import { host, plan } from '../../helpers/scripts.js';

describe('runScript and the fork gate', () => {
  it('waits for the gate, then runs', async () => {
    let open!: () => void;
    let asked = 0;
    const gate = () => {
      asked++;
      return new Promise<void>((r) => (open = r));
    };
    let done = false;
    const run = runScript({ plan: await plan('/bin/true'), launcher: { ...host.launcher, gate }, timeoutMs: 5000 }).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 100));
    expect(asked).toBe(1);
    expect(done).toBe(false);
    open();
    const r = await run;
    expect(r.exitCode).toBe(0);
    expect(r.error).toBeUndefined();
  });

  it('stopping while it waits: never started', async () => {
    const stop = new AbortController();
    const gate = () => new Promise<void>((r) => stop.signal.addEventListener('abort', () => r()));
    const run = runScript({ plan: await plan('/bin/true'), launcher: { ...host.launcher, gate }, timeoutMs: 5000, signal: stop.signal });
    stop.abort();
    expect(await run).toMatchObject({ exitCode: null, pid: undefined, error: 'not started: stopping' });
  });
});
