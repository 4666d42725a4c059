/**
 * Reading processes from /proc for track_process: one process (after an exec or a name change)
 * or all of them (the start, a rescan, a poll). What is read is what keepalived reads: the name
 * and state from /proc/PID/stat (zombies are not running and never count), the command line from
 * /proc/PID/cmdline only when some tracker matches on it.
 *
 * /proc/PID/stat is small and never waits on the process; it is read synchronously, and a full
 * scan yields to the event loop every SCAN_CHUNK processes, so adverts never wait for a scan
 * longer than a millisecond or two. /proc/PID/cmdline reads the process's memory and can wait on
 * its memory map lock: it is read asynchronously (the libuv thread pool).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readFile } from './fs-async.js';
import type { ProcessView } from '../track/process-match.js';
import type { ProcessEntry } from '../track/process-tracker.js';

/** The command line is read up to this much (keepalived reads less: the longest name it matches). */
const CMDLINE_MAX = 4096;
/** Processes read between two yields to the event loop. */
const SCAN_CHUNK = 64;

export interface StatFields {
  readonly comm: string;
  /** R, S, D, Z, T, t, X, I... */
  readonly state: string;
  readonly ppid: number;
  /** The process group. */
  readonly pgrp: number;
}

/** Parse /proc/PID/stat: "PID (COMM) S PPID ..."; COMM may hold spaces and ')' (the last ')' ends it). */
export function parseProcStat(text: string): StatFields | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  if (rest[0] === undefined || rest[0] === '' || !Number.isInteger(ppid) || !Number.isInteger(pgrp)) return undefined;
  return { comm: text.slice(open + 1, close), state: rest[0], ppid, pgrp };
}

/** A process's command line as argv: NUL-separated, the trailing NUL dropped; [] for a kernel thread. */
export function parseCmdline(buf: Buffer): string[] {
  if (buf.length === 0) return [];
  const text = buf.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const statBuf = Buffer.alloc(1024);

/** /proc/PID/stat, synchronously; undefined when the process is gone or hidden. */
export function readStat(pid: number, procRoot = '/proc'): StatFields | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(`${procRoot}/${pid}/stat`, 'r');
    const n = readSync(fd, statBuf, 0, statBuf.length, 0);
    return parseProcStat(statBuf.toString('latin1', 0, n));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** /proc/PID/cmdline as argv, or undefined when the process is gone or hidden. */
export async function readArgv(pid: number, procRoot = '/proc'): Promise<string[] | undefined> {
  try {
    const buf = await readFile(`${procRoot}/${pid}/cmdline`);
    return parseCmdline(buf.subarray(0, CMDLINE_MAX));
  } catch {
    return undefined;
  }
}

const live = (s: StatFields): boolean => s.state !== 'Z' && s.state !== 'X' && s.state !== 'x';

/** One process as the trackers see it, or undefined when it is gone, hidden or a zombie. */
export async function readProcess(pid: number, wantArgv: boolean, procRoot = '/proc'): Promise<{ ppid: number; view: ProcessView } | undefined> {
  const stat = readStat(pid, procRoot);
  if (stat === undefined || !live(stat)) return undefined;
  if (!wantArgv) return { ppid: stat.ppid, view: { comm: stat.comm } };
  const argv = await readArgv(pid, procRoot);
  return argv === undefined ? undefined : { ppid: stat.ppid, view: { comm: stat.comm, argv } };
}

/** The children of every thread of `pid` (/proc/PID/task/TID/children); undefined when the kernel lacks the file. */
function childrenOf(pid: number, procRoot: string): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`${procRoot}/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${pid}/task/${tid}/children`, 'latin1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined;
      continue;
    }
    for (const w of text.split(' ')) if (w !== '') out.push(Number(w));
  }
  return out;
}

/** Parent -> children of every live process: one pass over /proc (the kernel lacks the children files). */
function childrenByScan(procRoot: string): Map<number, number[]> {
  const map = new Map<number, number[]>();
  let names: string[] = [];
  try {
    names = readdirSync(procRoot);
  } catch {
    // nothing to read
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name), procRoot);
    if (stat === undefined || !live(stat)) continue;
    map.set(stat.ppid, [...(map.get(stat.ppid) ?? []), Number(name)]);
  }
  return map;
}

/**
 * The process groups of `root` and of every live process descended from it (by parent links),
 * `root`'s own first: a script's children that left its group (setsid, setpgid) are still its
 * descendants while their parents live. Walks /proc/PID/task/TID/children from `root` (a few
 * reads: a full /proc pass took 15-30 ms of the event loop on a loaded machine), or one pass over
 * /proc where the kernel lacks those files. For the moment a script is killed, not for polling.
 */
export function descendantGroups(root: number, procRoot = '/proc'): number[] {
  let scanned: Map<number, number[]> | undefined;
  const kids = (pid: number): number[] => {
    const direct = scanned === undefined ? childrenOf(pid, procRoot) : undefined;
    if (direct !== undefined) return direct;
    scanned ??= childrenByScan(procRoot);
    return scanned.get(pid) ?? [];
  };
  const groups = new Set<number>();
  const seen = new Set<number>();
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    if (seen.has(pid)) continue;
    seen.add(pid);
    const stat = readStat(pid, procRoot);
    if (stat === undefined || !live(stat)) continue;
    groups.add(stat.pgrp);
    todo.push(...kids(pid));
  }
  return [...groups];
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Every live process, read in chunks between which timers run. */
export async function scanProcesses(wantArgv: boolean, procRoot = '/proc'): Promise<ProcessEntry[]> {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const out: ProcessEntry[] = [];
  const argvReads: Promise<void>[] = [];
  let n = 0;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 0x31 || c > 0x39 || !/^\d+$/.test(name)) continue;
    if (++n % SCAN_CHUNK === 0) await yieldToLoop();
    const pid = Number(name);
    const stat = readStat(pid, procRoot);
    if (stat === undefined || !live(stat)) continue;
    if (!wantArgv) {
      out.push({ pid, ppid: stat.ppid, view: { comm: stat.comm } });
      continue;
    }
    argvReads.push(
      readArgv(pid, procRoot).then((argv) => {
        if (argv !== undefined) out.push({ pid, ppid: stat.ppid, view: { comm: stat.comm, argv } });
      }),
    );
  }
  await Promise.all(argvReads);
  return out;
}

/**
 * How /proc is mounted for us: `hidepid` (systemd's ProtectProc=) hides other users' processes,
 * so they can never be counted. Read from /proc/self/mountinfo; undefined when nothing is hidden.
 */
export async function procHiding(procRoot = '/proc'): Promise<string | undefined> {
  const text = await readFile(`${procRoot}/self/mountinfo`, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (pre?.split(' ')[4] !== procRoot || post === undefined) continue;
    const hide = /(?:^|,)hidepid=([^,\s]+)/.exec(post.split(' ')[2] ?? '');
    if (hide && hide[1] !== '0' && hide[1] !== 'off') return `hidepid=${hide[1]}`;
  }
  return undefined;
}
