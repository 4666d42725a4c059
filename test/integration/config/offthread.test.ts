/**
 * loadConfigOffThread (src/io/config-loader.ts) as the daemon's reload uses it: the compiled
 * worker (build first), a result equal to the in-process one, a FIFO refused at once, and the
 * deadline and heap cap that end a load the limits did not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { fsSourceHost } from '../../../src/io/config-files.js';
import type { loadConfigOffThread as LoadOffThread } from '../../../src/io/config-loader.js';
import { seedConfig } from '../../../src/lab/seed-config.js';
import { doublingParameters, nearInputLimit } from '../../helpers/hostile-configs.js';

// The worker runs compiled JavaScript: take the API from dist/ (npm run build).
const { loadConfigOffThread } = (await import(new URL('../../../dist/src/io/config-loader.js', import.meta.url).href)) as { loadConfigOffThread: typeof LoadOffThread };

let dir: string;
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vrrpd-offthread-'));
  execFileSync('mkfifo', [join(dir, 'fifo.conf')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loading a config in a worker thread', () => {
  it('gives the same result as loading in-process', async () => {
    const path = file('seed.conf', seedConfig({ state: 'MASTER', priority: 100 }));
    const r = await loadConfigOffThread(path, { options: { configId: 'n1' }, host: { interfacesDir: false } });
    expect(r).toEqual({ ok: true, value: loadConfig(path, fsSourceHost({ interfacesDir: false }), { configId: 'n1' }) });
  });

  it('a result of 1000 instances comes back whole (handed over in parts)', async () => {
    let text = 'vrrp_script chk {\n  script "/bin/true"\n}\n';
    for (let i = 0; i < 1000; i++) {
      text += `vrrp_instance V${i} {\n interface eth0\n virtual_router_id ${(i % 255) + 1}\n unicast_peer {\n  10.0.${i >> 8}.${i & 255}\n }\n virtual_ipaddress {\n  10.1.${i >> 8}.${i & 255}\n }\n track_script {\n  chk\n }\n}\n`;
    }
    const path = file('many.conf', text);
    const r = await loadConfigOffThread(path, { host: { interfacesDir: false } });
    const local = loadConfig(path, fsSourceHost({ interfacesDir: false }));
    expect(local.config!.instances).toHaveLength(1000);
    expect(r).toEqual({ ok: true, value: local });
  });

  it('sections disabled by their own errors come back whole (handed over in parts too)', async () => {
    let text = '';
    for (let i = 0; i < 120; i++) {
      const vips = i % 2 === 0 ? ` virtual_ipaddress {\n  10.1.0.${i + 1}\n }\n` : '';
      text += `vrrp_instance V${i} {\n interface eth0\n virtual_router_id ${i + 1}\n${vips}}\n`;
    }
    const path = file('half-broken.conf', text);
    const r = await loadConfigOffThread(path, { host: { interfacesDir: false } });
    const local = loadConfig(path, fsSourceHost({ interfacesDir: false }));
    expect(local.config!.instances).toHaveLength(60);
    expect(local.disabled).toHaveLength(60);
    expect(r).toEqual({ ok: true, value: local });
  });

  it('a config including a FIFO: a positioned error, within a second', async () => {
    const path = file('fifo-include.conf', `${seedConfig({ priority: 100 })}include ${join(dir, 'fifo.conf')}\n`);
    const t0 = performance.now();
    const r = await loadConfigOffThread(path);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(r.ok && r.value.diagnostics.map((d) => d.message)).toEqual([`cannot read '${join(dir, 'fifo.conf')}': is a FIFO (only regular files are read)`]);
  });

  it('configs at the limits load within the deadline (figures printed)', async () => {
    const cases = [
      ['near-limits', nearInputLimit(seedConfig({ priority: 100 })), []],
      ['doubling-parameters', doublingParameters(20), ['lines']],
    ] as const;
    for (const [name, text, limitsHit] of cases) {
      const path = file(`${name}.conf`, text);
      const t0 = performance.now();
      const r = await loadConfigOffThread(path, { host: { interfacesDir: false } });
      const ms = performance.now() - t0;
      console.log(`offthread load of ${name} (${text.length} bytes): ${ms.toFixed(0)} ms`);
      if (!r.ok) throw new Error(r.error.detail);
      expect(r.value.diagnostics.filter((d) => d.code === 'limit').map((d) => /vrrpd limit (\w+)/.exec(d.message)?.[1])).toEqual(limitsHit);
      expect(ms).toBeLessThan(10_000);
    }
  });

  it('past the deadline the worker is ended: timeout, no result', async () => {
    const path = file('slow.conf', doublingParameters(20));
    const r = await loadConfigOffThread(path, { timeoutMs: 20 });
    expect(r).toEqual({ ok: false, error: { kind: 'timeout', detail: 'loading took longer than 20 ms' } });
  });

  it('past the heap cap the worker dies alone: out-of-memory, the caller goes on', async () => {
    const path = file('big.conf', nearInputLimit(seedConfig({ priority: 100 })));
    const r = await loadConfigOffThread(path, { heapMb: 8 });
    expect(r).toEqual({ ok: false, error: { kind: 'out-of-memory', detail: 'loading needed more than the 8 MB heap allowed' } });
  });

  it('an abort (the daemon stopping) ends the load', async () => {
    const ac = new AbortController();
    const pending = loadConfigOffThread(file('abort.conf', doublingParameters(20)), { signal: ac.signal });
    ac.abort();
    expect(await pending).toEqual({ ok: false, error: { kind: 'aborted', detail: 'loading was cancelled' } });
  });
});
