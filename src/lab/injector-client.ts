/**
 * The caller's side of the packet injector (injector.ts): runs `injector.js --agent` inside a lab
 * host and talks to it in JSON lines. The invalid-packet tests and the soak bench use it.
 */
import type { ChildProcess } from 'node:child_process';
import type { LabHost } from './netns.js';
import { distFile } from './topology.js';

/** The compiled agent (the tests run this module from src/, the benches from dist/). */
const AGENT = distFile('src/lab/injector.js');

export interface AgentReply {
  readonly ok: boolean;
  readonly [k: string]: unknown;
}

export class InjectorAgent {
  #proc: ChildProcess;
  #buf = '';
  #next = 1;
  #pending = new Map<number, (r: AgentReply) => void>();
  #ready: Promise<void>;

  constructor(host: LabHost) {
    this.#proc = host.spawn('node', [AGENT, '--agent'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.#proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    this.#ready = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`injector agent did not start: ${stderr}`)), 10_000);
      this.#proc.once('exit', (code) => reject(new Error(`injector agent exited ${code}: ${stderr}`)));
      this.#proc.stdout?.on('data', (chunk: Buffer) => {
        this.#buf += chunk.toString();
        let nl: number;
        while ((nl = this.#buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(this.#buf.slice(0, nl)) as AgentReply & { id?: number; ev?: string };
          this.#buf = this.#buf.slice(nl + 1);
          if (msg.ev === 'ready') {
            clearTimeout(t);
            resolve();
          } else if (msg.id !== undefined) {
            this.#pending.get(msg.id)?.(msg);
            this.#pending.delete(msg.id);
          }
        }
      });
    });
  }

  async #call(cmd: object): Promise<AgentReply> {
    await this.#ready;
    const id = this.#next++;
    const reply = new Promise<AgentReply>((r) => this.#pending.set(id, r));
    this.#proc.stdin?.write(`${JSON.stringify({ id, ...cmd })}\n`);
    return reply;
  }

  /** Sends each datagram `repeat` times (in order), `gapMs` between rounds. */
  async send(packets: readonly Uint8Array[], repeat = 1, gapMs = 0): Promise<AgentReply> {
    const r = await this.#call({ op: 'send', packets: packets.map(hex), repeat, gapMs });
    if (!r.ok) throw new Error(`inject failed: ${JSON.stringify(r)}`);
    return r;
  }

  flood(packets: readonly Uint8Array[], ratePerSec: number, durationMs: number): Promise<AgentReply> {
    return this.#call({ op: 'flood', packets: packets.map(hex), ratePerSec, durationMs });
  }

  async close(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const exited = new Promise((r) => this.#proc.once('exit', r));
    this.#proc.stdin?.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.#proc.kill('SIGKILL');
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
