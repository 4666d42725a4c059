/**
 * What the soak bench reads from one vrrpd every sample, and how it judges the run: the daemon's
 * own figures (its SIGUSR2 statistics: V8 heap, timer lateness), /proc (resident memory, open
 * descriptors, child processes, zombies), and the adverts a capture saw (gaps between them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeenAdvert } from './capture.js';
import type { Daemon } from './daemon.js';
import { descendants, procState, statusKb } from './proc-tree.js';
import { sleep } from './stats.js';

/** The statistics file as far as the soak reads it (src/daemon/daemon.ts `stats()`). */
interface Stats {
  readonly pid: number;
  readonly memory: { readonly rss: number; readonly heapUsed: number; readonly heapTotal: number; readonly external: number };
  readonly instances: readonly { readonly timers?: { readonly fired: number; readonly maxLateMs: number; readonly buckets: Record<string, number> } }[];
}

export interface NodeSample {
  /** VmRSS from /proc, kB. */
  readonly rssKb: number;
  /** The daemon's own V8 heap in use and external memory, kB. */
  readonly heapUsedKb: number;
  readonly externalKb: number;
  /** Open descriptors and child processes: the least of three reads 100 ms apart (a leak stays, a check's pipes do not). */
  readonly fds: number;
  readonly children: number;
  /** Children that were zombies in all three reads. */
  readonly zombies: number;
  /** Protocol timers fired so far, the worst lateness so far, and how many so far were later than 20 ms. */
  readonly timersFired: number;
  readonly timerMaxLateMs: number;
  readonly timersOver20Ms: number;
}

/** SIGUSR2, then the dump it writes (the "statistics dumped" log line says where). */
async function readStats(d: Daemon): Promise<Stats> {
  const from = d.logs.length;
  d.proc!.kill('SIGUSR2');
  const line = await d.waitFor((l) => l.msg === 'statistics dumped', 10_000, from);
  return JSON.parse(readFileSync(String(line.file), 'utf8')) as Stats;
}

function fdCount(pid: number): number {
  try {
    return readdirSync(join('/proc', String(pid), 'fd')).length;
  } catch {
    return Number.NaN;
  }
}

/** One sample of daemon `d`. */
export async function sampleNode(d: Daemon): Promise<NodeSample> {
  const stats = await readStats(d);
  const pid = stats.pid;
  const reads: { fds: number; children: number[]; zombies: number[] }[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(100);
    const kids = descendants(pid).filter((p) => p !== pid);
    reads.push({ fds: fdCount(pid), children: kids, zombies: kids.filter((p) => procState(p) === 'Z') });
  }
  const persistentZombies = reads[0]!.zombies.filter((z) => reads.every((r) => r.zombies.includes(z)));
  const timers = stats.instances.flatMap((i) => (i.timers ? [i.timers] : []));
  return {
    rssKb: statusKb(pid, 'VmRSS'),
    heapUsedKb: Math.round(stats.memory.heapUsed / 1024),
    externalKb: Math.round(stats.memory.external / 1024),
    fds: Math.min(...reads.map((r) => r.fds)),
    children: Math.min(...reads.map((r) => r.children.length)),
    zombies: persistentZombies.length,
    timersFired: timers.reduce((s, t) => s + t.fired, 0),
    timerMaxLateMs: Math.max(0, ...timers.map((t) => t.maxLateMs)),
    timersOver20Ms: timers.reduce((s, t) => s + (t.buckets.le100 ?? 0) + (t.buckets.over100 ?? 0), 0),
  };
}

export interface AdvertWindow {
  readonly adverts: number;
  /** The longest time between two consecutive adverts of the source, ms. */
  readonly maxGapMs: number;
  /** Gaps longer than interval + 20 ms, and adverts missing altogether (gaps of 1.5 intervals or more). */
  readonly late: number;
  readonly missed: number;
}

/** Adverts of `src` captured in [from, to) (epoch ms), judged against `intervalMs`. */
export function advertWindow(all: readonly SeenAdvert[], src: string, from: number, to: number, intervalMs: number, lateMs = 20): AdvertWindow {
  const ts = all.filter((a) => a.src === src && a.t >= from && a.t < to).map((a) => a.t);
  let maxGapMs = 0;
  let late = 0;
  let missed = 0;
  for (let i = 1; i < ts.length; i++) {
    const gap = ts[i]! - ts[i - 1]!;
    maxGapMs = Math.max(maxGapMs, gap);
    if (gap > intervalMs + lateMs) late++;
    if (gap >= 1.5 * intervalMs) missed += Math.round(gap / intervalMs) - 1;
  }
  return { adverts: ts.length, maxGapMs, late, missed };
}

export interface Verdict {
  readonly criterion: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface Minute {
  /** Minutes since the start. */
  readonly m: number;
  readonly load1: number;
  readonly nodes: Record<string, NodeSample>;
  /** The master's adverts since the previous sample. */
  readonly adverts: AdvertWindow;
}

/**
 * The pass criteria over the samples: memory growth after warm-up under 5 MB, descriptors
 * and children not growing after warm-up, no zombie, no advert later than 20 ms, none missed.
 */
export function judge(minutes: readonly Minute[], warmupMin: number): Verdict[] {
  const after = minutes.filter((s) => s.m >= warmupMin);
  const base = after[0];
  const last = after.at(-1);
  if (!base || !last || base === last) return [{ criterion: 'enough samples after warm-up', measured: `${after.length}`, pass: false }];
  const names = Object.keys(base.nodes);
  const per = (f: (n: NodeSample) => number) => names.map((n) => ({ n, base: f(base.nodes[n]!), max: Math.max(...after.map((s) => f(s.nodes[n]!))), end: f(last.nodes[n]!) }));
  const grow = (f: (n: NodeSample) => number, limit: number, unit: string, scale = 1): Verdict => {
    const rows = per(f);
    return {
      criterion: '',
      measured: rows.map((r) => `${r.n} ${((r.end - r.base) / scale).toFixed(scale > 1 ? 2 : 0)} ${unit} (max ${((r.max - r.base) / scale).toFixed(scale > 1 ? 2 : 0)})`).join(', '),
      pass: rows.every((r) => r.end - r.base < limit && r.max - r.base < limit),
    };
  };
  // Memory is a saw (the heap grows until V8 collects, every ~20 min here): the end or the peak
  // against one warm-up sample says more about when the collector last ran than about a leak.
  // What a leak raises is the floor: the lowest sample of the last third after warm-up against
  // the lowest of the first third. The peak over the warm-up sample is printed beside it.
  const floor = (f: (n: NodeSample) => number, unit: string): Verdict => {
    const third = Math.max(1, Math.floor(after.length / 3));
    const rows = names.map((n) => {
      const xs = after.map((s) => f(s.nodes[n]!));
      const early = Math.min(...xs.slice(0, third));
      const late = Math.min(...xs.slice(-third));
      return { n, growth: late - early, peak: Math.max(...xs) - xs[0]! };
    });
    return {
      criterion: '',
      measured: rows.map((r) => `${r.n} floor ${(r.growth / 1024).toFixed(2)} ${unit} (peak +${(r.peak / 1024).toFixed(2)} over the first sample after warm-up)`).join(', '),
      pass: rows.every((r) => r.growth < 5 * 1024),
    };
  };
  const adverts = minutes;
  const worstGap = Math.max(0, ...adverts.map((s) => s.adverts.maxGapMs));
  const late = adverts.reduce((a, s) => a + s.adverts.late, 0);
  const missed = adverts.reduce((a, s) => a + s.adverts.missed, 0);
  const zombies = Math.max(0, ...minutes.flatMap((s) => Object.values(s.nodes).map((n) => n.zombies)));
  return [
    { ...floor((n) => n.rssKb, 'MB'), criterion: `resident memory grows < 5 MB after ${warmupMin} min of warm-up (lowest third vs first third)` },
    { ...floor((n) => n.heapUsedKb, 'MB'), criterion: 'V8 heap in use grows < 5 MB after warm-up (same)' },
    { ...grow((n) => n.fds, 1, 'fds'), criterion: 'open descriptors do not grow after warm-up' },
    { ...grow((n) => n.children, 1, 'children'), criterion: 'child processes do not grow after warm-up' },
    { criterion: 'no zombie', measured: `${zombies} at worst`, pass: zombies === 0 },
    { criterion: 'no advert later than 20 ms (gap <= interval + 20 ms), none missed', measured: `worst gap ${worstGap.toFixed(1)} ms; ${late} late, ${missed} missed`, pass: late === 0 && missed === 0 },
  ];
}
