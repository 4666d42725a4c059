/**
 * keepalived as a lab peer (the interop tests, the benches): run in the foreground inside a
 * namespace (`-n -l -D -G --vrrp`, every pid file private), its console log collected with arrival
 * times, states read from its "(VI_1) Entering X STATE" lines.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

  start(): void {
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

  /** SIGTERM: keepalived sends priority 0 (if master) and exits; resolves on exit (SIGKILL after 5 s). */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const t = setTimeout(() => this.kill(), 5000);
    await exited;
    clearTimeout(t);
  }

  /** SIGKILL to the parent and its VRRP child (by the pids they wrote): a crash, no goodbye. */
  kill(): void {
    for (const pid of this.#pidsFromFiles()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // not running
      }
    }
    this.proc?.kill('SIGKILL');
  }

  /** Until the parent and the VRRP child are both gone (or `timeoutMs`). */
  async waitExit(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const proc = this.proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await Promise.race([new Promise((r) => proc.once('exit', r)), new Promise((r) => setTimeout(r, timeoutMs))]);
    }
    const pids = this.#pidsFromFiles();
    while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
