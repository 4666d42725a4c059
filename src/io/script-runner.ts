/**
 * Runs one check or notify script the way keepalived does, without blocking the event loop.
 *
 * - The first word, if it is a path to an executable file, is exec'ed directly with the other
 *   words as arguments; anything else goes through `/bin/sh -c` (see track/script-words.ts).
 * - The child leads its own process group (spawn `detached`: setsid), stdio is /dev/null and
 *   libuv marks every other descriptor close-on-exec, so nothing leaks into the script.
 * - At the timeout the whole group gets SIGTERM, then SIGKILL `killGraceMs` later (2 s, as
 *   keepalived). When the leader dies after our SIGTERM, the group gets SIGKILL at once so its
 *   children go too. A timed-out run reports `timedOut: true` and counts as a failure.
 * - Node reaps the child (no zombies); orphaned grandchildren are killed with the group.
 */
import { spawn } from 'node:child_process';
import { constants as fsc } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { planExec, splitScriptWords, type ExecPlan } from '../track/script-words.js';
import type { CheckOutcome } from '../track/script-tracker.js';
import type { TcpTarget } from '../track/tcp-target.js';
import { checkTcp, tcpOutcome } from './check-tcp.js';

export interface RunScriptOptions {
  /** The script string as configured (keepalived quoting). */
  readonly command: string;
  readonly timeoutMs: number;
  /** Between SIGTERM and SIGKILL at a timeout; default 2000 (keepalived). */
  readonly killGraceMs?: number;
  /** Run as this user / group (script_user); undefined = our own. */
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** Appended arguments (the generic notify's INSTANCE name state priority). */
  readonly extraArgs?: readonly string[];
  /** Environment; default: ours (process.env). */
  readonly env?: NodeJS.ProcessEnv;
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
  readonly plan: ExecPlan | undefined;
  /** Set when the script could not be started (parse error, ENOENT, EACCES...). */
  readonly error?: string;
}


/** True when `path` is a regular file we may execute (async: never blocks the loop). */
export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    if (!st.isFile()) return false;
    await access(path, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Work out how to run `command` (direct exec or shell). */
export async function resolvePlan(command: string, extraArgs: readonly string[] = []): Promise<ExecPlan | string> {
  const words = splitScriptWords(command);
  if (!words.ok) return words.error.detail;
  const first = words.value[0] ?? '';
  const direct = first.includes('/') && (await isExecutableFile(first));
  return planExec(command, words.value, direct, extraArgs);
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

/** Run a script to completion (or its timeout). Never rejects. */
export async function runScript(opts: RunScriptOptions): Promise<RunScriptResult> {
  const t0 = performance.now();
  const plan = await resolvePlan(opts.command, opts.extraArgs);
  if (typeof plan === 'string') {
    return { exitCode: null, signal: null, timedOut: false, durationMs: 0, pid: undefined, plan: undefined, error: plan };
  }
  return new Promise<RunScriptResult>((resolve) => {
    let timedOut = false;
    let settled = false;
    let termTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(plan.file, [...plan.args], {
      detached: true,
      stdio: 'ignore',
      env: opts.env ?? process.env,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const pid = child.pid;
    const finish = (r: Omit<RunScriptResult, 'durationMs' | 'pid' | 'plan' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(termTimer);
      clearTimeout(killTimer);
      // Leader gone after our SIGTERM: make sure the rest of its group goes too.
      if (timedOut && pid !== undefined) killGroup(pid, 'SIGKILL');
      resolve({ ...r, timedOut, durationMs: performance.now() - t0, pid, plan });
    };
    const abort = (): void => {
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
    };
    child.once('error', (e) => finish({ exitCode: null, signal: null, error: e.message }));
    child.once('exit', (code, signal) => {
      opts.signal?.removeEventListener('abort', abort);
      finish({ exitCode: code, signal });
    });
    if (pid === undefined) return; // 'error' follows
    if (opts.signal?.aborted) abort();
    else opts.signal?.addEventListener('abort', abort, { once: true });
    termTimer = setTimeout(() => {
      timedOut = true;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), opts.killGraceMs ?? 2000);
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

/** What a vrrp_script checks: a script (keepalived) or a TCP connect (vrrpd's `check_tcp`). */
export type CheckSpec =
  | { readonly kind: 'script'; readonly command: string; readonly uid?: number | undefined; readonly gid?: number | undefined }
  | { readonly kind: 'tcp'; readonly target: TcpTarget };

/** Run one check for a tracker's 'run' action; resolves to the tracker's 'result' input. Never rejects. */
export async function runCheck(spec: CheckSpec, timeoutMs: number, killGraceMs = 2000, signal?: AbortSignal): Promise<CheckOutcome> {
  if (spec.kind === 'tcp') return tcpOutcome(await checkTcp(spec.target, timeoutMs));
  return toOutcome(await runScript({ command: spec.command, timeoutMs, killGraceMs, uid: spec.uid, gid: spec.gid, signal }));
}
