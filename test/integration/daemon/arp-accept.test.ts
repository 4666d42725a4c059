/**
 * RFC 3768 §6.4.2 / §6.4.3 / §8.4 on the wire: only the master answers ARP for the VIP and
 * accepts traffic for it (delivered locally, not forwarded); the backup does neither.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, seedConfig, skipReason, waitConverged, type Cluster } from './harness.js';
import { arpRepliers, connectsVia, startListeners } from './vip-checks.js';

const reason = await skipReason();
const VIP = '192.168.50.100';

describe.skipIf(reason !== undefined)('RFC 3768 ARP and accept behaviour on the wire', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2', 'client'], 'vta');
    c.node('op1').writeConfig(seedConfig({ state: 'MASTER', priority: 100 }));
    c.node('op2').writeConfig(seedConfig({ priority: 90 }));
    c.node('op1').start();
    c.node('op2').start();
    await waitConverged(c, 'op1');
    await startListeners(c, ['op1', 'op2']);
  });
  afterAll(async () => c?.destroy());

  it('6.4.2-1 6.4.3-1 an ARP request for the VIP is answered by the master only, with its interface MAC', async () => {
    expect(await arpRepliers(c, 'client', VIP)).toEqual([c.node('op1').host.mac]);
  });

  it('6.4.2-3 the backup does not accept packets for the VIP, even sent to its MAC', async () => {
    expect(await connectsVia(c, 'client', VIP, 'op2')).toBe(false);
  });

  it('6.4.3-4 8.4-1 the master accepts packets for the VIP and delivers them locally (not forwarded)', async () => {
    expect(await connectsVia(c, 'client', VIP, 'op1')).toBe(true);
    expect(await c.node('op1').host.mustExec('sysctl', ['-n', 'net.ipv4.ip_forward'])).toBe('0\n');
  });
});
