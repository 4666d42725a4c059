/**
 * VIPs over rtnetlink from the addon, and through `ip` where asked (idempotent add/del, the
 * same addresses either way, batches, errors, the fault hook, stale removal) and gratuitous ARP
 * through the AF_PACKET addon, checked against keepalived's frame and a neighbour's ARP cache.
 * Needs root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labUnavailableReason, type Lab } from '../../helpers/netns.js';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addVip, changeAddresses, delVip, listAddresses, removeStale, vipPath, type VipSpec } from '../../../src/io/ip-addr.js';
import { netlinkBatcher } from '../../../src/io/addr-netlink.js';
import { errnoNumber, NETLINK_FAULT_ENV, rtnlAddon } from '../../../src/io/rtnl-socket.js';
import { getInterfaceInfo, readWithNetlink } from '../../../src/io/interface-info.js';
import { loadPacketAddon, type PacketAddon, type RtnlHandle } from '../../../src/io/packet-addon.js';
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

  it('interface info over rtnetlink equals what `ip -j addr show` gives: secondaries, labels, scopes, tentative IPv6, a link down, none', async () => {
    const a = lab.host('a');
    const both = async (ifname: string): Promise<unknown> => {
      const viaNetlink = await getInterfaceInfo(ifname, { netns: ns });
      const viaIp = await getInterfaceInfo(ifname, { netns: ns, ipPath: 'ip' });
      expect(viaNetlink.ok, JSON.stringify(viaNetlink)).toBe(viaIp.ok);
      if (viaNetlink.ok) expect(viaNetlink).toEqual(viaIp);
      else if (!viaIp.ok) expect(viaNetlink.error.kind).toBe(viaIp.error.kind);
      return viaNetlink;
    };
    await a.mustExec('ip', ['addr', 'add', '10.77.0.1/24', 'brd', '+', 'dev', 'eth0', 'label', 'eth0:one']);
    await a.mustExec('ip', ['addr', 'add', '10.77.0.2/24', 'dev', 'eth0']); // secondary of the subnet
    await a.mustExec('ip', ['addr', 'add', '10.77.9.9/32', 'scope', 'link', 'dev', 'eth0']);
    expect(await both('eth0')).toMatchObject({ ok: true, value: { running: true, ipv4: expect.arrayContaining([expect.objectContaining({ address: '10.77.0.2', secondary: true })]) } });
    // Without carrier, duplicate address detection waits: the address stays tentative while both read it.
    await a.linkDown();
    await a.mustExec('ip', ['-6', 'addr', 'add', 'fd00:77::1/64', 'dev', 'eth0']);
    expect(await both('eth0')).toMatchObject({ ok: true, value: { running: false, ipv6: expect.arrayContaining([expect.objectContaining({ address: 'fd00:77::1', usable: false })]) } });
    await a.mustExec('ip', ['addr', 'del', 'fd00:77::1/64', 'dev', 'eth0']);
    await a.linkUp();
    await both('lo');
    expect(await both('nosuch0')).toMatchObject({ ok: false, error: { kind: 'no-such-interface' } });
    for (const addr of ['10.77.0.2/24', '10.77.0.1/24', '10.77.9.9/32']) await a.mustExec('ip', ['addr', 'del', addr, 'dev', 'eth0']);
  });

  it('interface info over rtnetlink equals `ip -j` too for peer addresses, deprecated and dadfailed IPv6, a macvlan and an altname', async () => {
    const [a, b] = [lab.host('a'), lab.host('b')];
    const both = async (ifname: string): Promise<unknown> => {
      const [viaNetlink, viaIp] = [await getInterfaceInfo(ifname, { netns: ns }), await getInterfaceInfo(ifname, { netns: ns, ipPath: 'ip' })];
      if (viaNetlink.ok || viaIp.ok) expect(viaNetlink).toEqual(viaIp);
      else expect(viaNetlink.error.kind).toBe(viaIp.error.kind);
      return viaNetlink;
    };
    const extra = [['10.78.0.1', 'peer', '10.78.0.2/32'], ['-6', 'fd00:78::1', 'peer', 'fd00:78::2/128', 'nodad'], ['-6', 'fd00:79::1/64', 'preferred_lft', '0', 'nodad'], ['-6', 'fd00:7a::5/64']];
    // fd00:7a::5 is b's already: a's duplicate address detection fails it.
    await b.mustExec('ip', ['-6', 'addr', 'add', 'fd00:7a::5/64', 'dev', 'eth0', 'nodad']);
    for (const args of extra) await a.mustExec('ip', ['addr', 'add', ...args.filter((x) => x !== '-6'), 'dev', 'eth0']);
    try {
      const deadline = Date.now() + 15000;
      while (!(await a.mustExec('ip', ['-6', 'addr', 'show', 'dev', 'eth0'])).includes('dadfailed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await both('eth0')).toMatchObject({
        ok: true,
        value: {
          ipv4: expect.arrayContaining([expect.objectContaining({ address: '10.78.0.1', prefixLen: 32 })]),
          ipv6: expect.arrayContaining([
            expect.objectContaining({ address: 'fd00:78::1', prefixLen: 128, usable: true }),
            expect.objectContaining({ address: 'fd00:79::1', usable: true }),
            expect.objectContaining({ address: 'fd00:7a::5', usable: false }),
          ]),
        },
      });
      // A macvlan on eth0 (what use_vmac makes), and eth0 asked by an altname: the kernel answers with eth0, ip shows no "up0" either.
      if ((await a.exec('ip', ['link', 'add', 'link', 'eth0', 'name', 'mv78', 'type', 'macvlan', 'mode', 'private'])).ok) {
        await a.mustExec('ip', ['link', 'set', 'mv78', 'up']);
        await a.mustExec('ip', ['addr', 'add', '10.78.1.1/24', 'dev', 'mv78']);
        expect(await both('mv78')).toMatchObject({ ok: true, value: { primaryIpv4: '10.78.1.1' } });
        await a.mustExec('ip', ['link', 'del', 'mv78']);
      }
      if ((await a.exec('ip', ['link', 'property', 'add', 'dev', 'eth0', 'altname', 'up0'])).ok) {
        expect(await both('up0')).toMatchObject({ ok: false, error: { kind: 'no-such-interface' } });
        await a.mustExec('ip', ['link', 'property', 'del', 'dev', 'eth0', 'altname', 'up0']);
      }
    } finally {
      for (const spec of [['10.78.0.1', 'peer', '10.78.0.2/32'], ['fd00:78::1', 'peer', 'fd00:78::2/128'], ['fd00:79::1/64'], ['fd00:7a::5/64']]) await a.exec('ip', ['addr', 'del', ...spec, 'dev', 'eth0']);
      await b.exec('ip', ['-6', 'addr', 'del', 'fd00:7a::5/64', 'dev', 'eth0']);
    }
  });

  it("the kernel sends the interface's addresses alone (strict socket, ifa_index), not the host's", async () => {
    const a = lab.host('a');
    const loaded = loadPacketAddon();
    if (!loaded.ok || loaded.value.rtnlStrict === undefined) return;
    const real = loaded.value as Required<PacketAddon>;
    const indexes: number[] = [];
    const spy = {
      ...real,
      rtnlRead: (h: RtnlHandle) => {
        const r = real.rtnlRead(h);
        const v = new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
        for (let at = 0; at + 16 <= r.bytes.length && v.getUint32(at, true) >= 16; at += (v.getUint32(at, true) + 3) & ~3) {
          if (v.getUint16(at + 4, true) === 20 /* RTM_NEWADDR */) indexes.push(v.getUint32(at + 16 + 4, true));
        }
        return r;
      },
    };
    await a.mustExec('ip', ['link', 'set', 'lo', 'up']);
    for (let i = 1; i <= 20; i++) await a.mustExec('ip', ['addr', 'add', `127.0.79.${i}/8`, 'dev', 'lo']);
    try {
      const info = readWithNetlink(spy, 'eth0', ns);
      expect(info).toMatchObject({ ok: true, value: { primaryIpv4: '192.168.50.1' } });
      expect(indexes.length).toBeGreaterThan(0);
      expect(new Set(indexes)).toEqual(new Set([info?.ok ? info.value.index : -1]));
    } finally {
      for (let i = 1; i <= 20; i++) await a.exec('ip', ['addr', 'del', `127.0.79.${i}/8`, 'dev', 'lo']);
    }
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
    expect(!bad.ok && bad.error.detail).toMatch(/ENODEV/);
    expect(await delVip({ address: '192.168.50.100', dev: 'nosuch0' }, { netns: ns })).toEqual({ ok: true, value: 'absent' });
    expect((await addVip({ address: '192.168.50.100', dev: 'eth0; reboot' }, { netns: ns })).ok).toBe(false);
  });

  it('changeAddresses: many VIPs of both families in one rtnetlink batch, each outcome its own, idempotent; IPv6 with nodad', async () => {
    expect(vipPath()).toEqual({ kind: 'netlink' });
    const vips4 = Array.from({ length: 50 }, (_, i) => ({ address: `10.77.0.${i + 1}/32`, dev: 'eth0' }));
    const vips6 = [{ address: 'fd00:77::1/64', dev: 'eth0' }, { address: 'fe80::77/64', dev: 'eth0' }];
    const vips = [...vips4, ...vips6];
    const runsBefore = netlinkBatcher(ns).batches;
    const [added, bad] = await Promise.all([changeAddresses('add', vips, { netns: ns }), changeAddresses('add', [{ address: '10.77.1.1/32', dev: 'nosuch0' }], { netns: ns })]);
    expect(netlinkBatcher(ns).batches - runsBefore).toBe(1);
    expect(added.every((r) => r.ok && r.value === 'added')).toBe(true);
    expect(!bad[0]!.ok && bad[0]!.error.detail).toMatch(/ENODEV/);
    const list = await listAddresses('eth0', { netns: ns });
    expect(list.ok && list.value.filter((a) => a.address.startsWith('10.77.0.')).length).toBe(50);
    // nodad: usable at once, never tentative (DAD would hold them back for a second or more).
    const six = list.ok ? list.value.filter((a) => a.address === 'fd00:77::1' || a.address === 'fe80::77') : [];
    expect(six).toEqual([expect.objectContaining({ usable: true }), expect.objectContaining({ usable: true })]);
    expect((await changeAddresses('add', [vips4[0]!, vips6[0]!], { netns: ns })).map((r) => r.ok && r.value)).toEqual(['present', 'present']);
    expect((await changeAddresses('del', vips, { netns: ns })).every((r) => r.ok && r.value === 'removed')).toBe(true);
    expect((await changeAddresses('del', [vips4[0]!, vips6[0]!], { netns: ns })).map((r) => r.ok && r.value)).toEqual(['absent', 'absent']);
  });

  it('rtnetlink puts on the host exactly what `ip addr add` does (brd, label, scope, nodad, 127/8)', async () => {
    const specs: VipSpec[] = [
      { address: '10.78.0.4/24', dev: 'eth0', brd: '+', label: 'eth0:vip', scope: 'link' },
      { address: '10.78.1.5/30', dev: 'eth0', brd: '-' },
      { address: '10.78.2.6/32', dev: 'eth0', brd: '10.78.2.255', scope: 'host' },
      { address: '127.0.0.9/8', dev: 'eth0' },
      { address: 'fd00:78::6/64', dev: 'eth0', label: 'eth0:six' },
    ];
    const shown = async (): Promise<unknown> => {
      const out = await lab.host('a').mustExec('ip', ['-j', 'addr', 'show', 'dev', 'eth0']);
      const infos = (JSON.parse(out) as { addr_info: Record<string, unknown>[] }[])[0]!.addr_info;
      return infos.filter((a) => specs.some((s) => s.address.startsWith(`${String(a['local'])}/`))).map(({ valid_life_time: _v, preferred_life_time: _p, ...rest }) => rest);
    };
    expect((await changeAddresses('add', specs, { netns: ns })).map((r) => r.ok && r.value)).toEqual(Array(5).fill('added'));
    const viaNetlink = await shown();
    expect(viaNetlink).toHaveLength(5);
    expect((await changeAddresses('del', specs, { netns: ns })).map((r) => r.ok && r.value)).toEqual(Array(5).fill('removed'));
    expect((await changeAddresses('add', specs, { netns: ns, ipPath: 'ip' })).map((r) => r.ok && r.value)).toEqual(Array(5).fill('added'));
    expect(await shown()).toEqual(viaNetlink);
    expect((await changeAddresses('del', specs, { netns: ns })).map((r) => r.ok && r.value)).toEqual(Array(5).fill('removed'));
  });

  it('rtnetlink: 255 VIPs of each family in one batch, a kernel error mapped back to its address, the fault hook', async () => {
    const v4: VipSpec[] = Array.from({ length: 255 }, (_, i) => ({ address: `10.79.0.${i + 1}/32`, dev: 'eth0' }));
    const v6: VipSpec[] = Array.from({ length: 255 }, (_, i) => ({ address: `fd00:79::${(i + 1).toString(16)}/64`, dev: 'eth0' }));
    const sendsBefore = netlinkBatcher(ns).sends;
    const t0 = performance.now();
    const added = await changeAddresses('add', [...v4, ...v6], { netns: ns });
    console.info(`rtnetlink: 510 addresses added in ${(performance.now() - t0).toFixed(1)} ms, ${netlinkBatcher(ns).sends - sendsBefore} sendmsg calls`);
    expect(added.filter((r) => r.ok && r.value === 'added')).toHaveLength(510);
    const list = await listAddresses('eth0', { netns: ns });
    expect(list.ok && list.value.filter((a) => a.address.startsWith('10.79.0.') || a.address.startsWith('fd00:79::')).length).toBe(510);
    // The kernel refuses a secondary whose scope differs from the primary's (EINVAL): that address alone fails.
    const scoped: VipSpec[] = [{ address: '10.80.0.1/24', dev: 'eth0', scope: 'nowhere' }, { address: '10.80.0.2/24', dev: 'eth0', scope: 'link' }, { address: '10.80.0.3/24', dev: 'eth0', scope: 'nowhere' }];
    const mixed = await changeAddresses('add', scoped, { netns: ns });
    expect(mixed.map((r) => r.ok)).toEqual([true, false, true]);
    expect(!mixed[1]!.ok && mixed[1]!.error.detail).toMatch(/^RTM_NEWADDR 10\.80\.0\.2\/24 dev eth0: EINVAL \(ipv4: Invalid scope value\.?\)$/);
    // The fault hook: the next 2 requests fail with EIO without reaching the kernel; the retry works.
    const addon = rtnlAddon();
    if (!addon.ok) throw new Error(addon.error.detail);
    addon.value.rtnlFault(2, errnoNumber('EIO')!);
    const faulted = await changeAddresses('del', [scoped[1]!, scoped[0]!, scoped[2]!], { netns: ns }).finally(() => addon.value.rtnlFault(0, 1));
    expect(faulted.map((r) => (r.ok ? r.value : r.error.detail))).toEqual(['RTM_DELADDR 10.80.0.2/24 dev eth0: EIO', 'RTM_DELADDR 10.80.0.1/24 dev eth0: EIO', 'removed']);
    expect((await changeAddresses('del', [scoped[1]!, scoped[0]!], { netns: ns })).map((r) => r.ok && r.value)).toEqual(['absent', 'removed']);
    // ... and armed from the file the daemon documents, which is consumed.
    const dir = mkdtempSync(join(tmpdir(), 'vrrpd-nlfault-'));
    process.env[NETLINK_FAULT_ENV] = join(dir, 'fault');
    try {
      writeFileSync(join(dir, 'fault'), '1 EBUSY\n');
      const [first, second] = await changeAddresses('del', [v4[0]!, v4[1]!], { netns: ns });
      expect(first).toMatchObject({ ok: false, error: { detail: 'RTM_DELADDR 10.79.0.1/32 dev eth0: EBUSY' } });
      expect(second).toEqual({ ok: true, value: 'removed' });
      expect(existsSync(join(dir, 'fault'))).toBe(false);
    } finally {
      delete process.env[NETLINK_FAULT_ENV];
      rmSync(dir, { recursive: true, force: true });
    }
    const removed = await changeAddresses('del', [...v4, ...v6], { netns: ns });
    expect(removed.filter((r) => r.ok && r.value === 'removed')).toHaveLength(509);
    expect(removed[1]).toEqual({ ok: true, value: 'absent' });
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
