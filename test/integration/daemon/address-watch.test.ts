/**
 * The address watch (src/daemon/address-watch.ts) on one real daemon in a namespace, an address
 * owner (priority 255: MASTER at once, and again at once when a fault clears, so no timer is
 * waited out): its address deleted -> FAULT (no-source-address), no advert sent meanwhile, back
 * to MASTER when the address returns; its VIP deleted behind its back -> added again and counted;
 * its address replaced (.1 -> .11 with promote_secondaries) -> adverts from .11, still MASTER.
 * The two-node versions are rows of the fault matrix (address-loss, vip-deleted, address-change).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, seedConfig, skipReason, type Cluster, type Node } from './harness.js';
import { waitFor } from '../../../src/lab/procs.js';

const reason = await skipReason();
const VIP = '192.168.50.100/24';

describe.skipIf(reason !== undefined)('the address watch', () => {
  let c: Cluster;
  let op1: Node;
  beforeAll(async () => {
    c = await cluster(['op1'], 'vtw');
    op1 = c.node('op1');
    op1.writeConfig(seedConfig({ priority: 255, state: 'MASTER' }));
    op1.start();
    await op1.waitState('MASTER', 10_000);
    await op1.waitVipsAdded(5000);
  });
  afterAll(async () => c?.destroy());

  const instance = async () => (await op1.status()).instances[0]!;

  it('address deleted: FAULT (no-source-address), silent; address back: MASTER with its VIP', async () => {
    const mark = op1.logs.length;
    await op1.host.mustExec('ip', ['addr', 'del', '192.168.50.1/24', 'dev', 'eth0']); // the VIP goes with it
    const fault = await op1.waitState('FAULT', 5000, mark);
    expect(fault).toMatchObject({ from: 'MASTER', reason: 'no-source-address' });
    const inFault = await instance();
    expect(inFault.faultReasons).toEqual(['no source address: interface eth0 has no IPv4 address']);
    expect(inFault.transitions).toContainEqual({ from: 'MASTER', to: 'FAULT', reason: 'no-source-address', count: 1 });
    const sent = inFault.counters.advertiseSent;
    await new Promise((r) => setTimeout(r, 1300)); // more than one Advertisement_Interval
    expect((await instance()).counters.advertiseSent).toBe(sent);
    const back = op1.logs.length;
    await op1.host.mustExec('ip', ['addr', 'add', '192.168.50.1/24', 'dev', 'eth0']);
    expect(await op1.waitState('MASTER', 5000, back)).toMatchObject({ from: 'FAULT', reason: 'fault-cleared' });
    await op1.waitVipsAdded(5000, back);
    expect(await op1.addresses()).toContain(VIP);
  });

  it('VIP deleted behind the master\'s back: added again, logged and counted, still MASTER', async () => {
    const mark = op1.logs.length;
    await op1.host.mustExec('ip', ['addr', 'del', VIP, 'dev', 'eth0']);
    await op1.waitFor((l) => l.msg.includes('removed behind our back'), 5000, mark);
    await op1.waitVipsAdded(5000, mark);
    expect(await op1.addresses()).toContain(VIP);
    const i = await instance();
    expect(i).toMatchObject({ state: 'MASTER', io: { vipRestored: 1 } });
  });

  it('address .1 -> .11 (promote_secondaries): still MASTER, adverts from .11', async () => {
    await op1.host.mustExec('sysctl', ['-qw', 'net.ipv4.conf.eth0.promote_secondaries=1']);
    const mark = op1.logs.length;
    await op1.host.mustExec('ip', ['addr', 'add', '192.168.50.11/24', 'dev', 'eth0']);
    await op1.host.mustExec('ip', ['addr', 'del', '192.168.50.1/24', 'dev', 'eth0']);
    await op1.waitFor((l) => l.msg.includes('adverts now leave from 192.168.50.11'), 5000, mark);
    expect(await waitFor(async () => (await instance()).sourceIp === '192.168.50.11', 3000, 100)).toBe(true);
    expect(await instance()).toMatchObject({ state: 'MASTER', masterIp: '192.168.50.11', io: { sourceChanges: 1 } });
    expect(op1.logs.slice(mark).filter((l) => typeof l.to === 'string' && typeof l.from === 'string')).toEqual([]); // no state change
    expect(await op1.addresses()).toContain(VIP);
  });
});
