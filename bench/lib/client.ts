/** The client side of the benches: the probe process in the client namespace and its record. */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LabHost } from '../../src/lab/netns.js';
import { FIXTURES } from './paths.js';

export interface Probe {
  /** Epoch ms the probe started. */
  readonly t: number;
  readonly ok: boolean;
  /** The answering node, or the error. */
  readonly what: string;
}

export class Prober {
  readonly probes: Probe[] = [];
  private constructor(private readonly child: ChildProcess) {}

  static start(host: LabHost, target: string, port = 7443, everyMs = 10, timeoutMs = 300): Prober {
    const child = host.spawn('node', [join(FIXTURES, 'probe.js'), target, String(port), String(everyMs), String(timeoutMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const p = new Prober(child);
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const [t, ok, what] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (t !== undefined && ok !== undefined) p.probes.push({ t: Number(t), ok: ok === '1', what: what ?? '' });
      }
    });
    return p;
  }

  /** Probes started in [from, to), in start order. */
  between(from: number, to: number): Probe[] {
    return this.probes.filter((p) => p.t >= from && p.t < to).sort((a, b) => a.t - b.t);
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/** The longest time between the starts of two consecutive successful probes (the outage). */
export function longestGap(probes: readonly Probe[]): number {
  let last: number | undefined;
  let gap = 0;
  for (const p of probes) {
    if (!p.ok) continue;
    if (last !== undefined) gap = Math.max(gap, p.t - last);
    last = p.t;
  }
  return gap;
}

/** Start time of the first successful probe answered by `name` at or after `from`. */
export function firstAnswerFrom(probes: readonly Probe[], name: string, from: number): number | undefined {
  return probes.find((p) => p.ok && p.what === name && p.t >= from)?.t;
}
