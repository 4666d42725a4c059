/**
 * Processes of the lab: each runs inside a host's namespace through `ip netns exec` (which execs
 * the command in place, so the pid we get is the command's), detached into its own process
 * group with its output in a file, so `vrrpd lab up` can exit and leave them running. Whatever
 * happens, deleting the lab kills every process left in its namespaces.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect } from 'node:net';
import { run } from '../io/exec.js';

/** Starts `cmd args` in namespace `ns`, output appended to `logFile`; returns its pid. */
export function spawnIn(ns: string, cmd: string, args: readonly string[], logFile: string): number {
  const fd = openSync(logFile, 'a', 0o600);
  try {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${cmd} in ${ns}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Sends `signal` to `pid`; false when it was already gone. */
export function signal(pid: number | undefined, sig: NodeJS.Signals): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `stepMs` until it returns true; false after `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= end) return false;
    await sleep(stepMs);
  }
}

/** Waits until `pid` has exited (it is not our child, so we poll). */
export function waitExit(pid: number | undefined, timeoutMs: number): Promise<boolean> {
  return waitFor(() => !alive(pid), timeoutMs, 20);
}

/** Whether a TCP listener on `port` exists in namespace `ns` (ss -ltn). */
export async function listening(ns: string, port: number): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], { timeoutMs: 3000 });
  return r.ok && r.value.stdout.trim() !== '';
}

/** Whether `addr` (IPv4, or IPv6 in canonical form) is on `dev` in namespace `ns`. */
export async function hasAddress(ns: string, dev: string, addr: string): Promise<boolean> {
  const r = await run('ip', ['-n', ns, addr.includes(':') ? '-6' : '-4', '-o', 'addr', 'show', 'dev', dev], { timeoutMs: 3000 });
  return r.ok && r.value.stdout.includes(` ${addr}/`);
}

/** Whether a TCP connect to host:port succeeds from this namespace (used for loopback only). */
export function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (v: boolean): void => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}
