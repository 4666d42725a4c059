/**
 * One vrrpd daemon run in a lab namespace by the tests and the benches: its config file, its
 * JSON log lines as they arrive (stamped with the wall time each was read), and waits on them.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost } from './netns.js';
import { binNodeFlags } from './node-flags.js';

export interface LogLine {
  /** Epoch ms when the line was read. */
  readonly t: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export class DaemonProcess {
  proc: ChildProcess | undefined;
  readonly logs: LogLine[] = [];
  readonly runDir: string;
  readonly confPath: string;
  #waiters: (() => void)[] = [];

  /** `cli` is the daemon's command line (topology.ts vrrpdMain(): the bin's bundle); files go under `dir`. */
  constructor(
    readonly host: LabHost,
    readonly dir: string,
    readonly cli: string,
  ) {
    this.runDir = join(dir, `run-${host.name}`);
    this.confPath = join(dir, `${host.name}.conf`);
  }

  writeConfig(text: string): void {
    writeFileSync(this.confPath, text);
  }

  /**
   * `extra`: more `vrrpd run` arguments. `wrapper` runs the daemon through a program (e.g. setpriv,
   * as the systemd unit's user); `env` replaces ours; `nodeArgs`: node's own, by default the bin's
   * (its shebang's).
   */
  start(extra: string[] = [], opts: { wrapper?: readonly string[]; env?: NodeJS.ProcessEnv; nodeArgs?: readonly string[] } = {}): void {
    const args = [...(opts.nodeArgs ?? binNodeFlags(this.cli)), this.cli, 'run', '-f', this.confPath, '--run-dir', this.runDir, '--log-json', ...extra];
    const [cmd, ...pre] = [...(opts.wrapper ?? []), 'node'];
    const proc = this.host.spawn(cmd!, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    this.proc = proc;
    let buf = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        this.#push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => this.logs.push({ t: Date.now(), msg: `stderr: ${chunk.toString()}` }));
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first log line (from index `from` on) that matches, or an error after `timeoutMs`. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logs.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.host.name}: timed out; last log lines:\n${this.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  /** A state-change line ("VI_1: BACKUP -> MASTER") into `to`. */
  waitState(to: string, timeoutMs: number, from = 0): Promise<LogLine> {
    return this.waitFor((l) => l.to === to && typeof l.from === 'string', timeoutMs, from);
  }

  /** The daemon reports its VIPs added (the state line comes before `ip addr` finishes). */
  waitVipsAdded(timeoutMs: number, from = 0): Promise<LogLine> {
    return this.waitFor((l) => l.msg === 'virtual addresses updated' && l.action === 'added', timeoutMs, from);
  }

  /** The instance state as the daemon last logged it. */
  lastState(): string | undefined {
    return [...this.logs].reverse().find((l) => typeof l.to === 'string' && typeof l.from === 'string')?.to as string | undefined;
  }

  /** Signal the daemon and wait for it to exit; its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const proc = this.proc;
    if (!proc || !this.running) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    return exited;
  }

  #push(line: string): void {
    try {
      this.logs.push({ ...(JSON.parse(line) as object), t: Date.now() } as LogLine);
    } catch {
      this.logs.push({ t: Date.now(), msg: line });
    }
    for (const w of this.#waiters.splice(0)) w();
  }
}
