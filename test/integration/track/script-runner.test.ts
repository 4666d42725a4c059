import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../../src/io/script-plan.js';
import { killGroup, runScript, toOutcome } from '../../../src/io/script-runner.js';
import { host, plan, run } from '../../helpers/scripts.js';

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

/**
 * The pid a test script wrote to `file` (written aside and renamed into place, so never half
 * written); throws when there is none: the script was stopped before it got that far.
 */
async function pidFrom(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || pid <= 1) throw new Error(`${file}: no pid written (the script was stopped before it wrote one)`);
  return pid;
}

/** Shell that writes the last background job's pid to `file`, atomically. */
const writePid = (file: string): string => `echo $! > ${file}.tmp; mv ${file}.tmp ${file}`;

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
    const r = await run(`${p} one "two words"`, { timeoutMs: 5000 });
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(await readFile(out, 'utf8')).toBe(`${p}|one|two words|`);
    expect(toOutcome(r)).toEqual({ kind: 'exit', code: 3 });
  });

  it('never through a shell: shell syntax reaches the program as words, a shell line is written explicitly', async () => {
    const out = join(dir, 'words.txt');
    const p = await script('words.sh', `printf '%s|' "$@" > ${out}`);
    expect((await run(`${p} a && exit 0 $(date) >x`, { timeoutMs: 5000 })).exitCode).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('a|&&|exit|0|$(date)|>x|');
    const builtin = await planCommand('exit 7', host);
    expect(builtin.ok).toBe(false);
    expect(!builtin.ok && builtin.error).toContain(`write script "/bin/sh -c 'exit 7'"`);
    expect((await run("/bin/sh -c 'test 1 -eq 1 && exit 7'", { timeoutMs: 5000 })).exitCode).toBe(7);
  });

  it('a bare program name is searched in the scripts\' PATH, with a warning to write the full path', async () => {
    const p = await planCommand('true', host);
    expect(p).toMatchObject({ ok: true, value: { plan: { file: expect.stringMatching(/^\/(usr\/)?bin\/true$/), args: [] } } });
    expect(p.ok && p.value.notes[0]).toMatch(/found by PATH search .* write the full path/);
  });

  it('a path that is not an executable file is refused before anything runs', async () => {
    const p = join(dir, 'noexec.sh');
    await writeFile(p, 'exit 0\n');
    await chmod(p, 0o644);
    expect(await planCommand(p, host)).toMatchObject({ ok: false, error: expect.stringMatching(/not executable/) });
    expect(await planCommand('/nonexistent/x', host)).toMatchObject({ ok: false, error: expect.stringMatching(/does not exist/) });
    expect(await planCommand('a "b', host)).toMatchObject({ ok: false, error: expect.stringMatching(/closing/) });
  });

  it('appends extra args (generic notify) after the configured ones', async () => {
    const out = join(dir, 'extra.txt');
    const p = await script('extra.sh', `echo "$@" > ${out}`);
    await run(`${p} a`, { timeoutMs: 5000, extraArgs: ['INSTANCE', 'VI_1', 'MASTER', '100'] });
    expect((await readFile(out, 'utf8')).trim()).toBe('a INSTANCE VI_1 MASTER 100');
  });

  it('a spawn that throws (a NUL byte in an argument) is a failed run with its reason, never a rejection', async () => {
    const good = await plan('/bin/true');
    const r = await runScript({ plan: { ...good, args: ['a\0b'] }, launcher: host.launcher, timeoutMs: 1000 });
    expect(r).toMatchObject({ exitCode: null, pid: undefined });
    expect(r.error).toMatch(/cannot start \/bin\/true: .*null bytes/);
    expect(toOutcome(r)).toMatchObject({ kind: 'error' });
    // A program that vanished after planning: the launcher reports it, the run fails.
    const gone = await runScript({ plan: { ...good, file: join(dir, 'gone') }, launcher: host.launcher, timeoutMs: 1000 });
    expect(gone.exitCode).not.toBe(0);
  });

  it('the script holds no capability and gets only the documented environment', async () => {
    const caps = join(dir, 'caps.txt');
    const env = join(dir, 'env.txt');
    const p = await script('caps.sh', `grep -E '^Cap' /proc/$$/status > ${caps}; tr '\\0' '\\n' < /proc/$$/environ > ${env}; pwd >> ${env}`);
    expect((await run(p, { timeoutMs: 5000 })).exitCode).toBe(0);
    const sets = Object.fromEntries((await readFile(caps, 'utf8')).trim().split('\n').map((l) => l.split(/:\s+/)));
    expect(sets).toMatchObject({ CapInh: '0000000000000000', CapPrm: '0000000000000000', CapEff: '0000000000000000', CapAmb: '0000000000000000' });
    if (process.getuid?.() === 0) expect(sets.CapBnd).toBe('0000000000000000'); // root: the bounding set is emptied too
    const lines = (await readFile(env, 'utf8')).trim().split('\n');
    expect(lines.pop()).toBe('/');
    expect(lines.map((l) => l.split('=')[0]).sort()).toEqual(expect.arrayContaining(['HOME', 'PATH']));
    expect(lines.every((l) => /^(PATH|HOME|USER|LOGNAME)=/.test(l))).toBe(true);
    expect(lines).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('kills a hanging script and its children at the timeout (group gone afterwards)', async () => {
    const pidFile = join(dir, 'child.pid');
    // The script ignores SIGTERM and leaves a background child that also ignores it.
    // The timeout leaves the shell time to start and write the pid on a busy machine (at 300 ms it
    // could be killed first, and there was no child to check).
    const p = await script('hang.sh', `trap '' TERM; sleep 30 & ${writePid(pidFile)}; while :; do sleep 1; done`);
    const t0 = performance.now();
    const r = await run(p, { timeoutMs: 1000, killGraceMs: 300 });
    const took = performance.now() - t0;
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(toOutcome(r)).toEqual({ kind: 'timeout' });
    expect(took).toBeGreaterThanOrEqual(1250);
    expect(took).toBeLessThan(3700);
    const child = await pidFrom(pidFile);
    await sleep(200);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(child)).toBe(false);
  });

  it('at the timeout, also kills a child that left the group (setsid) while the script hung', async () => {
    const pidFile = join(dir, 'escaped.pid');
    // `setsid` in a background job is not a group leader: it calls setsid() and execs sleep ($!).
    const p = await script('escape.sh', `setsid sleep 30 & ${writePid(pidFile)}; trap '' TERM; while :; do sleep 1; done`);
    const r = await run(p, { timeoutMs: 1000, killGraceMs: 300 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    const escaped = await pidFrom(pidFile);
    expect(escaped).not.toBe(r.pid);
    await sleep(200);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(escaped)).toBe(false);
  });

  it('a script that starts a daemon and exits is judged at once; the daemon, no longer its child, is left alone', async () => {
    const pidFile = join(dir, 'daemon.pid');
    // The daemon keeps the script's stdout and stderr: /dev/null, never a pipe of ours to wait on.
    const p = await script('daemon.sh', `setsid sleep 30 & ${writePid(pidFile)}; exit 4`);
    const t0 = performance.now();
    const r = await run(p, { timeoutMs: 5000 });
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r).toMatchObject({ exitCode: 4, timedOut: false });
    const daemon = await pidFrom(pidFile);
    expect(liveProcess(daemon)).toBe(true);
    process.kill(daemon, 'SIGKILL');
  });

  it('megabytes on stdout and stderr go to /dev/null: the check is judged by its exit status, our memory unmoved', async () => {
    const p = await script('flood.sh', 'head -c 64000000 /dev/zero; head -c 64000000 /dev/zero >&2; exit 5');
    const rss0 = process.memoryUsage().rss;
    const r = await run(p, { timeoutMs: 20_000 });
    expect(r).toMatchObject({ exitCode: 5, timedOut: false });
    expect(process.memoryUsage().rss - rss0).toBeLessThan(16 * 1024 * 1024);
  });

  it('aborting (the daemon stops) kills a running script and its children at once', async () => {
    const pidFile = join(dir, 'abort-child.pid');
    const p = await script('abort.sh', `trap '' TERM; sleep 30 & ${writePid(pidFile)}; while :; do sleep 1; done`);
    const ac = new AbortController();
    const running = run(p, { timeoutMs: 60_000, signal: ac.signal });
    // Abort once the script has its child (not after a fixed 300 ms, which a busy machine can outrun).
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await sleep(20);
    const t0 = performance.now();
    ac.abort();
    const r = await running;
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(r.signal).toBe('SIGKILL');
    const child = await pidFrom(pidFile);
    await sleep(200);
    expect(groupAlive(r.pid!)).toBe(false);
    expect(liveProcess(child)).toBe(false);
  });

  it('a script that obeys SIGTERM is gone at the timeout, with its children', async () => {
    const p = await script('polite.sh', 'sleep 30 & sleep 30 & wait');
    const t0 = performance.now();
    const r = await run(p, { timeoutMs: 200 });
    expect(performance.now() - t0).toBeLessThan(1500); // not the 2 s SIGKILL grace
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
    await sleep(100);
    expect(groupAlive(r.pid!)).toBe(false);
  });

  it('never blocks the event loop while a script runs', async () => {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 10);
    await run('/bin/sleep 0.5', { timeoutMs: 5000 });
    clearInterval(iv);
    expect(ticks).toBeGreaterThan(10);
  });

  it('stdio is /dev/null and no descriptor of ours leaks into the script', async () => {
    const out = join(dir, 'fds.txt');
    // `exec` with a redirection replaces the shell without dash's saved copies of fds 1 and 2.
    const p = await script('fds.sh', `exec ls -l /proc/self/fd > ${out} 2>&1`);
    const r = await run(p, { timeoutMs: 5000 });
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
    const base = await plan(`/bin/sh -c 'id -u > ${out}; id -g >> ${out}; id -G >> ${out}'`);
    const r = await runScript({ plan: { ...base, uid: 65534, gid: 65534 }, launcher: host.launcher, timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    expect((await readFile(out, 'utf8')).split('\n').slice(0, 3)).toEqual(['65534', '65534', '65534']);
    await chmod(dir, 0o700);
  });

  it('killGroup on a gone group is false', () => {
    expect(killGroup(2 ** 22 - 3, 'SIGTERM')).toBe(false);
  });
});

describe('runCheck', () => {
  it('maps scripts and tcp checks to tracker outcomes', async () => {
    const { runCheck } = await import('../../../src/io/script-runner.js');
    const spec = async (command: string) => ({ kind: 'script' as const, plan: await plan(command), launcher: host.launcher });
    expect(await runCheck(await spec('/bin/true'), 2000)).toEqual({ kind: 'exit', code: 0 });
    expect(await runCheck(await spec('/bin/sleep 5'), 100, 100)).toEqual({ kind: 'timeout' });
    const tcp = await runCheck({ kind: 'tcp', target: { host: '127.0.0.1', port: 1 } }, 500);
    expect(tcp).toEqual({ kind: 'fail', detail: 'ECONNREFUSED' });
  });
});
