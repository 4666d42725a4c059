/**
 * RFC 3768 §6.4.2 / §6.4.3 / §8.4 on the wire: only the master answers ARP for the VIP and
 * accepts traffic for it (delivered locally, not forwarded); the backup does neither.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, seedConfig, skipReason, waitConverged, type Cluster } from './harness.js';

const reason = await skipReason();
const VIP = '192.168.50.100';
const LISTEN = "require('net').createServer((s) => s.end(require('os').hostname() + '\\n')).listen(7443, '0.0.0.0')";
const CONNECT = `const s = require('net').connect(7443, '${VIP}'); s.setTimeout(1500, () => process.exit(3));
  s.on('data', () => process.exit(0)); s.on('error', () => process.exit(2));`;

describe.skipIf(reason !== undefined)('RFC 3768 ARP and accept behaviour on the wire', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2', 'client'], 'vta');
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100 }));
    op2.writeConfig(seedConfig({ priority: 90 }));
    op1.start();
    op2.start();
    await waitConverged(c, 'op1');
    for (const n of [op1, op2]) n.host.spawn('node', ['-e', LISTEN]);
    await new Promise((r) => setTimeout(r, 500));
  });
  afterAll(async () => c?.destroy());

  it('6.4.2-1 6.4.3-1 an ARP request for the VIP is answered by the master only, with its interface MAC', async () => {
    const client = c.node('client').host;
    const r = await client.exec('arping', ['-c', '3', '-w', '4', '-I', 'eth0', VIP], 8000);
    const out = r.ok ? r.value.stdout : '';
    const macs = new Set([...out.matchAll(/reply from [\d.]+ \[([0-9A-Fa-f:]+)\]/g)].map((m) => m[1]!.toLowerCase()));
    expect([...macs]).toEqual([c.node('op1').host.mac]);
  });

  it('6.4.2-3 the backup does not accept packets for the VIP, even sent to its MAC', async () => {
    const client = c.node('client').host;
    await client.mustExec('ip', ['neigh', 'replace', VIP, 'lladdr', c.node('op2').host.mac, 'dev', 'eth0', 'nud', 'permanent']);
    const r = await client.exec('node', ['-e', CONNECT], 5000);
    expect(r.ok).toBe(false);
  });

  it('6.4.3-4 8.4-1 the master accepts packets for the VIP and delivers them locally (not forwarded)', async () => {
    const client = c.node('client').host;
    await client.mustExec('ip', ['neigh', 'replace', VIP, 'lladdr', c.node('op1').host.mac, 'dev', 'eth0', 'nud', 'permanent']);
    const r = await client.exec('node', ['-e', CONNECT], 5000);
    expect(r.ok).toBe(true);
    expect(await c.node('op1').host.mustExec('sysctl', ['-n', 'net.ipv4.ip_forward'])).toBe('0\n');
  });
});
