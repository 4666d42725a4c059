/**
 * CPU and memory of a daemon and all its descendants, read from /proc: keepalived runs as a
 * parent and a VRRP child, vrrpd as one process that forks `ip`. CPU counts every live member's
 * user + system time plus what each has reaped of its children (cutime + cstime), so a child
 * that exits between two samples is counted once, by its parent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { clockTicks } from './cpu.js';

export interface TreeSample {
  /** performance.now() when read. */
  readonly at: number;
  /** CPU so far, ms (clock-tick resolution: 10 ms): user + system. */
  readonly cpuMs: number;
  /** The system (kernel) part of cpuMs. */
  readonly sysMs: number;
  /** Voluntary context switches so far, every thread of every member: each is a sleep (epoll_wait, futex) and a wake-up. */
  readonly wakeups: number;
  /** Sum of VmRSS, kB (a page shared by parent and child counts twice, as `ps` shows it). */
  readonly rssKb: number;
  /** Sum of RssAnon, kB: memory the processes own, not pages of their binaries and libraries. */
  readonly anonKb: number;
  readonly pids: readonly number[];
}

function stat(pid: number): { ppid: number; ticks: number; sysTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from 3 on: ppid is field 4, utime stime cutime cstime fields 14..17.
    const sysTicks = Number(f[12]) + Number(f[14]);
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[13]) + sysTicks, sysTicks };
  } catch {
    return undefined;
  }
}

/** The process's one-letter state (`R`, `S`, `Z`...), or undefined when it is gone. */
export function procState(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

export function statusKb(pid: number, key: 'VmRSS' | 'RssAnon'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The resident anonymous kB of `pid`'s glibc main malloc heap (`[heap]` in smaps, the brk heap),
 * 0 when there is none or the process is gone: beside RssAnon, what of it is malloc's and not V8's
 * (docs/performance.md, "glibc malloc").
 */
export function brkHeapKb(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
    const at = text.indexOf(' [heap]\n');
    const m = at < 0 ? null : /^Anonymous:\s+(\d+) kB/m.exec(text.slice(at));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Voluntary context switches of every thread of `pid` (0 when it is gone). */
function voluntarySwitches(pid: number): number {
  let sum = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const m = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
      sum += m ? Number(m[1]) : 0;
    }
  } catch {
    // gone meanwhile
  }
  return sum;
}

/** `root` and every process descended from it. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) parent.set(Number(name), s.ppid);
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].filter((p) => parent.has(p));
}

export function sampleTree(root: number): TreeSample {
  const pids = descendants(root);
  let ticks = 0;
  let sysTicks = 0;
  for (const p of pids) {
    const s = stat(p);
    ticks += s?.ticks ?? 0;
    sysTicks += s?.sysTicks ?? 0;
  }
  return {
    at: performance.now(),
    cpuMs: (ticks / clockTicks()) * 1000,
    sysMs: (sysTicks / clockTicks()) * 1000,
    wakeups: pids.reduce((s, p) => s + voluntarySwitches(p), 0),
    rssKb: pids.reduce((s, p) => s + statusKb(p, 'VmRSS'), 0),
    anonKb: pids.reduce((s, p) => s + statusKb(p, 'RssAnon'), 0),
    pids,
  };
}

/** CPU between two samples as a percentage of one core. */
export function cpuPercent(a: TreeSample, b: TreeSample): number {
  return ((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100;
}

/** The system (kernel) part of cpuPercent. */
export function sysPercent(a: TreeSample, b: TreeSample): number {
  return ((b.sysMs - a.sysMs) / (b.at - a.at)) * 100;
}

/** Voluntary context switches (wake-ups) per second between two samples. */
export function wakeupsPerSecond(a: TreeSample, b: TreeSample): number {
  return ((b.wakeups - a.wakeups) / (b.at - a.at)) * 1000;
}
