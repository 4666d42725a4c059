/**
 * keepalived as a lab peer (the interop tests, the benches): run in the foreground inside a
 * namespace (`-n -l -D -G --vrrp`, every pid file private), its console log collected with arrival
 * times, states read from its "(VI_1) Entering X STATE" lines.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LabHost } from './netns.js';

export interface KaLine {
  readonly t: number;
  readonly line: string;
}

/** The version line, e.g. "Keepalived v2.2.7 (01/16,2022)", or undefined when keepalived is not installed. */
export function keepalivedVersion(): string | undefined {
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  if (r.error) return undefined;
  // keepalived prints its version on stderr.
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => /Keepalived v\d/.test(l));
}

/** Why keepalived cannot run here, or undefined. */
export function keepalivedMissing(): string | undefined {
  const v = keepalivedVersion();
  if (v === undefined) return 'keepalived is not installed (CI installs Debian\'s keepalived 2.2.7)';
  return /Keepalived v2\./.test(v) ? undefined : `keepalived 2.x needed, found: ${v}`;
}

export class Keepalived {
  proc: ChildProcess | undefined;
  readonly lines: KaLine[] = [];
  readonly confPath: string;
  readonly #pids: { main: string; vrrp: string; checkers: string; bfd: string };
  /** kill() was called since the last start(): waitExit() kills what it still finds. */
  #killed = false;

  constructor(
    readonly host: LabHost,
    readonly dir: string,
  ) {
    this.confPath = join(dir, `ka-${host.name}.conf`);
    const p = (what: string) => join(dir, `ka-${host.name}-${what}.pid`);
    this.#pids = { main: p('main'), vrrp: p('vrrp'), checkers: p('checkers'), bfd: p('bfd') };
  }

  writeConfig(text: string): void {
    writeFileSync(this.confPath, text);
  }

  /** Starts keepalived; throws if a process of an earlier start of it is still alive (kill() and waitExit() first). */
  start(): void {
    const left = this.processes();
    if (left.length > 0) throw new Error(`keepalived on ${this.host.name}: processes of an earlier start still alive (${left.join(', ')}); kill() and waitExit() first`);
    this.#killed = false;
    const p = this.#pids;
    // A pid file left by a SIGKILLed run makes keepalived refuse to start ("daemon is already running").
    for (const f of Object.values(p)) rmSync(f, { force: true });
    const args = ['-n', '-l', '-D', '-G', '--vrrp', '-f', this.confPath, '-p', p.main, '-r', p.vrrp, '-c', p.checkers, '-b', p.bfd];
    const proc = this.host.spawn('keepalived', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let buf = '';
      stream?.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.lines.push({ t: Date.now(), line: buf.slice(0, nl) });
          buf = buf.slice(nl + 1);
        }
      });
    };
    collect(proc.stdout);
    collect(proc.stderr);
  }

  async waitLine(re: RegExp, timeoutMs: number, from = 0): Promise<KaLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.slice(from).find((l) => re.test(l.line));
      if (hit) return hit;
      if (Date.now() > deadline) {
        throw new Error(`keepalived on ${this.host.name}: no line ${String(re)} in ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).map((l) => l.line).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  waitState(state: 'MASTER' | 'BACKUP' | 'FAULT', timeoutMs: number, from = 0, instance = 'VI_1'): Promise<KaLine> {
    return this.waitLine(new RegExp(`\\(${instance}\\) Entering ${state} STATE`), timeoutMs, from);
  }

  /** The last state keepalived logged entering for `instance`. */
  lastState(instance = 'VI_1'): string | undefined {
    const re = new RegExp(`\\(${instance}\\) Entering (\\w+) STATE`);
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = re.exec(this.lines[i]!.line);
      if (m) return m[1];
    }
    return undefined;
  }

  /**
   * SIGTERM: keepalived sends priority 0 (if master) and exits; resolves when every process of it is
   * gone (SIGKILL to all of them after 5 s).
   */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => this.kill(), 5000);
      await exited;
      clearTimeout(t);
    }
    await this.waitExit(5000);
    if (this.processes().length > 0) {
      this.kill();
      await this.waitExit(2000);
    }
  }

  /**
   * SIGKILL to every process of this keepalived (a crash, no goodbye): its parent, its VRRP child,
   * and any process left from an earlier start of it, found by command line (processes()), not by
   * pid file (a VRRP child writes its pid file after it forked and removes it before it exits).
   * All are stopped first (SIGSTOP): stopped, the parent cannot respawn a VRRP child it sees die, and
   * the child cannot say goodbye (priority 0) on the SIGTERM its parent's death sends it
   * (PR_SET_PDEATHSIG). waitExit() after kill() kills again whatever it still finds.
   */
  kill(): void {
    this.#killed = true;
    const proc = this.proc;
    stopThenKill(this.processes(), proc && proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined);
    proc?.kill('SIGKILL');
  }

  /** Until no process of this keepalived is alive (processes() empty), or `timeoutMs`. */
  async waitExit(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, timeoutMs))]);
    }
    for (;;) {
      const left = this.processes();
      if (left.length === 0 || Date.now() >= deadline) return;
      if (this.#killed) stopThenKill(left);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The live processes running keepalived on this object's config file (`-f confPath`, unique per
   * object): its parent and children, and a child that outlived its parent. A keepalived VRRP child
   * left running after its test (forked again by a parent that saw its child killed first, or one
   * whose pid file was not written yet or already removed) keeps advertising on the lab's LAN and
   * decides the next scenario instead of the keepalived just started; the interop tests have seen it.
   */
  processes(): number[] {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let argv: string[];
      try {
        argv = readFileSync(`/proc/${d}/cmdline`, 'latin1').split('\0');
      } catch {
        continue; // gone meanwhile
      }
      if (basename(argv[0] ?? '') === 'keepalived' && argv.includes(this.confPath)) out.push(Number(d));
    }
    return out;
  }

  /** The parent's and the VRRP child's pids, as they wrote them (empty before they have). */
  pids(): number[] {
    return this.#pidsFromFiles();
  }

  #pidsFromFiles(): number[] {
    const out: number[] = [];
    for (const f of [this.#pids.vrrp, this.#pids.main]) {
      try {
        const pid = Number(readFileSync(f, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 1) out.push(pid);
      } catch {
        // no file
      }
    }
    return out;
  }
}

/** SIGSTOP to every pid, then SIGKILL to each but `spared` (the caller kills that one last). */
function stopThenKill(pids: readonly number[], spared?: number): void {
  for (const pid of pids) signal(pid, 'SIGSTOP');
  for (const pid of pids) if (pid !== spared) signal(pid, 'SIGKILL');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // not running
  }
}
