/**
 * Test side of the packet injector: runs `dist/src/lab/injector.js --agent` inside a lab host and
 * talks to it in JSON lines; plus counter snapshots of a running vrrpd and their differences.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LabHost } from '../../helpers/netns.js';
import { ROOT, type Node } from '../daemon/harness.js';

const AGENT = join(ROOT, 'dist', 'src', 'lab', 'injector.js');

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

/** Every counter of a daemon's first instance and of its interface, flattened: `counters.x`, `io.x`, `eth0.x`. */
export async function counterSnapshot(node: Node): Promise<Record<string, number>> {
  const s = await node.status();
  const out: Record<string, number> = {};
  const inst = s.instances[0]!;
  for (const [k, v] of Object.entries(inst.counters)) out[`counters.${k}`] = v;
  for (const [k, v] of Object.entries(inst.io)) out[`io.${k}`] = v;
  for (const [k, v] of Object.entries(s.interfaces.find((i) => i.name === 'eth0')?.counters ?? {})) out[`eth0.${k}`] = v;
  return out;
}

/** Counters that move by themselves on a running router (its own adverts, packet totals). */
const BACKGROUND = new Set(['counters.advertiseSent', 'io.garpSent', 'eth0.received', 'eth0.ownPackets']);

/** Non-zero differences between two snapshots, background counters left out. */
export function counterDelta(before: Record<string, number>, after: Record<string, number>, background = BACKGROUND): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    if (background.has(k)) continue;
    const diff = v - (before[k] ?? 0);
    if (diff !== 0) d[k] = diff;
  }
  return d;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
