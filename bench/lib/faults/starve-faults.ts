/**
 * CPU starvation of the master (imported through matrix.ts's FAULTS only; bench rows, never CI):
 * op1's daemon (vrrpd, or keepalived in the same place: its parent and its VRRP child) is pinned
 * with `taskset` to the last CPU, op2 to the first, and LOOPS_PER_CORE busy loops are pinned to
 * op1's CPU, at the daemon's own nice or 5 or 20 below it (more CPU weight than the daemon), for
 * STARVE_MS (20 s; VRRPD_STARVE_MS overrides it for a dry run), after 10 s pinned without them
 * (the machine's own lateness). The figures: how late op1's adverts went out (the observer's capture: gaps between
 * consecutive adverts minus Advertisement_Interval) and whether op2 took over (the judge: no
 * change of advertiser allowed). They depend on the machine and on what else runs on it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus, getPriority } from 'node:os';
import { signal, sleep } from '../../../src/lab/procs.js';
import { quantile } from '../stats.js';
import { INTERVAL_MS, VRID, type FaultLab } from './lab.js';
import { judged, type Fault, type FaultOutcome } from './matrix.js';

const LOOPS_PER_CORE = 3;
/** The rows' `vrrp_rt_priority`. */
const RT_PRIORITY = 10;
const STARVE_MS = Number(process.env.VRRPD_STARVE_MS ?? 20_000);
const BASELINE_MS = Math.min(10_000, STARVE_MS);

/** Every pid of a node's daemon: vrrpd's one process, or keepalived's parent and VRRP child. */
function daemonPids(f: FaultLab, node: string): number[] {
  const ka = f.node(node).keepalived;
  return ka ? ka.pids() : [f.pid(node)];
}

/** Pins every thread of `pids` to `cpu`. */
function pin(pids: readonly number[], cpu: number): void {
  for (const p of pids) execFileSync('taskset', ['-a', '-cp', String(cpu), String(p)], { stdio: 'ignore' });
}

/**
 * Busy loops pinned to `cpu` at niceness `nice`, each under `timeout` so that none outlives the
 * row by more than 10 s even if this process dies (SIGTERM to `timeout` ends its loop at once).
 */
function busyLoops(count: number, cpu: number, nice: number): ChildProcess[] {
  const adj = String(nice - getPriority());
  const secs = String(Math.ceil(STARVE_MS / 1000) + 10);
  return Array.from({ length: count }, () => spawn('taskset', ['-c', String(cpu), 'nice', '-n', adj, 'timeout', secs, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }));
}

/** op1's gaps between consecutive adverts (priority > 0) inside [from, to], ms. */
function gaps(f: FaultLab, from: number, to: number): number[] {
  const src = f.node('op1').host.ip;
  const t = (f.capture?.adverts() ?? []).filter((a) => a.vrid === VRID && a.src === src && a.priority > 0 && a.t >= from && a.t <= to).map((a) => a.t);
  return t.slice(1).map((x, i) => x - t[i]!);
}

/** Starves op1's CPU with busy loops `niceDelta` from the daemon's nice; judged: nothing may move. */
async function starve(f: FaultLab, niceDelta: number): Promise<FaultOutcome> {
  const cpu = cpus().length - 1;
  const victim = daemonPids(f, 'op1');
  if (victim.length === 0) throw new Error('op1 has no daemon pid');
  pin(victim, cpu);
  pin(daemonPids(f, 'op2'), 0);
  // The same pinned daemon without the loops first: the machine's own lateness, for comparison.
  const b0 = Date.now();
  await sleep(BASELINE_MS);
  const baseline = gaps(f, b0, Date.now()).map((g) => g - INTERVAL_MS);
  const nice = Math.max(-20, Math.min(19, getPriority(victim[0]!) + niceDelta));
  const loops = busyLoops(LOOPS_PER_CORE, cpu, nice);
  const t0 = Date.now();
  try {
    await sleep(STARVE_MS);
  } finally {
    for (const l of loops) signal(l.pid, 'SIGTERM');
  }
  const t1 = Date.now();
  await sleep(3000);
  const late = gaps(f, t0, t1).map((g) => g - INTERVAL_MS);
  const fmt = (xs: number[]): string => `p50 ${quantile(xs, 0.5).toFixed(1)} / p99 ${quantile(xs, 0.99).toFixed(1)} / max ${Math.max(...xs).toFixed(1)} ms (${xs.length} gaps)`;
  const detail = `${LOOPS_PER_CORE} loops on CPU ${cpu} at nice ${nice} (daemon ${getPriority(victim[0]!)}) for ${STARVE_MS / 1000} s: advert lateness ${fmt(late)}; without the loops ${fmt(baseline)}`;
  return judged(f, t0, 0, { expectMaster: new Map([[VRID, 'op1']]), maxSourceChanges: 0 }, detail);
}

/** `realtime`: every daemon runs with `vrrp_rt_priority` (SCHED_RR), which no nice value outweighs. */
const starveRow = (id: string, niceDelta: number, keepalived: boolean, realtime = false): Fault => ({
  id,
  bound: `0: no takeover; op1${keepalived ? ' (keepalived 2.2.7)' : ''}${realtime ? ` at vrrp_rt_priority ${RT_PRIORITY}` : ''} pinned with ${LOOPS_PER_CORE} busy loops on its CPU at ${niceDelta === 0 ? 'its own nice' : `nice ${niceDelta} from its own (at least -20)`}`,
  quick: false,
  benchOnly: true,
  ...(keepalived ? { lab: { keepalived: ['op1'] }, reference: true } : {}),
  ...(realtime ? { config: { globals: `  vrrp_rt_priority ${RT_PRIORITY}\n` } } : {}),
  run: (f) => starve(f, niceDelta),
});


export const STARVE_FAULTS: readonly Fault[] = [
  starveRow('starve-same-nice', 0, false),
  starveRow('starve-same-nice-keepalived', 0, true),
  starveRow('starve-nice-minus-5', -5, false),
  starveRow('starve-nice-minus-5-keepalived', -5, true),
  starveRow('starve-nice-minus-20', -20, false),
  starveRow('starve-nice-minus-20-keepalived', -20, true),
  starveRow('starve-nice-minus-20-rt', -20, false, true),
  starveRow('starve-nice-minus-20-rt-keepalived', -20, true, true),
];
