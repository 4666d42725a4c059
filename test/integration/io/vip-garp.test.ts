/**
 * VIPs with `ip addr` (idempotent add/del, stale removal) and gratuitous ARP through the
 * AF_PACKET addon, checked against keepalived's frame and a neighbour's ARP cache. Needs root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labUnavailableReason, type Lab } from '../../helpers/netns.js';
import { addVip, changeAddresses, delVip, ipBatcher, listAddresses, removeStale } from '../../../src/io/ip-addr.js';
import { getInterfaceInfo } from '../../../src/io/interface-info.js';
import { Agent } from './fixtures/agent-client.js';
import { hex, startCapture } from './fixtures/capture.js';

const reason = await labUnavailableReason();
if (reason !== undefined) console.warn(`skipping VIP/GARP integration tests: ${reason}`);

/** keepalived 2.2.7, pass1.pcap frame 2: GARP for 192.168.50.100 from e2:55:23:e4:02:e5. */
const KEEPALIVED_GARP = 'ffffffffffffe25523e402e508060001080006040001e25523e402e5c0a83264ffffffffffffc0a83264';
const KEEPALIVED_MAC = 'e2:55:23:e4:02:e5';

describe.skipIf(reason !== undefined)('VIPs and gratuitous ARP in namespaces', () => {
  let lab: Lab;
  let ns: string;

  beforeAll(async () => {
    lab = await createLab({ hosts: ['a', 'b'], prefix: 'vti' });
    ns = lab.host('a').ns;
  });
  afterAll(async () => lab?.destroy());

  it('interface info: index, MAC, primary address, running', async () => {
    const info = await getInterfaceInfo('eth0', { netns: ns });
    expect(info.ok).toBe(true);
    if (!info.ok) return;
    expect(info.value).toMatchObject({ mac: lab.host('a').mac, primaryIpv4: '192.168.50.1', running: true, operstate: 'UP' });
    await lab.host('a').linkDown();
    const down = await getInterfaceInfo('eth0', { netns: ns });
    expect(down.ok && down.value.running).toBe(false);
    await lab.host('a').linkUp();
    expect((await getInterfaceInfo('nosuch0', { netns: ns })).ok).toBe(false);
  });

  it('add and del are idempotent; label, brd and scope reach the kernel', async () => {
    const vip = { address: '192.168.50.100/24', dev: 'eth0', brd: '192.168.50.255', scope: 'global', label: 'eth0:vi1' };
    expect(await addVip(vip, { netns: ns })).toEqual({ ok: true, value: 'added' });
    expect(await addVip(vip, { netns: ns })).toEqual({ ok: true, value: 'present' });
    const list = await listAddresses('eth0', { netns: ns });
    expect(list.ok && list.value.find((a) => a.address === '192.168.50.100')).toMatchObject({ prefixLen: 24, broadcast: '192.168.50.255', label: 'eth0:vi1', secondary: true });
    expect(await delVip(vip, { netns: ns })).toEqual({ ok: true, value: 'removed' });
    expect(await delVip(vip, { netns: ns })).toEqual({ ok: true, value: 'absent' });
    const bad = await addVip({ address: '192.168.50.100', dev: 'nosuch0' }, { netns: ns });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.stderr).toMatch(/Cannot find device|does not exist/);
    expect((await addVip({ address: '192.168.50.100', dev: 'eth0; reboot' }, { netns: ns })).ok).toBe(false);
  });

  it('changeAddresses: many VIPs of both families in one `ip -batch` run, each outcome its own, idempotent; IPv6 with nodad', async () => {
    const vips4 = Array.from({ length: 50 }, (_, i) => ({ address: `10.77.0.${i + 1}/32`, dev: 'eth0' }));
    const vips6 = [{ address: 'fd00:77::1/64', dev: 'eth0' }, { address: 'fe80::77/64', dev: 'eth0' }];
    const vips = [...vips4, ...vips6];
    const runsBefore = ipBatcher({ netns: ns }).batches;
    const [added, bad] = await Promise.all([changeAddresses('add', vips, { netns: ns }), changeAddresses('add', [{ address: '10.77.1.1/32', dev: 'nosuch0' }], { netns: ns })]);
    expect(ipBatcher({ netns: ns }).batches - runsBefore).toBe(1);
    expect(added.every((r) => r.ok && r.value === 'added')).toBe(true);
    expect(!bad[0]!.ok && bad[0]!.error.stderr).toMatch(/Cannot find device|does not exist/);
    const list = await listAddresses('eth0', { netns: ns });
    expect(list.ok && list.value.filter((a) => a.address.startsWith('10.77.0.')).length).toBe(50);
    // nodad: usable at once, never tentative (DAD would hold them back for a second or more).
    const six = list.ok ? list.value.filter((a) => a.address === 'fd00:77::1' || a.address === 'fe80::77') : [];
    expect(six).toEqual([expect.objectContaining({ usable: true }), expect.objectContaining({ usable: true })]);
    expect((await changeAddresses('add', [vips4[0]!, vips6[0]!], { netns: ns })).map((r) => r.ok && r.value)).toEqual(['present', 'present']);
    expect((await changeAddresses('del', vips, { netns: ns })).every((r) => r.ok && r.value === 'removed')).toBe(true);
    expect((await changeAddresses('del', [vips4[0]!, vips6[0]!], { netns: ns })).map((r) => r.ok && r.value)).toEqual(['absent', 'absent']);
  });

  it('removeStale removes only our leftover VIPs, of both families', async () => {
    await lab.host('a').mustExec('ip', ['addr', 'add', '192.168.50.100/32', 'dev', 'eth0']);
    await lab.host('a').mustExec('ip', ['addr', 'add', '192.168.50.101/32', 'dev', 'eth0']);
    await lab.host('a').mustExec('ip', ['addr', 'add', '10.9.9.9/32', 'dev', 'eth0']);
    await lab.host('a').mustExec('ip', ['addr', 'add', 'fd00:50::100/64', 'dev', 'eth0', 'nodad']);
    await lab.host('a').mustExec('ip', ['addr', 'add', 'fd00:99::9/64', 'dev', 'eth0', 'nodad']);
    const vips = [
      { address: '192.168.50.100', dev: 'eth0' }, { address: '192.168.50.101/32', dev: 'eth0' }, { address: '192.168.50.102', dev: 'eth0' },
      { address: 'FD00:50:0::100/64', dev: 'eth0' }, { address: 'fd00:50::101/64', dev: 'eth0' },
    ];
    const r = await removeStale('eth0', vips, { netns: ns });
    expect(r).toEqual({ ok: true, value: ['192.168.50.100/32', '192.168.50.101/32', 'fd00:50::100/64'] });
    const left = await listAddresses('eth0', { netns: ns });
    expect(left.ok && left.value.map((a) => a.address).filter((a) => !a.startsWith('fe80:'))).toEqual(['192.168.50.1', '10.9.9.9', 'fd00:99::9']);
  });

  it("GARP frame equals keepalived's bytes and moves a neighbour's ARP entry", async () => {
    await lab.host('a').mustExec('ip', ['link', 'set', 'eth0', 'address', KEEPALIVED_MAC]);
    // b believes the VIP lives at some other MAC (the old master).
    await lab.host('b').mustExec('ip', ['neigh', 'replace', '192.168.50.100', 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale']);
    const agent = await Agent.start(lab.host('a'));
    try {
      const cap = await startCapture(lab.host('b'), ['arp']);
      const r = await agent.must('garp', { ifname: 'eth0', vip: '192.168.50.100', count: 5 });
      expect(r['mac']).toBe(KEEPALIVED_MAC);
      await new Promise((res) => setTimeout(res, 300));
      const captured = await cap.stop();
      expect(captured.map((f) => hex(f.frame))).toEqual(Array(5).fill(KEEPALIVED_GARP));
      // "At once": the burst leaves within a few ms (generous bound for a busy 2-core machine).
      const spreadMs = (captured[4]!.ts - captured[0]!.ts) * 1000;
      console.info(`GARP burst of 5: ${spreadMs.toFixed(3)} ms first to last`);
      expect(spreadMs).toBeLessThan(100);
      const neigh = await lab.host('b').mustExec('ip', ['neigh', 'show', '192.168.50.100', 'dev', 'eth0']);
      expect(neigh).toContain(`lladdr ${KEEPALIVED_MAC}`);
      // The arping fallback sends the same bytes (one frame per second, hence count 1 here). It
      // binds to the VIP, so the VIP must be on the interface first (as it is on a new master).
      await lab.host('a').mustExec('ip', ['addr', 'add', '192.168.50.100/24', 'dev', 'eth0']);
      const cap2 = await startCapture(lab.host('b'), ['arp']);
      const r2 = await agent.must('garp', { ifname: 'eth0', vip: '192.168.50.100', count: 1, mechanism: 'arping' });
      expect(r2['mechanism']).toBe('arping');
      await new Promise((res) => setTimeout(res, 300));
      expect((await cap2.stop()).map((f) => hex(f.frame))).toEqual([KEEPALIVED_GARP]);
    } finally {
      await agent.stop();
    }
  });
});
