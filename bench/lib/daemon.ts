/**
 * One vrrpd daemon in a lab namespace for the benches: its config file, its JSON log lines
 * (with the wall time each arrived), and waits on state-change lines.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabHost } from '../../src/lab/netns.js';
import { CLI } from './paths.js';

export interface LogLine {
  /** Epoch ms when the bench read the line. */
  readonly t: number;
  readonly msg: string;
  readonly [k: string]: unknown;
}

export class Daemon {
  proc: ChildProcess | undefined;
  readonly logs: LogLine[] = [];
  readonly confPath: string;
  readonly runDir: string;
  #wake: (() => void)[] = [];

  constructor(
    readonly host: LabHost,
    dir: string,
  ) {
    this.confPath = join(dir, `${host.name}.conf`);
    this.runDir = join(dir, `run-${host.name}`);
  }

  writeConfig(text: string): void {
    writeFileSync(this.confPath, text);
  }

  start(): void {
    const proc = this.host.spawn('node', [CLI, 'run', '-f', this.confPath, '--run-dir', this.runDir, '--log-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
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

  #push(line: string): void {
    try {
      this.logs.push({ ...(JSON.parse(line) as object), t: Date.now() } as LogLine);
    } catch {
      this.logs.push({ t: Date.now(), msg: line });
    }
    for (const w of this.#wake.splice(0)) w();
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first log line from index `from` on that matches, or throws after `timeoutMs`. */
  async waitFor(pred: (l: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logs.slice(from).find(pred);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.host.name}: timed out; last lines:\n${this.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 200));
        this.#wake.push(() => {
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

  /** Signal the daemon and wait for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc || !this.running) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await exited;
  }
}

/** The seed's instance (VRID 251, PASS) with knobs for the benches. */
export function instanceConfig(o: { state?: 'MASTER' | 'BACKUP'; priority: number; extra?: string; scripts?: string }): string {
  return `global_defs {
  router_id bench
  vrrp_garp_master_delay 1
}
${o.scripts ?? ''}
vrrp_instance VI_1 {
  state ${o.state ?? 'BACKUP'}
  interface eth0
  virtual_router_id 251
  priority ${o.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass PASS
  }
  virtual_ipaddress {
    192.168.50.100/24
  }
${o.extra ?? ''}
}
`;
}
