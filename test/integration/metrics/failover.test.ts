/**
 * vrrpd's /metrics in a namespace failover: two daemons (one enabling metrics in global_defs, the
 * other with --metrics), each scraped inside its namespace on loopback. A real consumer (promtool)
 * accepts what they serve; a scrape every 200 ms on the backup while the master dies shows its
 * state gauge move from BACKUP to MASTER and the transition counted with its reason.
 */
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parsePromText, parseScrapeLog, promValue, type Scrape } from '../../../src/lab/prom-text.js';
import { waitFor } from '../../../src/lab/procs.js';
import { cluster, resetNodes, ROOT, seedConfig, skipReason, waitConverged, type Cluster, type Node } from '../daemon/harness.js';

const reason = await skipReason();
const promtool = spawnSync('promtool', ['--version']).status === 0;
const SCRAPE = join(ROOT, 'dist', 'src', 'lab', 'scrape.js');
const URL = 'http://127.0.0.1:9657/metrics';
const VI_1 = { vrrp_instance: 'VI_1', vrid: '251', interface: 'eth0' };

async function scrape(n: Node): Promise<string> {
  return n.host.mustExec('node', [SCRAPE, URL]);
}

describe.skipIf(reason !== undefined)('metrics across a failover (namespaces)', () => {
  let c: Cluster;
  const watchers: ChildProcess[] = [];
  beforeAll(async () => {
    c = await cluster(['op1', 'op2'], 'vtp');
  });
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.kill('SIGKILL');
    await resetNodes(c);
  });
  afterAll(async () => c?.destroy());

  async function pair() {
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, globals: '  vrrpd_metrics 127.0.0.1:9657' }));
    op2.writeConfig(seedConfig({ priority: 90 }));
    op1.start();
    op2.start(['--metrics', '127.0.0.1:9657']);
    await op1.waitState('MASTER', 10_000);
    await waitConverged(c, 'op1');
    return { op1, op2 };
  }

  it('both daemons serve metrics on loopback, and promtool accepts them', async () => {
    const { op1, op2 } = await pair();
    const m1 = parsePromText(await scrape(op1));
    const m2 = parsePromText(await scrape(op2));
    expect(promValue(m1, 'vrrpd_instance_state', { ...VI_1, state: 'MASTER' })).toBe(1);
    expect(promValue(m2, 'vrrpd_instance_state', { ...VI_1, state: 'BACKUP' })).toBe(1);
    expect(promValue(m2, 'vrrpd_advertise_rcvd_total', VI_1)).toBeGreaterThan(0);
    expect(promValue(m1, 'vrrpd_instance_effective_priority', VI_1)).toBe(100);
    expect(promValue(m1, 'vrrpd_instance_vip_present', { ...VI_1, address: '192.168.50.100/24' })).toBe(1);
    expect(promValue(m1, 'vrrpd_timer_lateness_seconds_count', VI_1)).toBeGreaterThan(0);
    expect(promValue(m1, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    // The endpoint is on the namespace's loopback only: not on the LAN address.
    expect((await op2.host.exec('node', [SCRAPE, `http://${op1.host.ip}:9657/metrics`])).ok).toBe(false);
    expect((await op1.status()).process.metrics).toEqual({ listen: '127.0.0.1:9657' });
    if (promtool) for (const n of [op1, op2]) expect(execFileSync('promtool', ['check', 'metrics'], { input: await scrape(n), encoding: 'utf8' })).toBe('');
  });

  it('the backup, scraped every 200 ms while the master dies: state BACKUP -> MASTER, the transition counted with its reason', async () => {
    const { op1, op2 } = await pair();
    const file = join(c.nodes[0]!.dir, 'op2-scrapes.jsonl');
    watchers.push(op2.host.spawn('node', [SCRAPE, URL, file, '200'], { stdio: 'ignore' }));
    const answered = (): Scrape[] => (existsSync(file) ? parseScrapeLog(readFileSync(file, 'utf8')).filter((s) => !s.error) : []);
    if (!(await waitFor(async () => answered().length >= 3, 15_000, 100))) throw new Error('the scraper recorded nothing');
    const t0 = Date.now();
    await op1.stop('SIGKILL');
    await op1.host.linkDown();
    await op2.waitState('MASTER', 8000);
    const state = (s: Scrape, st: string) => promValue(s.samples, 'vrrpd_instance_state', { ...VI_1, state: st });
    const vipShown = (s: Scrape) => promValue(s.samples, 'vrrpd_instance_vip_present', { ...VI_1, address: '192.168.50.100/24' }) === 1;
    // Wait for the scraper (a process of its own, slow on a loaded machine) to have seen the VIP.
    if (!(await waitFor(async () => answered().some((s) => s.t > t0 && state(s, 'MASTER') === 1 && vipShown(s)), 15_000, 100)))
      throw new Error('the scraper never saw op2 MASTER with its VIP');
    const scrapes = answered();
    const before = scrapes.filter((s) => s.t < t0);
    const lastBackup = before.at(-1)!;
    expect(state(lastBackup, 'BACKUP')).toBe(1);
    // On a loaded machine op2 may already have been master once at start-up (op1 slow to start,
    // then preempting): the kill must add exactly one such transition to what was there.
    const takeovers = (x: Scrape) => promValue(x.samples, 'vrrpd_transitions_total', { ...VI_1, from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer' }) ?? 0;
    const becameMaster = (x: Scrape) => promValue(x.samples, 'vrrpd_become_master_total', VI_1) ?? 0;
    const firstMaster = scrapes.find((s) => s.t > lastBackup.t && state(s, 'MASTER') === 1)!;
    expect(firstMaster.t).toBeGreaterThan(t0);
    expect(firstMaster.t - t0).toBeLessThan(3648 + 1500); // within Master_Down_Interval, a scrape period and a margin
    expect(takeovers(firstMaster)).toBe(takeovers(lastBackup) + 1);
    expect(becameMaster(firstMaster)).toBe(becameMaster(lastBackup) + 1);
    expect(promValue(firstMaster.samples, 'vrrpd_instance_master_priority', VI_1)).toBe(90);
    // Its VIP follows within a few scrapes, and it announces it.
    const last = scrapes.at(-1)!;
    expect(vipShown(last)).toBe(true);
    expect(promValue(last.samples, 'vrrpd_garp_sent_total', VI_1)).toBeGreaterThan(0);
    console.log(`metrics failover: ${before.length} scrapes BACKUP before the kill, MASTER seen ${firstMaster.t - t0} ms after it`);
  });
});
