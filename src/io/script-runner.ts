/**
 * Runs one planned check or notify script (io/script-plan.ts) without blocking the event loop.
 *
 * - The program is exec'ed with its arguments, never through a shell, by way of the launcher
 *   (setpriv: no capability, the script's user); the environment is the plan's and nothing of
 *   ours; the working directory is `/`.
 * - The child leads its own process group (spawn `detached`: setsid), stdio is /dev/null and
 *   libuv marks every other descriptor close-on-exec, so nothing leaks into the script.
 * - At the timeout the whole group gets SIGTERM, then SIGKILL `killGraceMs` later (2 s, as
 *   keepalived). When the leader dies after our SIGTERM, the group gets SIGKILL at once so its
 *   children go too. A timed-out run reports `timedOut: true` and counts as a failure.
 * - Beyond keepalived (which signals only the script's group): a child that left the group
 *   (`setsid`, `setpgid`) while its parent still runs is still a descendant, and its group gets
 *   the same signals (read from /proc at the kill). A script that exits by itself is left alone,
 *   as are the daemons it started (keepalived alike): they are no longer ours to judge.
 * - Node reaps the child (no zombies); orphaned grandchildren are killed with the group.
 * - It forks only once the launcher's gate opens (the daemon's timers quiet: adverts first).
 * - It never rejects: a spawn that throws (EPERM, a NUL byte in an argument, EAGAIN) or fails
 *   later (ENOENT) is a result with `error` set, which the tracker counts as a failed check.
 */
import { childProcess, type ChildProcess } from './child-process.js';
import type { CheckOutcome } from '../track/script-tracker.js';
import type { TcpTarget } from '../track/tcp-target.js';
import { checkTcp, tcpOutcome } from './check-tcp.js';
import { descendantGroups, readStat } from './proc-scan.js';
import type { Launcher } from './script-launcher.js';
import type { ScriptPlan } from './script-plan.js';

export interface RunScriptOptions {
  readonly plan: ScriptPlan;
  readonly launcher: Launcher;
  /** Infinity: no timeout (a notify FIFO's reader runs as long as the daemon). */
  readonly timeoutMs: number;
  /** Between SIGTERM and SIGKILL at a timeout; default 2000 (keepalived). */
  readonly killGraceMs?: number;
  /** On abort: SIGTERM, then SIGKILL this much later; undefined: SIGKILL at once. */
  readonly abortGraceMs?: number;
  /** Appended arguments (the generic notify's INSTANCE name state priority). */
  readonly extraArgs?: readonly string[];
  /** Aborting kills the whole process group at once (the daemon is stopping). */
  readonly signal?: AbortSignal | undefined;
}

export interface RunScriptResult {
  /** Exit status, or null when killed by a signal or not started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** We killed it at its timeout: a failure whatever the exit status. */
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The process group id (= pid) while it ran, for tests and logs. */
  readonly pid: number | undefined;
  /** Set when the script could not be started (EPERM, ENOENT, a bad argument...). */
  readonly error?: string;
}

/** Send `sig` to the whole process group `pgid`; false when it is already gone. */
export function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Our own process group: never signalled as a script's. */
const ownGroup = readStat(process.pid)?.pgrp;

/**
 * `sig` to the script's group and to every group its descendants formed, now or at an earlier
 * kill (`groups` remembers them: a child reparented after its parent died is no longer found).
 * A group id is not reused while any member lives; once all are gone, only for the kill grace.
 */
function killTree(pid: number, groups: Set<number>, sig: NodeJS.Signals): void {
  groups.add(pid);
  for (const g of descendantGroups(pid)) if (g > 1 && g !== ownGroup) groups.add(g);
  for (const g of groups) killGroup(g, sig);
}

/** `spawn`, with a synchronous throw turned into a value. */
function start(opts: RunScriptOptions): ChildProcess | string {
  const { plan } = opts;
  const cmd = opts.launcher.argv(plan.file, [...plan.args, ...(opts.extraArgs ?? [])], plan.uid, plan.gid);
  try {
    return childProcess().spawn(cmd.file, [...cmd.args], { detached: true, stdio: 'ignore', env: { ...plan.env }, cwd: '/' });
  } catch (e) {
    return `cannot start ${plan.file}: ${(e as Error).message}`;
  }
}

/** Run a script to completion (or its timeout), forking once the launcher's gate opens. Never rejects. */
export async function runScript(opts: RunScriptOptions): Promise<RunScriptResult> {
  const t0 = performance.now();
  await opts.launcher.gate?.().catch(() => undefined);
  if (opts.signal?.aborted) return { exitCode: null, signal: null, timedOut: false, durationMs: performance.now() - t0, pid: undefined, error: 'not started: stopping' };
  return spawned(opts, t0);
}

function spawned(opts: RunScriptOptions, t0: number): Promise<RunScriptResult> {
  const child = start(opts);
  if (typeof child === 'string') {
    return Promise.resolve({ exitCode: null, signal: null, timedOut: false, durationMs: performance.now() - t0, pid: undefined, error: child });
  }
  return new Promise<RunScriptResult>((resolve) => {
    let timedOut = false;
    let settled = false;
    let termTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;
    let aborted = false;
    /** The process groups signalled so far (the script's and those its children formed). */
    const groups = new Set<number>();
    const abort = (): void => {
      if (pid === undefined) return;
      aborted = true;
      if (opts.abortGraceMs === undefined) {
        killTree(pid, groups, 'SIGKILL');
        return;
      }
      killTree(pid, groups, 'SIGTERM');
      clearTimeout(killTimer);
      killTimer = setTimeout(() => killTree(pid, groups, 'SIGKILL'), opts.abortGraceMs);
    };
    const finish = (r: Pick<RunScriptResult, 'exitCode' | 'signal' | 'error'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(termTimer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', abort);
      // Leader gone after our SIGTERM: make sure the rest of its group goes too.
      if ((timedOut || aborted) && pid !== undefined) for (const g of groups) killGroup(g, 'SIGKILL');
      resolve({ ...r, timedOut, durationMs: performance.now() - t0, pid });
    };
    child.once('error', (e) => finish({ exitCode: null, signal: null, error: `cannot start ${opts.plan.file}: ${e.message}` }));
    child.once('exit', (code, signal) => finish({ exitCode: code, signal }));
    if (pid === undefined) return; // 'error' follows
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
    if (!Number.isFinite(opts.timeoutMs)) return;
    termTimer = setTimeout(() => {
      timedOut = true;
      killTree(pid, groups, 'SIGTERM');
      killTimer = setTimeout(() => killTree(pid, groups, 'SIGKILL'), opts.killGraceMs ?? 2000);
    }, Math.max(0, opts.timeoutMs));
  });
}

/** The tracker's view of a run. */
export function toOutcome(r: RunScriptResult): CheckOutcome {
  if (r.error !== undefined) return { kind: 'error', detail: r.error };
  if (r.timedOut) return { kind: 'timeout' };
  if (r.exitCode !== null) return { kind: 'exit', code: r.exitCode };
  return { kind: 'signal', signal: r.signal ?? 'unknown' };
}

/** What a vrrp_script checks: a planned script (keepalived) or a TCP connect (vrrpd's `check_tcp`). */
export type CheckSpec =
  | { readonly kind: 'script'; readonly plan: ScriptPlan; readonly launcher: Launcher }
  | { readonly kind: 'tcp'; readonly target: TcpTarget };

/** Run one check for a tracker's 'run' action; resolves to the tracker's 'result' input. Never rejects. */
export async function runCheck(spec: CheckSpec, timeoutMs: number, killGraceMs = 2000, signal?: AbortSignal): Promise<CheckOutcome> {
  if (spec.kind === 'tcp') return tcpOutcome(await checkTcp(spec.target, timeoutMs));
  return toOutcome(await runScript({ plan: spec.plan, launcher: spec.launcher, timeoutMs, killGraceMs, signal }));
}
