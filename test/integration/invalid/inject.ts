/**
 * Test side of the packet injector (the agent's client lives in src/lab/injector-client.ts), plus
 * counter snapshots of a running vrrpd and their differences.
 */
import type { Node } from '../daemon/harness.js';

export { InjectorAgent, type AgentReply } from '../../../src/lab/injector-client.js';

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
