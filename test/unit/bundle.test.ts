/**
 * scripts/bundle.ts's two passes (ES-module chunks, then CommonJS): the bundle the bin runs loads
 * as CommonJS without node's ES-module loader, its commands and the reload's worker still load,
 * and its source maps still lead to the TypeScript sources. Built into a scratch directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binNodeFlags } from '../../src/lab/node-flags.js';
import { bundle } from '../../scripts/bundle.js';
import { queryStatus } from '../../src/daemon/status-server.js';

const root = join(import.meta.dirname, '..', '..');
const CONFIG = `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.10/32
  }
}
`;
/** One instance on an interface no host has: it waits in FAULT, and no address is ever added. */
const NO_SUCH_INTERFACE_CONFIG = CONFIG.replace('interface eth0', 'interface vrrpdtest-none');
const ADDON = join(root, 'native/packet/build/Release/vrrpd_packet.node');

describe('the CommonJS bundle', () => {
  let dir = '';
  let out = '';
  let config = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-bundle-'));
    // Two levels below the scratch "repository", as dist/bundle is: native/ beside it finds the addon.
    out = join(dir, 'dist', 'bundle');
    symlinkSync(join(root, 'native'), join(dir, 'native'));
    config = join(dir, 'keepalived.conf');
    writeFileSync(config, CONFIG);
    await bundle({ outdir: out });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is CommonJS throughout, with nothing left of the first pass', () => {
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(existsSync(`${out}-esm`)).toBe(false);
    const js = readdirSync(out).filter((f) => f.endsWith('.js'));
    expect(js).toContain('vrrpd.js');
    expect(js).toContain('config-worker.js');
    for (const f of js) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text, f).not.toMatch(/\bimport\.meta\b|\bimport\(|^import |[;}]import[ {*]|^export /m);
      expect(existsSync(join(out, `${f}.map`)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'vrrpd.js'), 'utf8').split('\n')[0]).toMatch(/^#!\/usr\/bin\/env -S node /);
  });

  it('runs its commands (import() became require()) without node loading its ES-module loader', () => {
    const flags = binNodeFlags(join(out, 'vrrpd.js'));
    expect(flags).toContain('--jitless');
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`esm:${process.moduleLoadList.includes('NativeModule internal/modules/esm/module_job')}\\n`));\n");
    const version = spawnSync(process.execPath, [...flags, join(out, 'vrrpd.js'), '--version'], { encoding: 'utf8' });
    expect(version.stdout).toMatch(/^vrrpd \d+\.\d+\.\d+/);
    const check = spawnSync(process.execPath, [...flags, '--require', probe, join(out, 'vrrpd.js'), 'check', '-f', config], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain('vrrp_instance VI_1');
    expect(check.stderr).toContain('esm:false');
  });

  it('loads the daemon without node:perf_hooks, node:fs/promises or node:tty (1.5 MB of RSS together)', () => {
    const run = readdirSync(out).find((f) => /^run-[\w]+\.js$/.test(f));
    expect(run).toBeDefined();
    const probe = join(dir, 'modules.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`modules:${process.moduleLoadList.filter((m) => /^NativeModule (perf_hooks|(internal\\/)?fs\\/promises|tty|internal\\/modules\\/esm\\/module_job)$/.test(m)).join(',')}\\n`));\n");
    const r = spawnSync(process.execPath, [...binNodeFlags(join(out, 'vrrpd.js')), '--require', probe, '-e', `require(${JSON.stringify(join(out, run!))})`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('modules:\n');
  });

  it.skipIf(!existsSync(ADDON))('starts the daemon (one instance, no --metrics, no scripts) without node:cluster, node:child_process or node:dgram: its status socket is not a net.Server, the run lock, sd_notify and the interface read fork nothing', async () => {
    const vrrpd = join(out, 'vrrpd.js');
    const conf = join(dir, 'one.conf');
    writeFileSync(conf, NO_SUCH_INTERFACE_CONFIG);
    const runDir = join(dir, 'run');
    const probe = join(dir, 'cluster.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(`loaded:${process.moduleLoadList.filter((m) => /^NativeModule (internal\\/)?(cluster|child_process|dgram)/.test(m)).join(',')}\\n`));\n");
    // NOTIFY_SOCKET set as under systemd (nobody listens: the daemon warns and goes on), so the readiness path runs too.
    const env = { ...process.env, NOTIFY_SOCKET: join(dir, 'no-notify-socket') };
    const child = spawn(process.execPath, [...binNodeFlags(vrrpd), '--require', probe, vrrpd, '-f', conf, '--run-dir', runDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stdout, { timeout: 20_000, interval: 100 }).toContain('"msg":"vrrpd started"');
      await expect.poll(() => stdout, { timeout: 5_000, interval: 100 }).toContain('could not report to systemd');
      const status = await queryStatus(runDir);
      expect(status.ok, JSON.stringify(status)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('loaded:\n');
      expect(existsSync(join(runDir, 'vrrpd.sock'))).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it("starts the reload's worker thread from the CommonJS config-worker.js", async () => {
    const worker = new Worker(join(out, 'config-worker.js'), { workerData: { path: config, options: {}, host: {} } });
    try {
      const first = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(first).toBeTypeOf('object');
    } finally {
      await worker.terminate();
    }
  });

  it('maps the bundle back to src/*.ts through both passes', () => {
    const mainTs = readFileSync(join(root, 'src/cli/main.ts'), 'utf8').split('\n');
    const tsLine = mainTs.findIndex((l) => l.startsWith('installFatalHandlers();'));
    expect(tsLine).toBeGreaterThan(0);
    const js = readFileSync(join(out, 'vrrpd.js'), 'utf8').split('\n');
    // the call as the second pass writes it: `(0, import_chunk_X.installFatalHandlers)()`
    const call = /\(0,\s*[\w$]+\.installFatalHandlers\)\(\)/;
    const jsLine = js.findIndex((l) => call.test(l));
    expect(jsLine).toBeGreaterThanOrEqual(0);
    const jsColumn = js[jsLine]!.indexOf('installFatalHandlers', js[jsLine]!.search(call));
    const map = new SourceMap(JSON.parse(readFileSync(join(out, 'vrrpd.js.map'), 'utf8')) as SourceMapPayload);
    const entry = map.findEntry(jsLine, jsColumn) as { originalSource?: string; originalLine?: number };
    expect(entry.originalSource).toMatch(/src\/cli\/main\.ts$/);
    expect(entry.originalLine).toBe(tsLine);
  });
});
