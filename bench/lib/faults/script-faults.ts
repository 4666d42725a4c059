/**
 * The check-script faults (imported through matrix.ts's FAULTS only). op1 tracks `vrrp_script chk`
 * (interval 1 s, timeout 2 s, weight -20: a failed check lowers it to priority 80, under op2's 90),
 * a shell script whose behaviour a mode file switches once the lab has settled: it hangs (ignoring
 * SIGTERM, after starting a `setsid` child), it starts daemons and exits 0, or it prints megabytes
 * and exits 1. Each row checks the failover (or its absence) with the judge, and op1's health
 * around it: resident memory, fds, its children and zombies, its advert gaps while it was master,
 * and what the script left running (its processes carry a marker in their environment).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { masterDownIntervalMs } from '../../../src/protocol/timers.js';
import { signal, sleep, waitFor } from '../../../src/lab/procs.js';
import { descendants, procState, statusKb } from '../proc-tree.js';
import { INTERVAL_MS, PRIORITY, VRID, type FaultLab } from './lab.js';
import { judged, resources, type Fault, type FaultOutcome } from './matrix.js';

/** vrrp_script chk's timing (ms) and the SIGTERM-to-SIGKILL grace at its timeout (keepalived's 2 s). */
const CHECK = { intervalMs: 1000, timeoutMs: 2000, killGraceMs: 2000 };
const MARK = 'VTX_SCRIPT_FAULT';

/** The check: its mode file decides; every process it starts carries MARK=<lab dir> in its environment. */
const checkScript = (dir: string): string => `#!/bin/sh
export ${MARK}=${dir}
case "$(cat ${dir}/chk-mode 2>/dev/null)" in
hang) setsid sleep 600 & trap '' TERM; while :; do sleep 1; done ;;
daemon) setsid sleep 600 & setsid sh -c 'exec sleep 600' </dev/null >/dev/null 2>&1 & exit 0 ;;
flood) head -c 16000000 /dev/zero; head -c 16000000 /dev/zero >&2; exit 1 ;;
*) exit 0 ;;
esac
`;

/** Writes the check script; op1 tracks it. */
function setup(f: FaultLab) {
  const path = join(f.dir, 'chk.sh');
  writeFileSync(path, checkScript(f.dir), { mode: 0o755 });
  const s = CHECK;
  const scripts = `vrrp_script chk {\n  script "${path}"\n  interval ${s.intervalMs / 1000}\n  timeout ${s.timeoutMs / 1000}\n  weight -20\n}\n`;
  return { op1: { scripts, extra: '  track_script {\n    chk\n  }\n' } };
}

/** Processes carrying this lab's marker, split by whether they still descend from `daemon`. */
function marked(f: FaultLab, daemon: number): { attached: number[]; orphans: number[] } {
  const mine = new Set(descendants(daemon));
  const out = { attached: [] as number[], orphans: [] as number[] };
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let env = '';
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (!env.split('\0').includes(`${MARK}=${f.dir}`) || procState(Number(name)) === 'Z') continue;
    (mine.has(Number(name)) ? out.attached : out.orphans).push(Number(name));
  }
  return out;
}

/** The daemon's memory, fds, direct children and zombie children. */
function health(pid: number): { rssKb: number; fds: number; children: number; zombies: number } {
  const kids = descendants(pid).filter((p) => p !== pid && readPpid(p) === pid);
  return { rssKb: statusKb(pid, 'VmRSS'), ...resources(pid), children: kids.length, zombies: kids.filter((p) => procState(p) === 'Z').length };
}

function readPpid(pid: number): number | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(t.slice(t.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** op1's longest gap between adverts (priority > 0) from `from` until op2's first advert (or `to`). */
function op1Gap(f: FaultLab, from: number, to: number): number {
  const all = (f.capture?.adverts() ?? []).filter((a) => a.vrid === VRID && a.priority > 0);
  const takeover = all.find((a) => a.t >= from && a.src === f.node('op2').host.ip)?.t ?? to;
  const mine = all.filter((a) => a.src === f.node('op1').host.ip && a.t >= from - INTERVAL_MS && a.t <= takeover).map((a) => a.t);
  let gap = 0;
  for (let i = 1; i < mine.length; i++) gap = Math.max(gap, mine[i]! - mine[i - 1]!);
  return gap;
}

type Health = ReturnType<typeof health>;

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
  } catch {
    return '?';
  }
};

const countBy = (xs: readonly string[]): Record<string, number> => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

/** The health findings as a detail and violations: fds back, no zombie, memory within `rssSlackKb`, no orphan. */
function healthFindings(before: Health, after: Health, orphans: number, orphansAllowed: boolean, rssSlackKb: number): { detail: string; violations: string[] } {
  const v: string[] = [];
  if (after.fds > before.fds) v.push(`fds ${before.fds} -> ${after.fds}`);
  if (after.zombies > 0) v.push(`${after.zombies} zombie children`);
  if (after.rssKb - before.rssKb > rssSlackKb) v.push(`RSS grew ${((after.rssKb - before.rssKb) / 1024).toFixed(1)} MB`);
  if (orphans > 0 && !orphansAllowed) v.push(`${orphans} processes of the script left behind`);
  const detail = `RSS ${(before.rssKb / 1024).toFixed(1)} -> ${(after.rssKb / 1024).toFixed(1)} MB, fds ${before.fds} -> ${after.fds}, children ${before.children} -> ${after.children}, zombies ${after.zombies}, script processes left behind ${orphans}`;
  return { detail, violations: v };
}

/** Adds violations to an outcome. */
function withViolations(o: FaultOutcome, extra: readonly string[]): FaultOutcome {
  if (extra.length === 0) return o;
  return { ...o, verdict: { ...o.verdict, ok: false, violations: [...o.verdict.violations, ...extra] } };
}

/** op1's daemon as the script rows see it: vrrpd, or keepalived (its VRRP child runs the checks). */
interface Op1 {
  readonly pid: number;
  /** Log lines so far, to count from. */
  mark(): number;
  /** Since `mark`: lines, bytes, and lines about skipped runs. */
  logged(mark: number): { lines: number; bytes: number; skips: number };
  stop(): Promise<unknown>;
}

function op1Daemon(f: FaultLab): Op1 {
  const ka = f.node('op1').keepalived;
  if (ka) {
    const since = (m: number) => ka.lines.slice(m);
    return {
      pid: ka.pids()[0]!, // its VRRP child: the process that forks the checks
      mark: () => ka.lines.length,
      logged: (m) => ({ lines: since(m).length, bytes: since(m).reduce((n, l) => n + l.line.length + 1, 0), skips: since(m).filter((l) => /skipping run/.test(l.line)).length }),
      stop: () => ka.stop(),
    };
  }
  const d = f.vrrpd('op1');
  const since = (m: number) => d.logs.slice(m);
  return {
    pid: f.pid('op1'),
    mark: () => d.logs.length,
    logged: (m) => ({ lines: since(m).length, bytes: since(m).reduce((n, l) => n + JSON.stringify(l).length + 1, 0), skips: since(m).filter((l) => /still running/.test(l.msg)).length }),
    stop: () => d.stop('SIGTERM'),
  };
}

/**
 * Switches the check to `mode` and judges: `fails` (op2 takes over when op1's priority drops to
 * 80) within `boundMs` of the switch, or nothing moves. Then watches `watchMs` more and samples
 * op1's health. Stops op1 itself (vrrpd's SIGTERM kills a running check) and kills what the
 * script left running.
 */
async function scriptFault(f: FaultLab, mode: string, fails: boolean, boundMs: number, watchMs: number, o: { orphansAllowed?: boolean; rssSlackKb?: number } = {}): Promise<FaultOutcome> {
  const d = op1Daemon(f);
  const pid = d.pid;
  try {
    const before = health(pid);
    const mark = d.mark();
    const t0 = Date.now();
    writeFileSync(join(f.dir, 'chk-mode'), mode);
    if (fails) await f.settle('op2', boundMs + 15_000);
    await sleep(watchMs);
    // A check may be between fork and exit now: fds and children back to the baseline within 5 s.
    let after = health(pid);
    await waitFor(() => (after = health(pid)).fds <= before.fds && after.zombies === 0, 5000, 200);
    const orphans = marked(f, pid).orphans;
    const left = orphans.length;
    const log = d.logged(mark);
    const gap = op1Gap(f, t0, Date.now());
    const h = healthFindings(before, after, left, o.orphansAllowed === true, o.rssSlackKb ?? 8 * 1024);
    const v = [...h.violations, ...(gap > 2 * INTERVAL_MS ? [`op1 went ${gap.toFixed(0)} ms without an advert while master`] : [])];
    if (process.env.VRRPD_FAULTS_DEBUG) console.error(JSON.stringify({ children: descendants(pid).map((p) => `${p} ${readPpid(p)} ${procState(p)} ${cmdline(p)}`) }));
    const what = Object.entries(countBy(orphans.map(cmdline))).map(([c, n]) => `${n} x ${c}`).join(', ');
    const logged = `${what ? `left: ${what}; ` : ''}${log.lines} log lines (${(log.bytes / 1024).toFixed(1)} kB), ${log.skips} of them about skipped runs`;
    const opts = fails ? { expectMaster: new Map([[VRID, 'op2']]) } : { expectMaster: new Map([[VRID, 'op1']]), maxSourceChanges: 0 };
    return withViolations(await judged(f, t0, boundMs, opts, `${h.detail}; op1's longest advert gap ${gap.toFixed(0)} ms; ${logged}`), v);
  } finally {
    await d.stop();
    const m = marked(f, pid);
    for (const p of [...m.attached, ...m.orphans]) signal(p, 'SIGKILL');
  }
}

/** From the mode switch: the next run (one script interval), the script's own time, then op2's Master_Down_Interval. */
const failoverBound = (scriptMs: number): number => CHECK.intervalMs + scriptMs + masterDownIntervalMs(2, PRIORITY.op2!, 100);

export const SCRIPT_FAULTS: readonly Fault[] = [
  {
    id: 'script-hang',
    bound: 'script interval 1 s + timeout 2 s + SIGKILL grace 2 s (it ignores SIGTERM) + Master_Down_Interval(90); no zombie, no fd growth, no setsid child left, adverts on time',
    quick: false,
    setup,
    run: (f) => scriptFault(f, 'hang', true, failoverBound(CHECK.timeoutMs + CHECK.killGraceMs), 10_000),
  },
  {
    id: 'script-hang-keepalived',
    bound: 'as script-hang, op1 is keepalived 2.2.7 with the same check (for comparison: it signals only the script\'s process group)',
    quick: false,
    lab: { keepalived: ['op1'] },
    reference: true,
    setup,
    run: (f) => scriptFault(f, 'hang', true, failoverBound(CHECK.timeoutMs + CHECK.killGraceMs), 10_000),
  },
  {
    id: 'script-daemon-child',
    bound: '0: the check exits 0 after starting two setsid daemons (one keeping its stdout): nothing moves, no run waits for them',
    quick: false,
    setup,
    run: (f) => scriptFault(f, 'daemon', false, 0, 8000, { orphansAllowed: true }),
  },
  {
    id: 'script-flood',
    bound: 'script interval 1 s + Master_Down_Interval(90): 32 MB on stdout and stderr, then exit 1; memory and log bounded',
    quick: false,
    setup,
    run: (f) => scriptFault(f, 'flood', true, failoverBound(0), 8000),
  },
];
