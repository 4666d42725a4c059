/**
 * The daemon as a process: SIGHUP reload, SIGUSR1 state dump, and users' real keepalived.conf
 * files (the seed's two nodes, the kubeadm HA guide's) run unchanged.
 */
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDaemonStatus, type DaemonStatus } from '../../../src/status/model.js';
import { CLI, cluster, expectHolders, resetNodes, ROOT, seedConfig, skipReason, waitConverged, type Cluster } from './harness.js';

const reason = await skipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Signals, dumps and cleanup concern the process, not the protocol's timers: VRRPv3 at 0.1 s makes
 * a lone router master after Master_Down_Interval 0.36 s instead of 3.6 s.
 */
const QUICK = { version: 3, interval: 0.1 } as const;

describe.skipIf(reason !== undefined)('signals', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2'], 'vts');
  });
  afterEach(async () => resetNodes(c, ['192.168.50.100/24', '192.168.50.200/24']));
  afterAll(async () => c?.destroy());

  it('SIGHUP: an unchanged instance keeps its state, a new one starts, a broken file changes nothing', async () => {
    const op1 = c.node('op1');
    const conf = seedConfig({ state: 'MASTER', priority: 100, ...QUICK });
    op1.writeConfig(conf);
    op1.start();
    await op1.waitState('MASTER', 8000);
    const second = `vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  priority 100\n  advert_int 0.1\n  virtual_ipaddress {\n    192.168.50.200/24\n  }\n}\n`;
    op1.writeConfig(conf + second);
    let from = op1.logs.length;
    op1.proc!.kill('SIGHUP');
    const reloaded = await op1.waitFor((l) => l.msg === 'configuration reloaded', 5000, from);
    expect(reloaded).toMatchObject({ kept: 1, added: ['VI_2'], restarted: [], removed: [] });
    await op1.waitFor((l) => l.instance === 'VI_2' && l.to === 'MASTER', 8000, from);
    expect(op1.logs.slice(from).filter((l) => l.instance === 'VI_1' && l.to !== undefined)).toEqual([]);

    op1.writeConfig(`${conf}\nvrrp_instance BROKEN {\n  virtual_router_id 300\n`);
    from = op1.logs.length;
    op1.proc!.kill('SIGHUP');
    const refused = await op1.waitFor((l) => String(l.msg).startsWith('reload refused'), 5000, from);
    expect(refused.level).toBe(50);
    expect(op1.logs.slice(from).some((l) => /BROKEN|300/.test(String(l.msg)) && l.file !== undefined)).toBe(true);
    await sleep(1500);
    const s = await op1.status();
    expect(s.instances.map((i) => [i.name, i.state])).toEqual([
      ['VI_1', 'MASTER'],
      ['VI_2', 'MASTER'],
    ]);
  });

  it('vrrpd cleanup (systemd ExecStopPost) removes the VIPs a killed daemon left behind, idempotently', async () => {
    const op1 = c.node('op1');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, ...QUICK }));
    op1.start();
    await op1.waitState('MASTER', 8000);
    await op1.waitVipsAdded(3000);
    await op1.stop('SIGKILL');
    expect(await op1.addresses()).toContain('192.168.50.100/24');
    const first = await op1.host.mustExec('node', [CLI, 'cleanup', '-f', op1.confPath]);
    expect(first).toContain('removed 192.168.50.100/24 from eth0');
    expect(await op1.addresses()).not.toContain('192.168.50.100/24');
    expect(await op1.host.mustExec('node', [CLI, 'cleanup', '-f', op1.confPath])).toBe('');
  });

  it('SIGUSR1: the state is dumped as JSON, mode 0600, in the runtime directory', async () => {
    const op1 = c.node('op1');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100, ...QUICK }));
    op1.start();
    await op1.waitState('MASTER', 8000);
    const from = op1.logs.length;
    op1.proc!.kill('SIGUSR1');
    const dumped = await op1.waitFor((l) => l.msg === 'state dumped', 5000, from);
    const file = String(dumped.file);
    expect(file).toBe(join(op1.runDir, 'vrrpd.state.json'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(op1.runDir).mode & 0o777).toBe(0o700);
    const state: unknown = JSON.parse(readFileSync(file, 'utf8'));
    expect(isDaemonStatus(state)).toBe(true);
    expect((state as DaemonStatus).instances[0]).toMatchObject({ name: 'VI_1', state: 'MASTER', reason: 'master-down-timer' });
    // The same model, as a person reads it.
    const text = await op1.host.mustExec('node', [CLI, 'status', '--run-dir', op1.runDir]);
    expect(text).toMatch(/^VI_1: MASTER since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(.* ago\): master-down-timer/m);
    expect(text).toContain('VIPs: 192.168.50.100/24 in place');
  });
});

describe.skipIf(reason !== undefined)('two instances on one interface', () => {
  it('share one socket: each advert is received once, and both elect', async () => {
    const c = await cluster(['op1', 'op2'], 'vtm');
    try {
      const second = (prio: number) =>
        `vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  priority ${prio}\n  advert_int 1\n  virtual_ipaddress {\n    192.168.50.200/24\n  }\n}\n`;
      c.node('op1').writeConfig(seedConfig({ priority: 100 }) + second(100));
      c.node('op2').writeConfig(seedConfig({ priority: 90 }) + second(90));
      c.node('op1').start();
      await c.node('op1').waitFor((l) => l.msg === 'vrrpd started', 5000);
      c.node('op2').start();
      await c.node('op2').waitFor((l) => l.instance === 'VI_2' && l.to === 'BACKUP', 5000);
      await c.node('op1').waitFor((l) => l.instance === 'VI_2' && l.to === 'MASTER', 8000);
      const count = async () => {
        const s = (await c.node('op2').status()).instances;
        return s.map((i) => i.counters.advertiseRcvd);
      };
      const before = await count();
      await sleep(4000);
      const after = await count();
      for (const [i, n] of after.entries()) {
        const got = n - before[i]!;
        expect(got).toBeGreaterThanOrEqual(3);
        expect(got).toBeLessThanOrEqual(5); // 4 adverts in 4 s, each received once
      }
    } finally {
      await c.destroy();
    }
  });
});

describe.skipIf(reason !== undefined)('an interface that does not exist yet', () => {
  it('the instance waits in FAULT, starts once the interface appears, and comes back when it is recreated', async () => {
    const c = await cluster(['op1'], 'vtw');
    try {
      const op1 = c.node('op1');
      op1.writeConfig(seedConfig({ priority: 100, vip: '10.9.0.100/24' }).replace('interface eth0', 'interface eth9'));
      op1.start();
      await op1.waitFor((l) => l.msg === 'vrrpd started', 8000);
      const waiting = (await op1.status()).instances[0]!;
      expect(waiting).toMatchObject({ name: 'VI_1', state: 'FAULT' });
      expect(String(waiting.waiting)).toContain('eth9');
      await op1.host.mustExec('ip', ['link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth9p']);
      await op1.host.mustExec('ip', ['addr', 'add', '10.9.0.1/24', 'dev', 'eth9']);
      await op1.host.mustExec('ip', ['link', 'set', 'eth9p', 'up']);
      await op1.host.mustExec('ip', ['link', 'set', 'eth9', 'up']);
      await op1.waitState('MASTER', 2500 + 3609 + 1500);
      await op1.waitVipsAdded(3000);
      expect(await op1.host.mustExec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth9'])).toContain('10.9.0.100/24');
      // Deleted and created again (a new ifindex): the daemon reopens it and the instance returns.
      const from = op1.logs.length;
      await op1.host.mustExec('ip', ['link', 'del', 'eth9']);
      await op1.host.mustExec('ip', ['link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth9p']);
      await op1.host.mustExec('ip', ['addr', 'add', '10.9.0.1/24', 'dev', 'eth9']);
      await op1.host.mustExec('ip', ['link', 'set', 'eth9p', 'up']);
      await op1.host.mustExec('ip', ['link', 'set', 'eth9', 'up']);
      await op1.waitFor((l) => String(l.msg).includes('was recreated'), 5000, from);
      await op1.waitState('MASTER', 3609 + 3000, from);
      await op1.waitVipsAdded(3000, from);
      expect(await op1.host.mustExec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth9'])).toContain('10.9.0.100/24');
    } finally {
      await c.destroy();
    }
  });
});

describe.skipIf(reason !== undefined)("users' keepalived.conf files, unchanged", () => {
  it("the seed's two nodes (eth0 and ens33) elect node 1 and hand over to node 2", async () => {
    const c = await cluster(['op1', 'op2'], 'vtu');
    try {
      const op1 = c.node('op1');
      const op2 = c.node('op2');
      // node 2's file names its interface ens33: give the host that name instead of editing the file.
      await op2.host.mustExec('ip', ['link', 'set', 'eth0', 'down']);
      await op2.host.mustExec('ip', ['link', 'set', 'eth0', 'name', 'ens33']);
      await op2.host.mustExec('ip', ['link', 'set', 'ens33', 'up']);
      copyFileSync(join(ROOT, 'test/fixtures/config/seed/node1-master.conf'), op1.confPath);
      copyFileSync(join(ROOT, 'test/fixtures/config/seed/node2-backup.conf'), op2.confPath);
      // Started one after the other: the two Master_Down_Intervals differ by only 39 ms.
      op1.start();
      await op1.waitState('MASTER', 10_000);
      op2.start();
      await waitConverged(c, 'op1');
      await op1.waitVipsAdded(3000);
      expect(await op1.addresses()).toContain('192.168.50.100/24');
      const from = op2.logs.length;
      await op1.stop('SIGTERM');
      await op2.waitState('MASTER', 3000, from);
    } finally {
      await c.destroy();
    }
  });

  it("the kubeadm HA guide's keepalived.conf (master 101, backup 100, check_apiserver.sh)", async () => {
    const c = await cluster(['cp1', 'cp2'], 'vtu', '192.168.0');
    try {
      const cp1 = c.node('cp1');
      const cp2 = c.node('cp2');
      copyFileSync(join(ROOT, 'test/fixtures/config/kubeadm/keepalived-master.conf'), cp1.confPath);
      copyFileSync(join(ROOT, 'test/fixtures/config/kubeadm/keepalived-backup.conf'), cp2.confPath);
      // Started one after the other: priorities 101 and 100 give Master_Down_Intervals 4 ms apart.
      cp1.start();
      await cp1.waitState('MASTER', 10_000);
      cp2.start();
      await waitConverged(c, 'cp1');
      await expectHolders(c, ['cp1'], { vip: '192.168.0.40/32' });
      // The guide's check script is not installed here: vrrpd says so and runs without it.
      expect(cp1.logs.some((l) => String(l.msg).includes('check_apiserver disabled'))).toBe(true);
    } finally {
      await c.destroy();
    }
  });
});
