/**
 * The vrrp_script kind as the status model and the metrics see it: every finished check reaches
 * the context's `checked` callback (the check-duration histogram) with the tracker's own timing,
 * the object's info carries its counters and last check, and a script that cannot be planned is
 * reported through `disabled` with its reason instead of running.
 */
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VrrpScript } from '../../../src/config/types.js';
import type { TrackedObject, TrackerContext } from '../../../src/daemon/trackers/kind.js';
import { scriptKind } from '../../../src/daemon/trackers/script.js';
import { systemScriptHost } from '../../../src/io/script-launcher.js';
import type { LastCheck } from '../../../src/track/script-tracker.js';
import type { TrackerInfo } from '../../../src/track/tracker.js';
import { loadConfig } from '../../../src/config/load.js';
import { memoryHost } from '../../../src/config/memory-host.js';

/** A configuration's global_defs: the defaults (no script_user, no enable_script_security). */
const CONF = 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n  192.168.50.100/24\n }\n}\n';
const defaultConfig = () => {
  const r = loadConfig('/k.conf', memoryHost({ '/k.conf': CONF }));
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
};

const pos = { file: 'test.conf', line: 1, col: 1 };
const script = (name: string, command: VrrpScript['script']): VrrpScript => ({
  name, pos, script: command, intervalMs: 1000, timeoutMs: 500, weight: -20, reverse: false, rise: 1, fall: 1, initFail: false,
});

describe('vrrp_script kind: checks reported to the status model and the metrics', () => {
  let server: Server;
  let port: number;
  let checked: { name: string; kind: string; last: LastCheck }[];
  let disabled: TrackerInfo[];
  let ctx: TrackerContext;
  const objects: TrackedObject[] = [];

  beforeEach(async () => {
    checked = [];
    disabled = [];
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    ctx = {
      now: () => performance.now(),
      log: pino({ level: 'silent' }),
      changed: () => undefined,
      links: { isUp: () => undefined, on: () => undefined, off: () => undefined },
      scriptHost: () => systemScriptHost(),
      runDir: '/nonexistent',
      bug: (what, e) => {
        throw new Error(`${what}: ${String(e)}`);
      },
      checked: (s, last) => checked.push({ name: s.name, kind: s.kind, last }),
      disabled: (info) => disabled.push(info),
    };
  });
  afterEach(async () => {
    for (const o of objects.splice(0)) o.stop();
    await new Promise((r) => server.close(r));
  });

  it('each finished check reaches `checked` with its duration; info() shows the counters and the last check', async () => {
    const s = script('chk_tcp', { kind: 'check_tcp', host: '127.0.0.1', port });
    const obj = await scriptKind.runtime(ctx).create({ name: s.name, key: 'k', config: s }, defaultConfig(), false);
    expect(obj).toBeDefined();
    objects.push(obj!);
    await obj!.settled;
    expect(checked).toHaveLength(1);
    expect(checked[0]).toMatchObject({ name: 'chk_tcp', kind: 'check_tcp', last: { ok: true } });
    expect(checked[0]!.last.durationMs).toBeGreaterThanOrEqual(0);
    expect(checked[0]!.last.durationMs).toBeLessThan(500);
    const info = obj!.info();
    expect(info).toMatchObject({ kind: 'vrrp_script', name: 'chk_tcp', health: 'healthy', lastResult: 'succeeded' });
    expect(info.check).toMatchObject({ kind: 'check_tcp', intervalMs: 1000, timeoutMs: 500, stats: { runs: 1, failures: 0 }, last: checked[0]!.last });
    expect(disabled).toEqual([]);
  });

  it('a script that cannot be planned is disabled with its reason, and never checked', async () => {
    const s = script('chk_nul', { kind: 'exec', command: '/bin/true a\0b', argv: ['/bin/true', 'a\0b'] });
    const obj = await scriptKind.runtime(ctx).create({ name: s.name, key: 'k', config: s }, defaultConfig(), false);
    expect(obj).toBeUndefined();
    expect(disabled).toEqual([
      expect.objectContaining({ kind: 'vrrp_script', name: 'chk_nul', health: 'unknown', disabled: 'an argument contains a NUL byte', check: expect.objectContaining({ kind: 'script', stats: { runs: 0, skipped: 0, timeouts: 0, failures: 0 } }) }),
    ]);
    expect(checked).toEqual([]);
  });
});
