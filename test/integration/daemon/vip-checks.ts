/**
 * What a client on the LAN sees of a VIP (RFC 3768 / RFC 5798 §6.4.2, §6.4.3, §8): which MACs
 * answer ARP for it, and whether a TCP connect to it succeeds when sent to a given node's MAC.
 * Each daemon node runs a small listener on 0.0.0.0:7443 (`startListeners`).
 */
import type { Cluster } from './harness.js';

const LISTEN = "require('net').createServer((s) => s.end(require('os').hostname() + '\\n')).listen(7443, '0.0.0.0')";
const connect = (vip: string) => `const s = require('net').connect(7443, '${vip}'); s.setTimeout(1500, () => process.exit(3));
  s.on('data', () => process.exit(0)); s.on('error', () => process.exit(2));`;

/** A listener on port 7443 on each of `nodes`. */
export async function startListeners(c: Cluster, nodes: readonly string[]): Promise<void> {
  for (const n of nodes) c.node(n).host.spawn('node', ['-e', LISTEN]);
  await new Promise((r) => setTimeout(r, 500));
}

/** The MACs that answer `client`'s ARP requests for `vip` (arping, 3 requests). */
export async function arpRepliers(c: Cluster, client: string, vip: string): Promise<string[]> {
  const r = await c.node(client).host.exec('arping', ['-c', '3', '-w', '4', '-I', 'eth0', vip], 8000);
  const out = r.ok ? r.value.stdout : '';
  return [...new Set([...out.matchAll(/reply from [\d.]+ \[([0-9A-Fa-f:]+)\]/g)].map((m) => m[1]!.toLowerCase()))];
}

/** Whether a TCP connect from `client` to `vip`:7443, sent to `via`'s MAC (a static neighbour entry), is answered. */
export async function connectsVia(c: Cluster, client: string, vip: string, via: string): Promise<boolean> {
  const host = c.node(client).host;
  await host.mustExec('ip', ['neigh', 'replace', vip, 'lladdr', c.node(via).host.mac, 'dev', 'eth0', 'nud', 'permanent']);
  return (await host.exec('node', ['-e', connect(vip)], 5000)).ok;
}
