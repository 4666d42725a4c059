/**
 * keepalived 2.2.7 and vrrpd as a pair with the keywords of issue 15: strict mode (both drop
 * authentication), unicast from a loopback source, a VIP on a second device, use_vmac in both
 * roles (adverts and GARPs from the virtual MAC, dissected by tshark), virtual routes present only
 * on the master. keepalived on ka (192.168.50.1, switch port p0), vrrpd on vr (192.168.50.2, p1).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readPcap, startTcpdump } from '../../src/lab/capture.js';
import { CLI, cluster, seedConfig, skipReason, type Cluster, type Node } from '../integration/daemon/harness.js';
import { Keepalived, keepalivedMissing, keepalivedVersion } from './keepalived.js';
import { SLOW } from '../slow.js';

const reason = (await skipReason()) ?? keepalivedMissing();
const VIP = '192.168.50.100';
const VMAC = '00:00:5e:00:01:fb';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ka0 = (o: Parameters<typeof seedConfig>[0]) => seedConfig({ ...o, routerId: 'ka', globals: `  script_user root\n${o.globals ?? ''}` });

function tsharkRows(pcap: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', filter, '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split(','));
}

describe.skipIf(reason !== undefined)(`keepalived parity interop with ${keepalivedVersion() ?? 'keepalived'}`, () => {
  let c: Cluster;
  let ka: Keepalived;
  let vr: Node;
  let dir: string;

  beforeAll(async () => {
    c = await cluster(['ka', 'vr'], 'vtp');
    dir = mkdtempSync(join(tmpdir(), 'vtp-'));
    ka = new Keepalived(c.lab.host('ka'), dir);
    vr = c.node('vr');
  });
  afterEach(async () => {
    ka.kill();
    await ka.waitExit();
    await vr.stop('SIGKILL');
    await vr.host.exec('node', [CLI, 'cleanup', '-f', vr.confPath, '--run-dir', vr.runDir]);
    ka.lines.length = 0;
    vr.logs.length = 0;
    for (const n of [ka.host, vr.host]) {
      await n.exec('ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
      await n.exec('ip', ['link', 'del', 'vrrp.251']);
      await n.exec('ip', ['link', 'del', 'eth1']);
    }
  });
  afterAll(async () => {
    ka?.kill();
    await ka?.waitExit();
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!SLOW)('strict mode on both, different passwords: both ignore authentication and elect; keepalived says so; failover works', async () => {
    ka.writeConfig(ka0({ state: 'MASTER', priority: 100, pass: 'KAPASS', globals: '  vrrp_strict' }));
    vr.writeConfig(seedConfig({ priority: 90, pass: 'VRPASS', globals: '  vrrp_strict' }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('BACKUP', 10_000);
    await ka.waitLine(/Strict mode does not support authentication/, 1000);
    await sleep(4500);
    expect(vr.lastState()).toBe('BACKUP');
    expect(ka.lastState()).toBe('MASTER');
    const s = (await vr.status()).instances[0] as { counters: Record<string, number> };
    expect(s.counters.advertiseRcvd).toBeGreaterThan(2);
    const from = vr.logs.length;
    await ka.stop();
    await vr.waitState('MASTER', 3000, from);
    await expect.poll(async () => (await vr.host.mustExec('nft', ['list', 'set', 'ip', 'vrrpd', 'vips'])), { timeout: 3000 }).toContain(VIP);
  });

  it.skipIf(!SLOW)('unicast from loopback sources on both sides: keepalived master hears vrrpd\'s adverts from 10.99.0.2 and vice versa', async () => {
    await ka.host.mustExec('ip', ['addr', 'add', '10.99.0.1/32', 'dev', 'lo']);
    await vr.host.mustExec('ip', ['addr', 'add', '10.99.0.2/32', 'dev', 'lo']);
    await ka.host.mustExec('ip', ['route', 'add', '10.99.0.2/32', 'via', vr.host.ip]);
    await vr.host.mustExec('ip', ['route', 'add', '10.99.0.1/32', 'via', ka.host.ip]);
    try {
      const uni = (self: string, peer: string) => `  unicast_src_ip ${self}\n  unicast_peer {\n    ${peer}\n  }`;
      ka.writeConfig(ka0({ state: 'BACKUP', priority: 90, extra: uni('10.99.0.1', '10.99.0.2') }));
      vr.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra: uni('10.99.0.2', '10.99.0.1') }));
      vr.start();
      await vr.waitState('MASTER', 10_000);
      ka.start();
      await ka.waitState('BACKUP', 10_000);
      await sleep(5000);
      expect(ka.lastState()).toBe('BACKUP'); // keepalived accepts adverts from 10.99.0.2 (the source vrrpd set)
      const kaFrom = ka.lines.length;
      expect(await vr.stop('SIGTERM')).toBe(0);
      await ka.waitState('MASTER', 3000, kaFrom);
      const vrFrom = vr.logs.length;
      vr.writeConfig(seedConfig({ priority: 80, extra: uni('10.99.0.2', '10.99.0.1') }));
      vr.start();
      await vr.waitState('BACKUP', 10_000, vrFrom);
      await sleep(5000);
      expect(vr.logs.slice(vrFrom).filter((l) => l.to === 'MASTER')).toEqual([]);
    } finally {
      await ka.host.exec('ip', ['addr', 'del', '10.99.0.1/32', 'dev', 'lo']);
      await vr.host.exec('ip', ['addr', 'del', '10.99.0.2/32', 'dev', 'lo']);
    }
  });

  it.skipIf(!SLOW)('a VIP on a second device: keepalived master, then vrrpd takes over and announces it on that device', async () => {
    for (const h of [ka.host, vr.host]) {
      await h.mustExec('ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
      await h.mustExec('ip', ['link', 'set', 'eth1', 'up']);
      await h.mustExec('ip', ['link', 'set', 'eth1p', 'up']);
    }
    const vip = '192.168.50.100/24\n    10.77.0.1/24 dev eth1';
    ka.writeConfig(ka0({ state: 'MASTER', priority: 100, vip }));
    vr.writeConfig(seedConfig({ priority: 90, vip }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('BACKUP', 10_000);
    expect(await ka.host.mustExec('ip', ['-4', 'addr', 'show', 'dev', 'eth1'])).toContain('10.77.0.1/24');
    const pcap = join(dir, 'eth1p.pcap');
    const dump = await startTcpdump((cmd, args) => vr.host.spawn(cmd, args), 'eth1p', pcap, ['arp']);
    const from = vr.logs.length;
    ka.kill();
    await ka.host.linkDown();
    await vr.waitState('MASTER', 6000, from);
    await sleep(1500);
    await dump.stop();
    await ka.host.linkUp();
    expect(await vr.host.mustExec('ip', ['-4', 'addr', 'show', 'dev', 'eth1'])).toContain('10.77.0.1/24');
    const garps = readPcap(pcap).records.filter((r) => [...r.data.subarray(28, 32)].join('.') === '10.77.0.1');
    expect(garps.length).toBeGreaterThanOrEqual(5);
  });

  it.skipIf(!SLOW)('use_vmac, keepalived master then vrrpd master: each sends adverts and GARPs from 00:00:5e:00:01:fb; tshark finds nothing wrong', async () => {
    const pcap = join(dir, 'vmac.pcap');
    // On vr's eth0: keepalived's frames arrive there, and vrrpd's leave through it (the macvlan's lower device).
    const dump = await startTcpdump((cmd, args) => vr.host.spawn(cmd, args), 'eth0', pcap, ['ip', 'proto', '112', 'or', 'arp']);
    ka.writeConfig(ka0({ state: 'MASTER', priority: 100, extra: '  use_vmac' }));
    vr.writeConfig(seedConfig({ priority: 90, extra: '  use_vmac' }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('BACKUP', 10_000);
    await sleep(3000);
    expect(vr.lastState()).toBe('BACKUP');
    const from = vr.logs.length;
    await ka.stop();
    await vr.waitState('MASTER', 3000, from);
    await sleep(3000);
    await dump.stop();
    expect(await vr.host.mustExec('ip', ['-4', 'addr', 'show', 'dev', 'vrrp.251'])).toContain(`${VIP}/24`);
    const adverts = tsharkRows(pcap, 'vrrp', ['eth.src', 'ip.src', 'vrrp.prio', 'vrrp.checksum.status', '_ws.malformed', '_ws.expert.severity']);
    const fromVr = adverts.filter((r) => r[1] === vr.host.ip);
    const fromKa = adverts.filter((r) => r[1] === ka.host.ip);
    expect(fromKa.length).toBeGreaterThan(0);
    expect(fromVr.length).toBeGreaterThan(0);
    for (const r of [...fromKa, ...fromVr]) expect([r[0], r[3], r[4]]).toEqual([VMAC, '1', '']);
    const garps = tsharkRows(pcap, `arp.src.proto_ipv4 == ${VIP}`, ['eth.src', 'arp.src.hw_mac', '_ws.malformed']);
    expect(garps.length).toBeGreaterThanOrEqual(10); // 5 from each master
    for (const g of garps) expect(g).toEqual([VMAC, VMAC, '']);
  });

  it.skipIf(!SLOW)('use_vmac, vrrpd master and keepalived backup: keepalived stays backup; vrrpd\'s macvlan goes on stop', async () => {
    ka.writeConfig(ka0({ priority: 90, extra: '  use_vmac' }));
    vr.writeConfig(seedConfig({ state: 'MASTER', priority: 100, extra: '  use_vmac' }));
    vr.start();
    await vr.waitState('MASTER', 10_000);
    ka.start();
    await ka.waitState('BACKUP', 10_000);
    await sleep(5000);
    expect(ka.lastState()).toBe('BACKUP');
    const kaFrom = ka.lines.length;
    expect(await vr.stop('SIGTERM')).toBe(0);
    expect((await vr.host.exec('ip', ['link', 'show', 'dev', 'vrrp.251'])).ok).toBe(false);
    await ka.waitState('MASTER', 3000, kaFrom);
  });

  it('virtual_routes: the route is on the master only, keepalived\'s or vrrpd\'s, and follows a failover', async () => {
    const extra = '  virtual_routes {\n    10.88.0.0/24 via 192.168.50.254 dev eth0\n  }';
    const route = async (h: typeof ka.host) => (await h.mustExec('ip', ['route', 'show', '10.88.0.0/24'])).trim();
    ka.writeConfig(ka0({ state: 'MASTER', priority: 100, extra }));
    vr.writeConfig(seedConfig({ priority: 90, extra }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('BACKUP', 10_000);
    await sleep(1000);
    expect(await route(ka.host)).toContain('via 192.168.50.254');
    expect(await route(vr.host)).toBe('');
    const from = vr.logs.length;
    await ka.stop();
    await vr.waitState('MASTER', 3000, from);
    await expect.poll(() => route(vr.host), { timeout: 3000 }).toContain('via 192.168.50.254');
    expect(await route(ka.host)).toBe('');
  });
});
