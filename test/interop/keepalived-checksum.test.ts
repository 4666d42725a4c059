/**
 * keepalived's unicast checksum rule against keepalived 2.2.7 itself (VRRPv3, unicast, advert_int
 * 1). With `old_unicast_checksum` keepalived sends the checksum of keepalived <= 1.3.6 (computed
 * as if sent to 224.0.0.18) and accepts nothing else; by default it sends the RFC checksum and,
 * once a peer uses the old style, accepts only that (its own adverts keep the RFC checksum:
 * measured here). vrrpd must interoperate with both, and refuse the old style under
 * `old_unicast_checksum never`. keepalived on ka (192.168.50.1), vrrpd on vr (192.168.50.2); each
 * side's adverts are captured on its switch port and their checksums classified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Tcpdump } from '../../src/lab/capture.js';
import { cluster, expectHolders, holders, seedConfig, skipReason, type Cluster, type Node } from '../integration/daemon/harness.js';
import { capturePort, checksumStyles } from './captures.js';
import { Keepalived, kaConfig, keepalivedMissing } from './keepalived.js';

const reason = (await skipReason()) ?? keepalivedMissing();
const VIP = '192.168.50.100/24';
const KA_UNICAST = '  unicast_src_ip 192.168.50.1\n  unicast_peer {\n    192.168.50.2\n  }';
const VR_UNICAST = '  unicast_src_ip 192.168.50.2\n  unicast_peer {\n    192.168.50.1\n  }';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)('VRRPv3 unicast checksums with keepalived (old_unicast_checksum)', () => {
  let c: Cluster;
  let ka: Keepalived;
  let vr: Node;
  let dir: string;
  let pcap: string;
  let kaPcap: string;
  let captures: Tcpdump[] = [];
  let run = 0;

  beforeAll(async () => {
    c = await cluster(['ka', 'vr'], 'vtc');
    dir = mkdtempSync(join(tmpdir(), 'vtc-'));
    ka = new Keepalived(c.lab.host('ka'), dir);
    vr = c.node('vr');
  });

  beforeEach(async () => {
    pcap = join(dir, `vr-${++run}.pcap`);
    kaPcap = join(dir, `ka-${run}.pcap`);
    captures = [await capturePort(c.lab, 'p1', pcap, '192.168.50.2'), await capturePort(c.lab, 'p0', kaPcap, '192.168.50.1')];
  });

  afterEach(async () => {
    for (const t of captures) await t.stop();
    ka.kill();
    await ka.waitExit();
    await vr.stop('SIGKILL');
    ka.lines.length = 0;
    vr.logs.length = 0;
    for (const n of c.nodes) await n.host.exec('ip', ['addr', 'del', VIP, 'dev', 'eth0']);
  });

  afterAll(async () => {
    ka?.kill();
    await ka?.waitExit();
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const kaConf = (priority: number, extra = '') => kaConfig({ version: 3, state: priority === 100 ? 'MASTER' : 'BACKUP', priority, extra: `${KA_UNICAST}\n${extra}` });
  const vrConf = (priority: number, extra = '') => seedConfig({ version: 3, state: priority === 100 ? 'MASTER' : 'BACKUP', priority, extra: `${VR_UNICAST}\n${extra}` });
  const counters = async () => (await vr.status()).instances[0]!.counters;
  /** vrrpd's router-wide counters on eth0 (checksum errors are counted before the VRID is known). */
  const ifaceCounters = async () => (await vr.status()).interfaces.find((i) => i.name === 'eth0')!.counters;

  it('keepalived sends the old style only: vrrpd (default) detects it once, follows it, and keepalived hears vrrpd as master', async () => {
    ka.writeConfig(kaConf(100, '  old_unicast_checksum'));
    vr.writeConfig(vrConf(90));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('BACKUP', 10_000);
    await vr.waitFor((l) => /old-style VRRPv3 unicast checksum detected/.test(l.msg), 10_000);
    await sleep(2500);
    expect(vr.lastState()).toBe('BACKUP');
    expect((await counters()).oldUnicastChecksumRcvd).toBeGreaterThan(2);
    expect((await counters()).advertiseRcvd).toBeGreaterThan(2);
    expect(vr.logs.filter((l) => /old-style VRRPv3 unicast checksum detected/.test(l.msg))).toHaveLength(1);

    // keepalived leaves (priority 0, old style): vrrpd takes over and advertises in the old style...
    const from = vr.logs.length;
    const stopped = ka.stop();
    await vr.waitState('MASTER', 3000, from);
    await stopped;
    await ka.waitExit();
    // ... which is all keepalived accepts: back at 80 it must hear vrrpd and stay BACKUP.
    ka.writeConfig(kaConf(80, '  old_unicast_checksum'));
    const kaFrom = ka.lines.length;
    ka.start();
    await ka.waitState('BACKUP', 5000, kaFrom);
    await sleep(5000);
    expect(ka.lines.slice(kaFrom).filter((l) => /Entering MASTER STATE|Invalid VRRPv3 checksum/.test(l.line))).toEqual([]);
    await expectHolders(c, ['vr']);
    await sleep(300);
    const styles = checksumStyles(pcap);
    expect(styles.length).toBeGreaterThan(5);
    expect(new Set(styles)).toEqual(new Set(['old']));
    expect(new Set(checksumStyles(kaPcap))).toEqual(new Set(['old']));
  });

  it("vrrpd sends the old style (old_unicast_checksum): keepalived (default) accepts it and switches its receive side; its own adverts keep the RFC checksum, which vrrpd accepts", async () => {
    ka.writeConfig(kaConf(90));
    vr.writeConfig(vrConf(100, '  old_unicast_checksum'));
    ka.start();
    vr.start();
    await vr.waitState('MASTER', 10_000);
    await ka.waitState('BACKUP', 10_000);
    await ka.waitLine(/Setting unicast VRRPv3 checksum to old version/, 5000);
    await sleep(4500); // past keepalived's start-up Master_Down_Interval: it hears vrrpd
    expect(ka.lastState()).toBe('BACKUP');
    expect(await holders(c)).toEqual(['vr']);

    const kaFrom = ka.lines.length;
    const kaAdvertsBefore = checksumStyles(kaPcap).length;
    expect(await vr.stop('SIGTERM')).toBe(0);
    await ka.waitState('MASTER', 3000, kaFrom);
    await ka.waitLine(/priority 0/i, 1000, kaFrom);
    // vrrpd back at 80 hears keepalived and stays BACKUP.
    vr.writeConfig(vrConf(80, '  old_unicast_checksum'));
    vr.logs.length = 0;
    vr.start();
    await vr.waitState('BACKUP', 10_000);
    await sleep(5000);
    expect(vr.logs.filter((l) => l.to === 'MASTER')).toEqual([]);
    const n = await counters();
    expect(n.advertiseRcvd).toBeGreaterThan(2);
    expect((await ifaceCounters()).checksumErrors).toBe(0);
    await expectHolders(c, ['ka']);
    expect(new Set(checksumStyles(pcap))).toEqual(new Set(['old']));
    // Measured, keepalived 2.2.7: after "Setting unicast VRRPv3 checksum to old version" it accepts only
    // the old style but still sends the RFC one (docs/keepalived-behaviour.md, VRRPv3 section).
    const kaAfter = checksumStyles(kaPcap).slice(kaAdvertsBefore);
    expect(kaAfter.length).toBeGreaterThan(2);
    expect(new Set(kaAfter)).toEqual(new Set(['rfc']));
    expect(n.oldUnicastChecksumRcvd).toBe(0);
  });

  it("vrrpd with old_unicast_checksum never refuses keepalived's old style: checksum errors, both MASTER (the loud outcome)", async () => {
    ka.writeConfig(kaConf(100, '  old_unicast_checksum'));
    vr.writeConfig(vrConf(90, '  old_unicast_checksum never'));
    ka.start();
    vr.start();
    await ka.waitState('MASTER', 10_000);
    await vr.waitState('MASTER', 10_000);
    await sleep(2000);
    expect((await holders(c)).sort()).toEqual(['ka', 'vr']);
    const dropped = vr.logs.find((l) => l.msg === 'advert dropped' && l.reason === 'checksum');
    expect(String(dropped?.detail)).toMatch(/old-style unicast checksum .*old_unicast_checksum never refuses/);
    expect((await counters()).oldUnicastChecksumRcvd).toBe(0);
    expect((await ifaceCounters()).checksumErrors).toBeGreaterThan(0);
    expect(new Set(checksumStyles(pcap))).toEqual(new Set(['rfc']));
  });
});
