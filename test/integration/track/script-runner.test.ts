import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup, runScript, toOutcome } from '../../../src/io/script-runner.js';

let dir: string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * True while a live (non-zombie) process of group `pgid` exists. Zombies do not count: orphaned
 * grandchildren are reaped by PID 1, and this sandbox's PID 1 does not reap (systemd does).
 */
function groupAlive(pgid: number): boolean {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid && rest[0] !== 'Z') return true;
  }
  return false;
}

function liveProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Our descriptors above 2 that are NOT close-on-exec: inherited from whoever started us. */
function inheritedFds(): number[] {
  const out: number[] = [];
  for (const fd of readdirSync('/proc/self/fdinfo')) {
    const n = Number(fd);
    if (n <= 2) continue;
    try {
      const flags = /flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags !== undefined && (parseInt(flags, 8) & 0o2000000) === 0) out.push(n);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

async function script(name: string, body: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, `#!/bin/sh\n${body}\n`);
  await chmod(p, 0o755);
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vtt-run-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runScript', () => {
  it('runs an executable path directly with its arguments and reports the exit code', async () => {
    const out = join(dir, 'args.txt');
    const p = await script('args.sh', `printf '%s|' "$0" "$@" > ${out}; exit 3`);
    const r = await runScript({ command: `${p} one "two words"`, timeoutMs: 5000 });
    expect(r.plan?.mode).toBe('direct');
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(await readFile(out, 'utf8')).toBe(`${p}|one|two words|`);
    expect(toOutcome(r)).toEqual({ kind: 'exit', code: 3 });
  });

  it('anything else goes through /bin/sh -c', async () => {
    const r = await runScript({ command: 'test 1 -eq 1 && exit 0 || exit 9', timeoutMs: 5000 });
    expect(r.plan).toEqual({ mode: 'shell', file: '/bin/sh', args: ['-c', 'test 1 -eq 1 && exit 0 || exit 9'] });
    expect(r.exitCode).toBe(0);
    const f = await runScript({ command: 'exit 7', timeoutMs: 5000 });
    expect(f.exitCode).toBe(7);
  });

  it('a non-executable path falls back to the shell, which fails it', async () => {
    const p = join(dir, 'noexec.sh');
    await writeFile(p, 'exit 0\n');
    await chmod(p, 0o644);
    const r = await runScript({ command: p, timeoutMs: 5000 });
    expect(r.plan?.mode).toBe('shell');
    expect(r.exitCode).toBe(126);
  });

  it('appends extra args (generic notify) in both modes', async () => {
    const out = join(dir, 'extra.txt');
    const p = await script('extra.sh', `echo "$@" > ${out}`);
    await runScript({ command: `${p} a`, timeoutMs: 5000, extraArgs: ['INSTANCE', 'VI_1', 'MASTER', '100'] });
    expect((await readFile(out, 'utf8')).trim()).toBe('a INSTANCE VI_1 MASTER 100');
    await runScript({ command: `echo b > ${out}; echo`, timeoutMs: 5000, extraArgs: ['GROUP', 'G', 'FAULT', '0'] });
    expect((await readFile(out, 'utf8')).trim()).toBe('b');
  });

  it('kills a hanging script and its children at the timeout (group gone afterwards)', async () => {
    const pidFile = join(dir, 'child.pid');
    // The script ignores SIGTERM and leaves a background child that also ignores it.
    const p = await script('hang.sh', `trap '' TERM; sleep 30 & echo $! > ${pidFile}; while :; do sleep 1; done`);
    const t0 = performance.now();
    const r = await runScript({ command: p, timeoutMs: 300, killGraceMs: 300 });
    const took = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(toOutcome(r)).toEqual({ kind: 'timeout' });
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(3000);
    const child = Number(await readFile(pidFile, 'utf8'));
    await sleep(200);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(child)).toBe(false);
  });

  it('aborting (the daemon stops) kills a running script and its children at once', async () => {
    const pidFile = join(dir, 'abort-child.pid');
    const p = await script('abort.sh', `trap '' TERM; sleep 30 & echo $! > ${pidFile}; while :; do sleep 1; done`);
    const ac = new AbortController();
    const t0 = performance.now();
    const running = runScript({ command: p, timeoutMs: 60_000, signal: ac.signal });
    await sleep(300);
    ac.abort();
    const r = await running;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.signal).toBe('SIGKILL');
    const child = Number(await readFile(pidFile, 'utf8'));
    await sleep(200);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(child)).toBe(false);
  });

  it('a script that obeys SIGTERM is gone at the timeout, with its children', async () => {
    const p = await script('polite.sh', 'sleep 30 & sleep 30 & wait');
    const t0 = performance.now();
    const r = await runScript({ command: p, timeoutMs: 200 });
    expect(performance.now() - t0).toBeLessThan(1500); // not the 2 s SIGKILL grace
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
    await sleep(100);
    expect(groupAlive(r.pid!)).toBe(false);
  });

  it('never blocks the event loop while a script runs', async () => {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    await runScript({ command: 'sleep 0.5', timeoutMs: 5000 });
    clearInterval(iv);
    expect(ticks).toBeGreaterThan(10);
  });

  it('stdio is /dev/null and no descriptor of ours leaks into the script', async () => {
    const out = join(dir, 'fds.txt');
    // `exec` with a redirection replaces the shell without dash's saved copies of fds 1 and 2.
    const p = await script('fds.sh', `exec ls -l /proc/self/fd > ${out} 2>&1`);
    const r = await runScript({ command: p, timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    const lines = (await readFile(out, 'utf8')).split('\n').filter((l) => / \d+ -> /.test(l));
    // ls's own handle on the directory it lists is not a leak
    const fds = lines.filter((l) => !/-> \/proc\/\d+\/fd$/.test(l)).map((l) => Number(/ (\d+) -> /.exec(l)![1]));
    // stdin on /dev/null; above 2 only what our own launcher leaked to us (systemd leaks none):
    // nothing Node or we opened (all close-on-exec).
    expect(lines.filter((l) => / 0 -> /.test(l))[0]).toMatch(/\/dev\/null/);
    const allowed = new Set(inheritedFds());
    expect(fds.filter((f) => f > 2 && !allowed.has(f))).toEqual([]);
  });

  it('runs as another uid/gid (script_user)', async () => {
    if (process.getuid?.() !== 0) return;
    const out = join(dir, 'id.txt');
    await chmod(dir, 0o777);
    const r = await runScript({ command: `id -u > ${out}; id -g >> ${out}; id -G >> ${out}`, timeoutMs: 5000, uid: 65534, gid: 65534 });
    expect(r.exitCode).toBe(0);
    expect((await readFile(out, 'utf8')).split('\n').slice(0, 3)).toEqual(['65534', '65534', '65534']);
    await chmod(dir, 0o700);
  });

  it('a missing program is an error value, not an exception', async () => {
    const r = await runScript({ command: 'a "b', timeoutMs: 1000 });
    expect(r.error).toMatch(/closing/);
    expect(toOutcome(r).kind).toBe('error');
    const m = await runScript({ command: '/nonexistent/x', timeoutMs: 1000 });
    expect(m.exitCode).toBe(127); // via the shell: not found
  });

  it('killGroup on a gone group is false', () => {
    expect(killGroup(2 ** 22 - 3, 'SIGTERM')).toBe(false);
  });
});

describe('runCheck', () => {
  it('maps scripts and tcp checks to tracker outcomes', async () => {
    const { runCheck } = await import('../../../src/io/script-runner.js');
    expect(await runCheck({ kind: 'script', command: 'exit 0' }, 2000)).toEqual({ kind: 'exit', code: 0 });
    expect(await runCheck({ kind: 'script', command: 'sleep 5' }, 100, 100)).toEqual({ kind: 'timeout' });
    const tcp = await runCheck({ kind: 'tcp', target: { host: '127.0.0.1', port: 1 } }, 500);
    expect(tcp).toEqual({ kind: 'fail', detail: 'ECONNREFUSED' });
  });
});
