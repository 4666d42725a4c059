/**
 * keepalived's behaviours that a migrating configuration relies on, on real daemons in network
 * namespaces (issue 15): strict mode and no_accept (an nftables drop rule while master), a VIP on
 * a second device announced there, vrrp_garp_interval, vrrp_startup_delay, virtual routes and rules
 * only on the master, use_vmac, adverts from a unicast_src_ip on the loopback (and no interface),
 * and `vrrpd cleanup` undoing all of it after a SIGKILL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPcap, startTcpdump } from '../../../src/lab/capture.js';
import { CLI, cluster, resetNodes, seedConfig, skipReason, waitConverged, type Cluster, type Node } from './harness.js';
import { SLOW } from '../../slow.js';

const reason = (await skipReason()) ?? (await nftMissing());
const VIP = '192.168.50.100';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LISTEN = "require('net').createServer((s) => s.end('hi\\n')).listen(7443, '0.0.0.0')";
const CONNECT = `const s = require('net').connect(7443, '${VIP}'); s.setTimeout(1500, () => process.exit(3));
  s.on('data', () => process.exit(0)); s.on('error', () => process.exit(2));`;

async function nftMissing(): Promise<string | undefined> {
  const { run } = await import('../../../src/io/exec.js');
  return (await run('nft', ['--version'])).ok ? undefined : 'nft (Debian nftables) is not installed';
}

/** Frames of a capture as { t, src MAC, ethertype, bytes }. */
function frames(file: string): { t: number; srcMac: string; type: number; data: Uint8Array }[] {
  return readPcap(file).records.map((r) => ({
    t: r.time,
    srcMac: [...r.data.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':'),
    type: ((r.data[12] ?? 0) << 8) | (r.data[13] ?? 0),
    data: r.data,
  }));
}
const ipAt = (d: Uint8Array, o: number) => [...d.subarray(o, o + 4)].join('.');

describe.skipIf(reason !== undefined)('keepalived parity on real daemons', () => {
  let c: Cluster;
  let dir: string;
  let op1: Node;
  let op2: Node;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2', 'client'], 'vtw');
    op1 = c.node('op1');
    op2 = c.node('op2');
    dir = mkdtempSync(join(tmpdir(), 'vtw-'));
  });
  afterEach(async () => {
    await resetNodes(c);
  });
  afterAll(async () => {
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('vrrp_strict + auth_type PASS (keepalived\'s packaged file): the pair elects with no auth, the master drops traffic to the VIP (no_accept), the table goes on stop', async () => {
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, globals: '  vrrp_strict' }));
    op2.writeConfig(seedConfig({ priority: 90, globals: '  vrrp_strict', pass: 'OTHER' })); // the passwords differ: strict mode ignores both
    op1.start();
    op2.start();
    await waitConverged(c, 'op1');
    expect(await op1.host.mustExec('nft', ['list', 'set', 'ip', 'vrrpd', 'vips'])).toContain(VIP);
    expect(await op2.host.mustExec('nft', ['list', 'set', 'ip', 'vrrpd', 'vips'])).not.toContain(VIP);
    op1.host.spawn('node', ['-e', LISTEN]);
    await sleep(300);
    const client = c.node('client').host;
    const arp = await client.exec('arping', ['-c', '2', '-w', '3', '-I', 'eth0', VIP], 6000);
    expect(arp.ok && arp.value.stdout.includes(op1.host.mac.toUpperCase())).toBe(true); // ARP is not IP: still answered
    const tcp = await client.exec('node', ['-e', CONNECT], 5000);
    expect(tcp.ok).toBe(false); // dropped by the no_accept rule
    const s = (await op2.status()).instances[0] as { counters: Record<string, number> };
    expect(s.counters.authFailures ?? 0).toBe(0);
    expect(await op1.stop('SIGTERM')).toBe(0);
    expect((await op1.host.exec('nft', ['list', 'table', 'ip', 'vrrpd'])).ok).toBe(false);
    await op2.waitState('MASTER', 5000);
  });

  it('a VIP with dev eth1 is announced on eth1 (its MAC), vrrp_garp_interval spacing each frame; vrrp_startup_delay holds the owner back', async () => {
    await op1.host.exec('ip', ['link', 'del', 'eth1']);
    await op1.host.mustExec('ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    await op1.host.mustExec('ip', ['link', 'set', 'eth1', 'up']);
    await op1.host.mustExec('ip', ['link', 'set', 'eth1p', 'up']);
    const eth1Mac = (await op1.host.mustExec('cat', ['/sys/class/net/eth1/address'])).trim();
    const pcap = join(dir, 'eth1p.pcap');
    const dump = await startTcpdump((cmd, args) => op1.host.spawn(cmd, args), 'eth1p', pcap, ['arp']);
    op1.writeConfig(seedConfig({ priority: 255, globals: '  vrrp_garp_interval 0.2\n  vrrp_startup_delay 1.5\n  vrrp_garp_master_repeat 3', vip: '192.168.50.100/24\n    10.77.0.1/24 dev eth1' }));
    const t0 = Date.now();
    op1.start();
    const master = await op1.waitState('MASTER', 6000);
    expect(master.t - t0).toBeGreaterThanOrEqual(1500);
    await sleep(1500);
    await dump.stop();
    const garps = frames(pcap).filter((f) => f.type === 0x0806 && ipAt(f.data, 28) === '10.77.0.1');
    expect(garps.length).toBeGreaterThanOrEqual(3);
    expect(new Set(garps.map((g) => g.srcMac))).toEqual(new Set([eth1Mac]));
    const first3 = garps.slice(0, 3).map((g) => g.t);
    // Each VIP gets its own device's frames; on one device every frame is >= 0.2 s after the last.
    expect(first3[1]! - first3[0]!).toBeGreaterThan(0.18);
    expect(first3[2]! - first3[1]!).toBeGreaterThan(0.18);
    await op1.host.exec('ip', ['link', 'del', 'eth1']);
  });

  it.skipIf(!SLOW)('virtual_routes and virtual_rules are on the master only and follow it', async () => {
    const extra = '  virtual_routes {\n    10.88.0.0/24 via 192.168.50.254 dev eth0\n  }\n  virtual_rules {\n    from 192.168.50.100 table 100 preference 1000\n  }';
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra }));
    op2.writeConfig(seedConfig({ priority: 90, extra }));
    op1.start();
    op2.start();
    await waitConverged(c, 'op1');
    const routes = async (n: Node) => (await n.host.mustExec('ip', ['route', 'show', '10.88.0.0/24'])).trim();
    const rules = async (n: Node) => (await n.host.mustExec('ip', ['rule', 'show', 'pref', '1000'])).trim();
    await expect.poll(() => routes(op1), { timeout: 3000 }).toContain('via 192.168.50.254');
    expect(await rules(op1)).toContain('lookup 100');
    expect(await routes(op2)).toBe('');
    expect(await rules(op2)).toBe('');
    expect(await op1.stop('SIGTERM')).toBe(0);
    expect(await routes(op1)).toBe('');
    expect(await rules(op1)).toBe('');
    await op2.waitState('MASTER', 5000);
    await expect.poll(() => routes(op2), { timeout: 3000 }).toContain('via 192.168.50.254');
    expect(await rules(op2)).toContain('lookup 100');
  });

  it('use_vmac: macvlan vrrp.251 (private, 00:00:5e:00:01:fb) holds the VIP; adverts and GARPs leave with the virtual MAC from the base address; removed on stop', async () => {
    const client = c.node('client').host;
    const pcap = join(dir, 'vmac.pcap');
    const dump = await startTcpdump((cmd, args) => client.spawn(cmd, args), 'eth0', pcap, ['ip', 'proto', '112', 'or', 'arp']);
    op1.writeConfig(seedConfig({ priority: 255, extra: '  use_vmac' }));
    op1.start();
    await op1.waitState('MASTER', 5000);
    await sleep(2500);
    await dump.stop();
    const link = JSON.parse(await op1.host.mustExec('ip', ['-j', '-d', 'link', 'show', 'dev', 'vrrp.251'])) as { address: string; link: string; linkinfo: { info_kind: string; info_data: { mode: string } } }[];
    expect(link[0]).toMatchObject({ address: '00:00:5e:00:01:fb', link: 'eth0', linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } } });
    expect(await op1.host.mustExec('ip', ['-4', 'addr', 'show', 'dev', 'vrrp.251'])).toContain(`${VIP}/24`);
    expect((await op1.host.mustExec('cat', ['/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim()).toBe('1');
    const all = frames(pcap);
    const adverts = all.filter((f) => f.type === 0x0800 && f.data[23] === 112);
    const garps = all.filter((f) => f.type === 0x0806 && ipAt(f.data, 28) === VIP);
    expect(adverts.length).toBeGreaterThanOrEqual(2);
    expect(garps.length).toBeGreaterThanOrEqual(5);
    for (const a of adverts) {
      expect(a.srcMac).toBe('00:00:5e:00:01:fb');
      expect(ipAt(a.data, 26)).toBe(op1.host.ip);
    }
    for (const g of garps) expect([g.srcMac, [...g.data.subarray(22, 28)].map((b) => b.toString(16).padStart(2, '0')).join(':')]).toEqual(['00:00:5e:00:01:fb', '00:00:5e:00:01:fb']);
    expect(await op1.stop('SIGTERM')).toBe(0);
    expect((await op1.host.exec('ip', ['link', 'show', 'dev', 'vrrp.251'])).ok).toBe(false);
    expect((await op1.host.mustExec('cat', ['/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim()).toBe('0');
  });

  it('unicast from a loopback unicast_src_ip, one side without interface: the adverts carry that source and the pair fails over', async () => {
    await op1.host.mustExec('ip', ['addr', 'add', '10.99.0.1/32', 'dev', 'lo']);
    await op2.host.mustExec('ip', ['addr', 'add', '10.99.0.2/32', 'dev', 'lo']);
    await op1.host.mustExec('ip', ['route', 'add', '10.99.0.2/32', 'via', op2.host.ip]);
    await op2.host.mustExec('ip', ['route', 'add', '10.99.0.1/32', 'via', op1.host.ip]);
    const pcap = join(dir, 'uni.pcap');
    const dump = await startTcpdump((cmd, args) => op2.host.spawn(cmd, args), 'eth0', pcap, ['ip', 'proto', '112']);
    const uni = (self: string, peer: string) => `  unicast_src_ip ${self}\n  unicast_peer {\n    ${peer}\n  }`;
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra: uni('10.99.0.1', '10.99.0.2') }));
    op2.writeConfig(seedConfig({ priority: 90, extra: uni('10.99.0.2', '10.99.0.1') }).replace('  interface eth0\n', '').replace('192.168.50.100/24', '192.168.50.100/24 dev eth0'));
    // op1 first: started together, the two Master_Down_Intervals (3.61 s, 3.65 s) are too close to order on a loaded machine.
    op1.start();
    await op1.waitState('MASTER', 8000);
    op2.start();
    await op2.waitState('BACKUP', 8000);
    await sleep(2000);
    expect(op2.logs.filter((l) => l.to === 'MASTER')).toEqual([]);
    await dump.stop();
    const fromOp1 = frames(pcap).filter((f) => f.type === 0x0800 && ipAt(f.data, 26) === '10.99.0.1');
    expect(fromOp1.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fromOp1.map((f) => ipAt(f.data, 30)))).toEqual(new Set(['10.99.0.2']));
    const from = op2.logs.length;
    expect(await op1.stop('SIGTERM')).toBe(0);
    await op2.waitState('MASTER', 3000, from);
    await expect.poll(() => op2.addresses(), { timeout: 3000 }).toContain(`${VIP}/24`);
    for (const [n, a] of [[op1, '10.99.0.1/32'], [op2, '10.99.0.2/32']] as const) await n.host.exec('ip', ['addr', 'del', a, 'dev', 'lo']);
  });

  it('vrrpd cleanup after a SIGKILL removes the VIP, the routes and rules, the nftables table and the macvlan the daemon recorded', async () => {
    const extra = '  use_vmac\n  no_accept\n  virtual_routes {\n    10.88.0.0/24 via 192.168.50.254 dev eth0\n  }\n  virtual_rules {\n    from 192.168.50.100 table 100 preference 1000\n  }';
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra }));
    op1.start();
    await op1.waitState('MASTER', 8000);
    await expect.poll(async () => (await op1.host.mustExec('ip', ['rule', 'show', 'pref', '1000'])).trim(), { timeout: 3000 }).toContain('lookup 100');
    await op1.stop('SIGKILL');
    expect(await op1.host.mustExec('ip', ['-4', 'addr', 'show', 'dev', 'vrrp.251'])).toContain(VIP);
    const out = await op1.host.mustExec('node', [CLI, 'cleanup', '-f', op1.confPath, '--run-dir', op1.runDir]);
    expect(out).toContain('macvlan vrrp.251');
    expect((await op1.host.exec('ip', ['link', 'show', 'dev', 'vrrp.251'])).ok).toBe(false);
    expect((await op1.host.exec('nft', ['list', 'table', 'ip', 'vrrpd'])).ok).toBe(false);
    expect((await op1.host.mustExec('ip', ['route', 'show', '10.88.0.0/24'])).trim()).toBe('');
    expect((await op1.host.mustExec('ip', ['rule', 'show', 'pref', '1000'])).trim()).toBe('');
  });
});
