/**
 * vrrpd and keepalived (Debian's 2.2.x) over IPv6 on one bridge: VRRPv3, VRID 251, VIPs
 * fe80::100/64 and fd00:50::100/64. keepalived on ka, vrrpd on vr, each advertising from its
 * link-local address. keepalived lets the kernel verify the checksum of what it receives
 * (IPV6_CHECKSUM), so keepalived staying BACKUP behind vrrpd proves vrrpd's IPv6 checksum; the
 * other way round proves vrrpd's receive path. Both roles, master loss and priority-0 handover
 * each way, and the dual-stack pair (VI_4 + VI_6 in one sync group) against keepalived's. Every
 * advert vrrpd sends is captured on its switch port and dissected by tshark at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTcpdump, type Tcpdump } from '../../src/lab/capture.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/protocol/timers.js';
import { cluster, dualStackConfig, expectHolders, seedConfig6, skipReason, type Cluster, type Node } from '../integration/daemon/harness.js';
import { tsharkMissing } from './captures.js';
import { Keepalived, kaConfig6, keepalivedMissing, keepalivedVersion } from './keepalived.js';

const reason = (await skipReason()) ?? keepalivedMissing();
const VIP6 = 'fd00:50::100/64';
const LL_VIP = 'fe80::100/64';
const VIP4 = '192.168.50.100/24';
const MDI_90 = masterDownIntervalMs(3, 90, 100);
const MDI_100 = masterDownIntervalMs(3, 100, 100);
const SKEW_90 = skewTimeMs(3, 90, 100);
const MARGIN = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)(`IPv6 interop with ${keepalivedVersion() ?? 'keepalived'}`, () => {
  let c: Cluster;
  let ka: Keepalived;
  let vr: Node;
  let dir: string;
  let tcpdump: Tcpdump;
  const ll: Record<string, string> = {};

  beforeAll(async () => {
    c = await cluster(['ka', 'vr'], 'vtx6', undefined, 'fd00:50');
    for (const n of c.nodes) ll[n.host.name] = await n.host.linkLocal6();
    dir = mkdtempSync(join(tmpdir(), 'vtx6-'));
    ka = new Keepalived(c.lab.host('ka'), dir);
    vr = c.node('vr');
    // Everything vr sends leaves through switch port p1 (vr is host 1).
    const inSwitch = (cmd: string, args: readonly string[]) => spawn('ip', ['netns', 'exec', c.lab.switchNs, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    tcpdump = await startTcpdump(inSwitch, 'p1', join(dir, 'vr6.pcap'), ['ip6', 'proto', '112', 'and', 'src', 'host', ll['vr']!]);
  });

  afterEach(async () => {
    ka.kill();
    await ka.waitExit();
    await vr.stop('SIGKILL');
    ka.lines.length = 0;
    vr.logs.length = 0;
    for (const n of c.nodes) {
      await n.host.linkUp();
      for (const v of [VIP4, VIP6, LL_VIP]) await n.host.exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
    }
    // Link up again: the link-local addresses go through duplicate address detection once more.
    for (const n of c.nodes) await n.host.linkLocal6();
  });

  afterAll(async () => {
    ka?.kill();
    await ka?.waitExit();
    await tcpdump?.stop();
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('1. keepalived MASTER 100 + vrrpd BACKUP 90 over IPv6; keepalived dies: vrrpd takes over; keepalived back: it preempts', async () => {
    ka.writeConfig(kaConfig6({ state: 'MASTER', priority: 100 }));
    vr.writeConfig(seedConfig6({ priority: 90 }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000, 0, 'VI_6');
    await vr.waitState('BACKUP', 10_000);
    await sleep(2500);
    expect(vr.lastState()).toBe('BACKUP');
    const s = (await vr.status()).instances[0] as { masterIp: string; masterPriority: number; counters: Record<string, number> };
    expect(s).toMatchObject({ masterIp: ll['ka'], masterPriority: 100 });
    expect(s.counters.advertiseRcvd).toBeGreaterThan(1);
    expect(s.counters.ipTtlErrors).toBe(0);
    await expectHolders(c, ['ka'], { vip: VIP6 });

    const from = vr.logs.length;
    const t0 = Date.now();
    ka.kill();
    await ka.host.linkDown();
    const took = await vr.waitState('MASTER', MDI_90 + MARGIN, from);
    expect(took.t - t0).toBeLessThan(MDI_90 + MARGIN);
    expect(took.reason).toBe('master-down-timer');
    await expectHolders(c, ['vr'], { vip: VIP6, except: ['ka'] });

    // keepalived's host comes back (rebooted: no stale VIP), joins and preempts.
    await ka.waitExit();
    for (const v of [VIP6, LL_VIP]) await ka.host.exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
    await ka.host.linkUp();
    await ka.host.linkLocal6();
    const kaFrom = ka.lines.length;
    const vrFrom = vr.logs.length;
    ka.start();
    await ka.waitState('MASTER', MDI_100 + 3000 + MARGIN, kaFrom, 'VI_6');
    await vr.waitState('BACKUP', 3000, vrFrom);
    await expectHolders(c, ['ka'], { vip: VIP6, timeoutMs: 5000 });
  });

  /** vrrpd MASTER 100, then keepalived BACKUP 90, settled past keepalived's own start-up Master_Down_Interval. */
  async function vrrpdMaster(): Promise<void> {
    ka.writeConfig(kaConfig6({ priority: 90 }));
    vr.writeConfig(seedConfig6({ state: 'MASTER', priority: 100 }));
    vr.start();
    await vr.waitState('MASTER', 10_000);
    ka.start();
    await ka.waitState('BACKUP', 10_000, 0, 'VI_6');
    await sleep(4500);
    expect(ka.lastState('VI_6')).toBe('BACKUP');
    await expectHolders(c, ['vr'], { vip: VIP6 });
  }

  it('2. vrrpd MASTER 100 + keepalived BACKUP 90: keepalived follows vrrpd (its kernel verified every checksum); SIGTERM hands over at Skew_Time; vrrpd back preempts', async () => {
    await vrrpdMaster();

    const kaFrom = ka.lines.length;
    const t0 = Date.now();
    expect(await vr.stop('SIGTERM')).toBe(0);
    const took = await ka.waitState('MASTER', SKEW_90 + MARGIN, kaFrom, 'VI_6');
    expect(took.t - t0).toBeLessThan(SKEW_90 + MARGIN);
    await expectHolders(c, ['ka'], { vip: VIP6 });

    const kaBack = ka.lines.length;
    vr.logs.length = 0;
    vr.start();
    await vr.waitState('MASTER', MDI_100 + 3000, 0);
    await ka.waitState('BACKUP', 3000, kaBack, 'VI_6');
    await expectHolders(c, ['vr'], { vip: VIP6, timeoutMs: 5000 });
  });

  it('3. vrrpd master loss: keepalived takes over within Master_Down_Interval', async () => {
    await vrrpdMaster();
    const kaFrom = ka.lines.length;
    const t0 = Date.now();
    await vr.stop('SIGKILL');
    await vr.host.linkDown();
    const took = await ka.waitState('MASTER', MDI_90 + MARGIN, kaFrom, 'VI_6');
    expect(took.t - t0).toBeLessThan(MDI_90 + MARGIN);
  });

  it('4. dual stack against keepalived: both sync groups elect keepalived; it dies: vrrpd takes IPv4 and IPv6 together', async () => {
    ka.writeConfig(kaConfig6({ state: 'MASTER', priority: 100, dualStack: true }));
    vr.writeConfig(dualStackConfig({ priority: 90 }));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000, 0, 'VI_4');
    await ka.waitState('MASTER', 10_000, 0, 'VI_6');
    await sleep(4500);
    const s = (await vr.status()).instances.map((i) => [i['name'], i['state'], i['masterIp']]);
    expect(s).toEqual([
      ['VI_4', 'BACKUP', c.lab.host('ka').ip],
      ['VI_6', 'BACKUP', ll['ka']],
    ]);
    const from = vr.logs.length;
    ka.kill();
    await ka.host.linkDown();
    await vr.waitFor((l) => l.instance === 'VI_4' && l.to === 'MASTER', MDI_90 + MARGIN, from);
    await vr.waitFor((l) => l.instance === 'VI_6' && l.to === 'MASTER', MDI_90 + MARGIN, from);
    await expectHolders(c, ['vr'], { vip: VIP4, except: ['ka'] });
    await expectHolders(c, ['vr'], { vip: VIP6, except: ['ka'] });
  });

  it.skipIf(tsharkMissing())('tshark dissects every IPv6 advert vrrpd sent in this suite: hop limit 255, class 0xc0, VRRPv3, good checksum, nothing malformed', async () => {
    await sleep(500);
    await tcpdump.stop();
    const fields = ['ipv6.src', 'ipv6.dst', 'ipv6.hlim', 'ipv6.tclass', 'vrrp.version', 'vrrp.type', 'vrrp.prio', 'vrrp.checksum.status', '_ws.malformed', '_ws.expert.severity'];
    const out = execFileSync('tshark', ['-r', tcpdump.file, '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.trim().split('\n').filter(Boolean).map((l) => l.split(','));
    console.log(`[tshark] ${rows.length} vrrpd IPv6 adverts; priority 0: ${rows.filter((r) => r[6] === '0').length}`);
    expect(rows.length).toBeGreaterThan(10);
    for (const r of rows) {
      expect(r).toEqual([ll['vr'], 'ff02::12', '255', '0x000000c0', '3', '1', r[6], '1', '', '']);
    }
    expect(rows.some((r) => r[6] === '0')).toBe(true); // the SIGTERM handover
  });
});
