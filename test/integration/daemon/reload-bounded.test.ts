/**
 * Issue 10: a reload never stalls the advert timers and never wedges the daemon. A real vrrpd
 * master (with a backup on the same LAN) gets SIGHUPs with configs at the loading limits (one
 * valid, as heavy as the limits allow; one whose $P definitions double until the lines limit)
 * and with a config that includes a FIFO (the old loader blocked the whole process on it: no
 * adverts, two VIP holders, status unanswered, SIGTERM ignored). The master's adverts are
 * captured on its switch port; every interval that ends while a reload is loading (from the
 * SIGHUP to one interval after its outcome is logged) must stay within 20 ms of its 1 s
 * schedule, the others within NOISE_MS; nobody changes state, status answers and SIGTERM
 * still stops the daemon. A file system that hangs (a FUSE stand-in whose reads wait) holds
 * the loader thread in read(2) until its 10 s deadline, and the adverts do not notice.
 * `vrrpd cleanup` on the FIFO config finishes instead of hanging.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryStatus } from '../../../src/daemon/status-server.js';
import { isDaemonStatus, type DaemonStatus } from '../../../src/status/model.js';
import { readPcap, startTcpdump, type Tcpdump } from '../../../src/lab/capture.js';
import { doublingParameters, nearInputLimit } from '../../helpers/hostile-configs.js';
import { mountSlowFuse } from '../../helpers/slow-fuse.js';
import { CLI, cluster, expectHolders, seedConfig, skipReason, waitConverged, type Cluster, type LogLine, type Node } from './harness.js';

const reason = await skipReason();
const TOLERANCE_MS = 20;
/**
 * Intervals outside the reloads are not what this test is about; on this shared 2-core box they
 * were seen up to ~25 ms off while other suites ran (the same noise the flood test describes).
 */
const NOISE_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The daemon's status straight from its socket (spawning `vrrpd status` would load the box while we time adverts). */
async function statusOf(n: Node): Promise<DaemonStatus> {
  const r = await queryStatus(n.runDir);
  if (!r.ok) throw new Error(r.error);
  if (!isDaemonStatus(r.value)) throw new Error(`${n.host.name}: the status socket did not answer with a status model`);
  return r.value;
}
const stateLines = (n: Node, from: number) => n.logs.slice(from).filter((l) => typeof l.to === 'string' && typeof l.from === 'string');

describe.skipIf(reason !== undefined)('reload under hostile configs', () => {
  let c: Cluster;
  let dir: string;
  beforeAll(async () => {
    c = await cluster(['m', 'b'], 'vrl');
    dir = mkdtempSync(join(tmpdir(), 'vrl-files-'));
    execFileSync('mkfifo', [join(dir, 'fifo.conf')]);
    c.node('m').writeConfig(seedConfig({ state: 'MASTER', priority: 100 }));
    c.node('b').writeConfig(seedConfig({ priority: 90 }));
    c.node('m').start();
    c.node('b').start();
    await c.node('m').waitState('MASTER', 10_000);
    await waitConverged(c, 'm');
  });
  /** tcpdump on the master's switch port (p0), its adverts only; the file is removed with `dir`. */
  const captureAdverts = (m: Node): Promise<Tcpdump> => {
    const inSwitch = (cmd: string, args: readonly string[]) => spawn('ip', ['netns', 'exec', c.lab.switchNs, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    return startTcpdump(inSwitch, 'p0', join(mkdtempSync(join(dir, 'cap-')), 'cap.pcap'), ['ip', 'proto', '112', 'and', 'src', 'host', m.host.ip]);
  };
  afterAll(async () => {
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`SIGHUP with configs at the limits and with a FIFO: advert intervals stay within ${TOLERANCE_MS} ms of 1 s`, async () => {
    const m = c.node('m');
    const b = c.node('b');
    const seed = seedConfig({ state: 'MASTER', priority: 100 });
    const dump = await captureAdverts(m);
    const fromM = m.logs.length;
    const fromB = b.logs.length;
    const done = () => (l: LogLine) => l.msg === 'configuration reloaded' || String(l.msg).startsWith('reload refused');
    const reloads: { name: string; at: number; ms: number; outcome: LogLine }[] = [];
    const reloadWith = async (name: string, text: string): Promise<LogLine> => {
      m.writeConfig(text);
      const from = m.logs.length;
      const t0 = Date.now();
      m.proc!.kill('SIGHUP');
      const outcome = await m.waitFor(done(), 20_000, from);
      reloads.push({ name, at: t0 / 1000, ms: outcome.t - t0, outcome });
      return outcome;
    };
    try {
      await sleep(2500); // baseline
      const heavy = await reloadWith('valid config near the limits', nearInputLimit(seed));
      expect(heavy).toMatchObject({ msg: 'configuration reloaded', kept: 1, restarted: [], added: [], removed: [] });
      await sleep(1500);
      const doubling = await reloadWith('doubling $P definitions', doublingParameters(20));
      expect(doubling.msg).toBe('reload refused: the new configuration has errors; still running the old one');
      expect(m.logs.some((l) => String(l.msg).includes('vrrpd limit lines = 120000'))).toBe(true);
      await sleep(1500);
      const fifo = await reloadWith('include of a FIFO', `${seed}include ${join(dir, 'fifo.conf')}\n`);
      expect(fifo.msg).toMatch(/^reload refused/);
      expect(m.logs.some((l) => String(l.msg).includes(`cannot read '${join(dir, 'fifo.conf')}': is a FIFO`))).toBe(true);
      expect((await statusOf(m)).instances[0]).toMatchObject({ name: 'VI_1', state: 'MASTER' });
      await sleep(1500);
      await reloadWith('the seed again', seed);
      await sleep(2000);
    } finally {
      await dump.stop();
    }
    const stamps = readPcap(dump.file).records.map((r) => r.time);
    const intervals = stamps.slice(1).map((s, i) => ({ end: s, ms: (s - stamps[i]!) * 1000 }));
    const loading = (end: number) => reloads.some((r) => end >= r.at && end <= r.outcome.t / 1000 + 1);
    const during = intervals.filter((iv) => loading(iv.end)).map((iv) => iv.ms);
    const others = intervals.filter((iv) => !loading(iv.end)).map((iv) => iv.ms);
    const worst = (xs: number[]) => Math.max(...xs.map((x) => Math.abs(x - 1000))).toFixed(2);
    for (const r of reloads) console.log(`[reload] ${r.name}: ${r.ms} ms to '${r.outcome.msg}'`);
    const t0 = stamps[0] ?? 0;
    const marks = [...stamps.map((s, i) => ({ t: s, what: i === 0 ? 'advert' : `advert +${((s - stamps[i - 1]!) * 1000).toFixed(1)}` })), ...reloads.map((r) => ({ t: r.at, what: `SIGHUP (${r.name})` }))];
    console.log(`[reload] timeline (ms): ${marks.sort((x, y) => x.t - y.t).map((x) => `${Math.round((x.t - t0) * 1000)} ${x.what}`).join('; ')}`);
    console.log(`[reload] ${during.length} advert intervals during loads: worst |dev| ${worst(during)} ms; ${others.length} others: worst |dev| ${worst(others)} ms`);
    expect(during.length).toBeGreaterThanOrEqual(4);
    for (const iv of during) expect(Math.abs(iv - 1000)).toBeLessThanOrEqual(TOLERANCE_MS);
    for (const iv of others) expect(Math.abs(iv - 1000)).toBeLessThanOrEqual(NOISE_MS);
    expect(stateLines(m, fromM)).toEqual([]);
    expect(stateLines(b, fromB)).toEqual([]);
    await expectHolders(c, ['m']);
  });

  it.skipIf(!existsSync('/dev/fuse'))('SIGHUP with a config on a file system that hangs: the load is ended at its deadline, adverts keep their schedule', async () => {
    const m = c.node('m');
    const b = c.node('b');
    const seed = seedConfig({ state: 'MASTER', priority: 100 });
    const slowFs = await mountSlowFuse({ 'more.conf': '# nothing\n' }, ['more.conf'], m.proc!.pid); // in the daemon's mount namespace
    const dump = await captureAdverts(m);
    const fromM = m.logs.length;
    const fromB = b.logs.length;
    let sighup = 0;
    let refused: LogLine;
    try {
      await sleep(1500);
      m.writeConfig(`${seed}include ${slowFs.dir}/more.conf\n`);
      sighup = Date.now();
      m.proc!.kill('SIGHUP');
      await sleep(3000);
      expect(slowFs.waiting).toBe(1); // the loader thread is blocked in read(2) on the slow file
      expect((await statusOf(m)).instances[0]).toMatchObject({ name: 'VI_1', state: 'MASTER' });
      refused = await m.waitFor((l) => String(l.msg).startsWith('reload refused'), 15_000, fromM);
      await sleep(1500);
    } finally {
      await dump.stop();
      await slowFs.close();
      m.writeConfig(seed);
    }
    expect(refused).toMatchObject({ msg: 'reload refused: loading took longer than 10000 ms; still running the old configuration', reason: 'timeout' });
    expect(refused.t - sighup).toBeGreaterThanOrEqual(9_900);
    const stamps = readPcap(dump.file).records.map((r) => r.time);
    const intervals = stamps.slice(1).map((t, i) => ({ end: t, ms: (t - stamps[i]!) * 1000 }));
    const during = intervals.filter((iv) => iv.end >= sighup / 1000 && iv.end <= refused.t / 1000 + 1).map((iv) => iv.ms);
    console.log(`[reload] hung file system: refused after ${refused.t - sighup} ms; ${during.length} intervals during the load: ${during.map((x) => x.toFixed(1)).join(' ')}`);
    expect(during.length).toBeGreaterThanOrEqual(9);
    for (const iv of during) expect(Math.abs(iv - 1000)).toBeLessThanOrEqual(TOLERANCE_MS);
    expect(stateLines(m, fromM)).toEqual([]);
    expect(stateLines(b, fromB)).toEqual([]);
    await expectHolders(c, ['m']);
  });

  it('vrrpd cleanup on the FIFO config finishes and names the FIFO instead of hanging; SIGTERM still stops the daemon', async () => {
    const conf = join(dir, 'cleanup.conf');
    writeFileSync(conf, `${seedConfig({ priority: 90 })}include ${join(dir, 'fifo.conf')}\n`);
    // In the backup's namespace: whatever cleanup does, it does it inside the lab.
    // (Its exit status follows what it could remove: 0 here, where the runtime directory holds no
    // record and nothing failed; the configuration's error is still printed.)
    const r = await c.node('b').host.exec('node', [CLI, 'cleanup', '-f', conf, '--run-dir', join(dir, 'cleanup-run')], 15_000);
    if (!r.ok) expect(r.error.kind).toBe('exit-status'); // not a timeout
    const output = r.ok ? `${r.value.stdout}${r.value.stderr}` : `${r.error.stdout}${r.error.stderr}`;
    expect(output).toContain(`cannot read '${join(dir, 'fifo.conf')}': is a FIFO`);
    const m = c.node('m');
    const t0 = Date.now();
    expect(await m.stop('SIGTERM')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
