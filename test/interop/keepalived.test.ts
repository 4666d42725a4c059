/**
 * Mixed cluster: vrrpd and keepalived (Debian's 2.2.x) on one bridge, VRID 251, PASS auth, VIP
 * 192.168.50.100/24. keepalived on ka (192.168.50.1), vrrpd on vr (192.168.50.2). The seven
 * scenarios run twice, side by side in two labs: VRRPv2, and both sides at `vrrp_version 3` (the
 * same intervals, so the same bounds; under VRRPv3 the authentication block is ignored by both,
 * which scenario 5 checks); the VRRPv3 run adds both directions at advert_int 0.1. Every advert
 * vrrpd sends is captured on its switch port and dissected by tshark at the end of each run;
 * keepalived's too, for the 0.1 s takeover figures (switch clock). Timing assertions carry wide
 * margins; the states and VIP holders are the real checks.
 */
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/io/exec.js';
import type { Tcpdump } from '../../src/lab/capture.js';
import { masterDownIntervalMs } from '../../src/protocol/timers.js';
import { cluster, expectHolders, seedConfig, skipReason, type Cluster, type Node } from '../integration/daemon/harness.js';
import { advertsIn, capturePort, takeoverMs, tsharkMissing, tsharkRows } from './captures.js';
import { Keepalived, kaConfig, keepalivedMissing, keepalivedVersion } from './keepalived.js';

const reason = (await skipReason()) ?? keepalivedMissing();
const VIP = '192.168.50.100/24';
const MDI_90 = 3648.4375;
const MDI_100 = 3609.375;
const SKEW_90 = 648.4375;
const MARGIN = 2000;
/** VRRPv3 at advert_int 0.1: Master_Down_Interval for priority 90 (RFC 5798 §6.1), 364.84375 ms. */
const MDI_90_CENTI = masterDownIntervalMs(3, 90, 10);
/**
 * Takeover at 0.1 s adverts, measured on the switch: at least Master_Down_Interval (less 5 ms of
 * capture stamping), at most the bound plus this margin, which covers a loaded 2-core machine
 * delaying the new master's timer, its first send, or the capture (the figures are printed).
 */
const CENTI_MARGIN = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(reason !== undefined)(`interop with ${keepalivedVersion() ?? 'keepalived'}`, () => {
  // The two runs are independent (a lab, a keepalived and a vrrpd each): they run side by side,
  // which halves this file's time; within a run the scenarios stay in order on one pair.
  describe.concurrent.each([2, 3] as const)('VRRPv%i', (version) => {
    describe.sequential('one lab, the scenarios in order', () => {
      let c: Cluster;
      let ka: Keepalived;
      let vr: Node;
      let dir: string;
      let vrPcap: string;
      let kaPcap: string;
      let captures: Tcpdump[] = [];

      beforeAll(async () => {
        c = await cluster(['ka', 'vr'], 'vtx');
        dir = mkdtempSync(join(tmpdir(), 'vtx-'));
        ka = new Keepalived(c.lab.host('ka'), dir);
        vr = c.node('vr');
        vrPcap = join(dir, 'vr.pcap');
        kaPcap = join(dir, 'ka.pcap');
        // Everything a host sends leaves through its switch port (ka is host 0, vr host 1), multicast and unicast alike.
        captures = [await capturePort(c.lab, 'p1', vrPcap, '192.168.50.2'), await capturePort(c.lab, 'p0', kaPcap, '192.168.50.1')];
      });

      afterEach(async (ctx) => {
        // A failed scenario shows both daemons' logs (vrrpd's JSON lines, keepalived's console), for CI's record.
        if (process.env.VTX_DEBUG || ctx.task.result?.state === 'fail') {
          console.log(`--- VRRPv${version} vr (vrrpd)\n${vr.logs.map((l) => JSON.stringify(l)).join('\n')}`);
          console.log(`--- VRRPv${version} ka (keepalived)\n${ka.lines.map((l) => `${l.t} ${l.line}`).join('\n')}`);
        }
        ka.kill();
        await ka.waitExit();
        await vr.stop('SIGKILL');
        ka.lines.length = 0;
        vr.logs.length = 0;
        for (const n of c.nodes) {
          await n.host.linkUp();
          await n.host.exec('ip', ['addr', 'del', VIP, 'dev', 'eth0']);
        }
        await setPort('p0', 3);
        await setPort('p1', 3);
      });

      afterAll(async () => {
        ka?.kill();
        await ka?.waitExit();
        for (const t of captures) await t.stop();
        await c?.destroy();
        if (dir) rmSync(dir, { recursive: true, force: true });
      });

      /** Bridge port state: 0 = disabled (a partition that keeps carrier), 3 = forwarding. */
      async function setPort(port: string, state: 0 | 3): Promise<void> {
        const r = await run('bridge', ['-n', c.lab.switchNs, 'link', 'set', 'dev', port, 'state', String(state)]);
        if (!r.ok) throw new Error(r.error.detail);
      }

      /** keepalived (ka) and vrrpd (vr) with the given roles, both at this run's version; starts both. */
      async function pair(o: { kaPrio: number; vrPrio: number; kaExtra?: string; vrExtra?: string; vrScripts?: string; kaPass?: string; vrPass?: string; kaInterval?: number; vrInterval?: number }) {
        const kaMaster = o.kaPrio > o.vrPrio;
        const interval = (sec: number | undefined) => (sec !== undefined ? { interval: sec } : {});
        ka.writeConfig(kaConfig({ state: kaMaster ? 'MASTER' : 'BACKUP', priority: o.kaPrio, extra: o.kaExtra ?? '', version, ...interval(o.kaInterval), ...(o.kaPass ? { pass: o.kaPass } : {}) }));
        vr.writeConfig(seedConfig({ state: kaMaster ? 'BACKUP' : 'MASTER', priority: o.vrPrio, extra: o.vrExtra ?? '', scripts: o.vrScripts ?? '', version, ...interval(o.vrInterval), ...(o.vrPass ? { pass: o.vrPass } : {}) }));
        ka.start();
        vr.start();
      }

      it('1. keepalived MASTER 100 + vrrpd BACKUP 90; keepalived dies: vrrpd takes over; keepalived back: it preempts', async () => {
        await pair({ kaPrio: 100, vrPrio: 90 });
        await ka.waitState('MASTER', 10_000);
        await vr.waitState('BACKUP', 10_000);
        await sleep(2500);
        expect(vr.lastState()).toBe('BACKUP');
        await expectHolders(c, ['ka']);

        const from = vr.logs.length;
        const t0 = Date.now();
        ka.kill();
        await ka.host.linkDown();
        const took = await vr.waitState('MASTER', MDI_90 + MARGIN, from);
        expect(took.t - t0).toBeLessThan(MDI_90 + MARGIN);
        expect(took.reason).toBe('master-down-timer');
        await vr.waitVipsAdded(5000, from); // the state line comes before `ip addr` is done
        expect(await vr.addresses()).toContain(VIP);

        // keepalived's host comes back (rebooted: no stale VIP), joins and preempts.
        await ka.waitExit();
        await ka.host.exec('ip', ['addr', 'del', VIP, 'dev', 'eth0']);
        await ka.host.linkUp();
        const kaFrom = ka.lines.length;
        const vrFrom = vr.logs.length;
        ka.start();
        await ka.waitState('MASTER', MDI_100 + 3000 + MARGIN, kaFrom);
        await vr.waitState('BACKUP', 3000, vrFrom);
        await sleep(1000);
        await expectHolders(c, ['ka']);
      });

      it('2. vrrpd MASTER 100 + keepalived BACKUP 90; vrrpd dies: keepalived takes over; vrrpd back: it preempts', async () => {
        await pair({ kaPrio: 90, vrPrio: 100 });
        await vr.waitState('MASTER', 10_000);
        await ka.waitState('BACKUP', 10_000);
        await sleep(4500); // past keepalived's own start-up Master_Down_Interval
        expect(ka.lastState()).toBe('BACKUP');
        await expectHolders(c, ['vr']);

        const kaFrom = ka.lines.length;
        const t0 = Date.now();
        await vr.stop('SIGKILL');
        await vr.host.linkDown();
        const took = await ka.waitState('MASTER', MDI_90 + MARGIN, kaFrom);
        expect(took.t - t0).toBeLessThan(MDI_90 + MARGIN);

        await vr.host.linkUp(); // vrrpd removes the VIP it left behind at start-up
        vr.logs.length = 0;
        const kaBack = ka.lines.length;
        vr.start();
        await vr.waitState('MASTER', 10_000);
        await ka.waitState('BACKUP', 3000, kaBack);
        await sleep(1000);
        await expectHolders(c, ['vr']);
      });

      describe('3. equal priorities (100/100), two masters after a partition heals: the higher primary IP stays master on both sides', () => {
        async function twoMasters() {
          await setPort('p0', 0); // ka cut off, carrier kept: both become master alone
          await pair({ kaPrio: 100, vrPrio: 100, kaExtra: '', vrExtra: '' });
          await ka.waitState('MASTER', 10_000);
          await vr.waitState('MASTER', 10_000);
          await expectHolders(c, ['ka', 'vr']);
        }

        it('vrrpd has the higher IP (.2 > .1): keepalived steps down', async () => {
          // pair() makes the higher priority MASTER in config; with equal priorities both say BACKUP/MASTER
          // as keepalived would: keepalived treats `state MASTER` below 255 as BACKUP anyway.
          await twoMasters();
          const kaFrom = ka.lines.length;
          const vrFrom = vr.logs.length;
          await setPort('p0', 3);
          await ka.waitState('BACKUP', 3000, kaFrom);
          await ka.waitLine(/same priority 100 but higher IP address/, 1000, kaFrom);
          await sleep(2000);
          expect(vr.logs.slice(vrFrom).filter((l) => typeof l.to === 'string')).toEqual([]);
          await expectHolders(c, ['vr']);
        });

        it('keepalived has the higher IP (.200 > .2): vrrpd steps down', async () => {
          const kaHost = c.lab.host('ka');
          await kaHost.mustExec('ip', ['addr', 'flush', 'dev', 'eth0']);
          await kaHost.mustExec('ip', ['addr', 'add', '192.168.50.200/24', 'dev', 'eth0']);
          try {
            await twoMasters();
            const kaFrom = ka.lines.length;
            const vrFrom = vr.logs.length;
            await setPort('p0', 3);
            const down = await vr.waitState('BACKUP', 3000, vrFrom);
            expect(down).toMatchObject({ reason: 'higher-priority-advert' });
            expect(String(down.detail)).toContain('192.168.50.200');
            await sleep(2000);
            expect(ka.lines.slice(kaFrom).filter((l) => /Entering \w+ STATE/.test(l.line))).toEqual([]);
            await expectHolders(c, ['ka']);
          } finally {
            ka.kill();
            await ka.waitExit();
            await kaHost.exec('ip', ['addr', 'flush', 'dev', 'eth0']);
            await kaHost.mustExec('ip', ['addr', 'add', `${kaHost.ip}/24`, 'dev', 'eth0']);
          }
        });
      });

      it('4a. SIGTERM on keepalived (master): priority 0, vrrpd takes over within Skew_Time + margin', async () => {
        await pair({ kaPrio: 100, vrPrio: 90 });
        await ka.waitState('MASTER', 10_000);
        await vr.waitState('BACKUP', 10_000);
        await sleep(1500);
        const from = vr.logs.length;
        const t0 = Date.now();
        const stopped = ka.stop();
        const took = await vr.waitState('MASTER', SKEW_90 + MARGIN, from);
        expect(took.t - t0).toBeLessThan(SKEW_90 + MARGIN);
        await stopped;
        await ka.waitExit();
        await expectHolders(c, ['vr']);
      });

      it('4b. SIGTERM on vrrpd (master): priority 0, keepalived takes over within Skew_Time + margin', async () => {
        await pair({ kaPrio: 90, vrPrio: 100 });
        await vr.waitState('MASTER', 10_000);
        await ka.waitState('BACKUP', 10_000);
        await sleep(4500);
        const kaFrom = ka.lines.length;
        const t0 = Date.now();
        expect(await vr.stop('SIGTERM')).toBe(0);
        const took = await ka.waitState('MASTER', SKEW_90 + MARGIN, kaFrom);
        expect(took.t - t0).toBeLessThan(SKEW_90 + MARGIN);
        await ka.waitLine(/priority 0/i, 1000, 0);
        await sleep(500);
        await expectHolders(c, ['ka']);
      });

      it.runIf(version === 2)('5. auth mismatch: each drops the other, both end up MASTER; vrrpd counts authFailures and logs why', async () => {
        await pair({ kaPrio: 100, vrPrio: 90, kaPass: 'KAPASS', vrPass: 'PASS' });
        await ka.waitState('MASTER', 10_000);
        await vr.waitState('MASTER', 10_000);
        await sleep(3000);
        expect(ka.lastState()).toBe('MASTER');
        expect(vr.lastState()).toBe('MASTER');
        await expectHolders(c, ['ka', 'vr']);
        const s = (await vr.status()).instances[0]!;
        expect(s.counters.authFailures).toBeGreaterThan(0);
        expect(vr.logs.find((l) => l.msg === 'advert dropped' && l.reason === 'auth-failure' && l.from === '192.168.50.1')).toBeDefined();
        await ka.waitLine(/invalid passwd/, 1000);
      });

      it.runIf(version === 3)('5. VRRPv3 has no authentication: different auth_pass on each side are ignored by both, one master', async () => {
        await pair({ kaPrio: 100, vrPrio: 90, kaPass: 'KAPASS', vrPass: 'PASS' });
        await ka.waitState('MASTER', 10_000);
        await vr.waitState('BACKUP', 10_000);
        await sleep(3000);
        expect(vr.lastState()).toBe('BACKUP');
        await expectHolders(c, ['ka']);
        const s = (await vr.status()).instances[0]!;
        expect(s.counters.advertiseRcvd).toBeGreaterThan(1);
        expect(s.counters.authFailures).toBe(0);
        await ka.waitLine(/VRRP version 3 does not support authentication/, 1000);
      });

      it('6. a vrrpd track script failing moves the VIP to keepalived, and back when it recovers', async () => {
        const flag = join(dir, 'nginx-ok');
        writeFileSync(flag, '');
        const scripts = `vrrp_script chk_nginx {\n  script "/usr/bin/test -e ${flag}"\n  interval 1\n  weight -20\n  fall 1\n  rise 1\n}\n`;
        await pair({ kaPrio: 90, vrPrio: 100, vrScripts: scripts, vrExtra: '  track_script {\n    chk_nginx\n  }' });
        await vr.waitState('MASTER', 10_000);
        await ka.waitState('BACKUP', 10_000);
        await sleep(4500);
        await expectHolders(c, ['vr']);

        const kaFrom = ka.lines.length;
        const vrFrom = vr.logs.length;
        unlinkSync(flag); // nginx "dies": vrrpd 100 - 20 = 80 < 90
        await vr.waitFor((l) => l.to === 80 && typeof l.from === 'number', 5000, vrFrom);
        await ka.waitState('MASTER', 2000 + MDI_90 + MARGIN, kaFrom);
        await vr.waitState('BACKUP', 3000, vrFrom);
        await sleep(1000);
        await expectHolders(c, ['ka']);

        const kaBack = ka.lines.length;
        const vrBack = vr.logs.length;
        writeFileSync(flag, ''); // back: 100 > 90, vrrpd preempts
        await vr.waitState('MASTER', 2000 + MDI_100 + MARGIN, vrBack);
        await ka.waitState('BACKUP', 3000, kaBack);
        await sleep(1000);
        await expectHolders(c, ['vr']);
        if (existsSync(flag)) unlinkSync(flag);
      });

      it('7. unicast: keepalived master and vrrpd backup by unicast only; handover both ways', async () => {
        const kaUni = '  unicast_src_ip 192.168.50.1\n  unicast_peer {\n    192.168.50.2\n  }';
        const vrUni = '  unicast_src_ip 192.168.50.2\n  unicast_peer {\n    192.168.50.1\n  }';
        await pair({ kaPrio: 100, vrPrio: 90, kaExtra: kaUni, vrExtra: vrUni });
        await ka.waitState('MASTER', 10_000);
        await vr.waitState('BACKUP', 10_000);
        await sleep(4500);
        expect(vr.lastState()).toBe('BACKUP');
        const s = (await vr.status()).instances[0]!;
        expect(s.counters.advertiseRcvd).toBeGreaterThan(2);
        expect(s.counters.unicastPeerRejects).toBe(0);
        await expectHolders(c, ['ka']);

        const from = vr.logs.length;
        const stopped = ka.stop();
        await vr.waitState('MASTER', SKEW_90 + MARGIN, from);
        await stopped;
        await ka.waitExit();
        await expectHolders(c, ['vr']);

        // keepalived back with a lower priority: it must hear vrrpd's unicast adverts and stay BACKUP.
        ka.writeConfig(kaConfig({ priority: 80, extra: kaUni, version }));
        const kaFrom = ka.lines.length;
        ka.start();
        await ka.waitState('BACKUP', 5000, kaFrom);
        await sleep(6000);
        expect(ka.lines.slice(kaFrom).filter((l) => /Entering MASTER STATE/.test(l.line))).toEqual([]);
        await expectHolders(c, ['vr']);
      });

      /**
       * The master advertises every 0.1 s (VRRPv3 only) and dies (SIGKILL, cable cut); the backup,
       * configured with `backupInterval`, must have learned 0.1 s (RFC 5798 §6.4.2). The takeover
       * on the switch's clock.
       */
      async function centiTakeover(master: 'ka' | 'vr', backupInterval = 0.1): Promise<number> {
        const kaMaster = master === 'ka';
        await pair({ kaPrio: kaMaster ? 100 : 90, vrPrio: kaMaster ? 90 : 100, kaInterval: kaMaster ? 0.1 : backupInterval, vrInterval: kaMaster ? backupInterval : 0.1 });
        if (kaMaster) await ka.waitState('MASTER', 10_000);
        else await vr.waitState('MASTER', 10_000);
        await sleep(1500); // past keepalived's own start-up wait; both settled
        await expectHolders(c, [master]);
        expect(kaMaster ? vr.lastState() : ka.lastState()).toBe('BACKUP');
        const kaFrom = ka.lines.length;
        const vrFrom = vr.logs.length;
        if (kaMaster) {
          ka.kill();
          await ka.host.linkDown();
          expect((await vr.waitState('MASTER', MDI_90_CENTI + MARGIN, vrFrom)).reason).toBe('master-down-timer');
        } else {
          await vr.stop('SIGKILL');
          await vr.host.linkDown();
          await ka.waitState('MASTER', MDI_90_CENTI + MARGIN, kaFrom);
        }
        await sleep(300); // the new master's first adverts reach the capture file
        const dead = advertsIn(kaMaster ? kaPcap : vrPcap);
        const successor = advertsIn(kaMaster ? vrPcap : kaPcap).filter((a) => a.priority === 90);
        const ms = takeoverMs(dead, successor);
        console.log(`[advert_int 0.1] ${kaMaster ? 'keepalived' : 'vrrpd'} master killed: ${kaMaster ? 'vrrpd' : 'keepalived'} (priority 90, configured ${backupInterval} s) sent its first advert ${ms.toFixed(1)} ms after the last one (Master_Down_Interval ${MDI_90_CENTI} ms)`);
        expect(ms).toBeGreaterThan(MDI_90_CENTI - 5);
        expect(ms).toBeLessThan(MDI_90_CENTI + CENTI_MARGIN);
        return ms;
      }

      it.runIf(version === 3)('8a. advert_int 0.1: keepalived MASTER 100 killed, vrrpd BACKUP 90 (following its 10 cs adverts) takes over within Master_Down_Interval 0.365 s', async () => {
        await centiTakeover('ka');
        await expectHolders(c, ['vr'], { except: ['ka'] }); // ka was killed with its VIP in place
        const s = (await vr.status()).instances[0]!;
        expect(s.masterAdverIntervalCs).toBe(10);
      });

      it.runIf(version === 3)('8b. advert_int 0.1: vrrpd MASTER 100 killed, keepalived BACKUP 90 takes over within Master_Down_Interval 0.365 s', async () => {
        await centiTakeover('vr');
        await expectHolders(c, ['ka'], { except: ['vr'] });
      });

      it.runIf(version === 3)('8c. mixed intervals: vrrpd BACKUP configured with 1 s learns keepalived\'s 0.1 s and takes over within 0.365 s, not 3.65 s', async () => {
        await centiTakeover('ka', 1);
        await expectHolders(c, ['vr'], { except: ['ka'] });
      });

      it.runIf(version === 3)('8d. mixed intervals: keepalived BACKUP configured with 1 s learns vrrpd\'s 0.1 s and takes over within 0.365 s, not 3.65 s', async () => {
        await centiTakeover('vr', 1);
        await expectHolders(c, ['ka'], { except: ['vr'] });
      });

      it.skipIf(tsharkMissing())(`tshark dissects every advert vrrpd sent in this run: VRRPv${version}, good checksum, nothing malformed`, async () => {
        await sleep(500);
        for (const t of captures) await t.stop();
        const rows = tsharkRows(vrPcap);
        console.log(`[tshark] VRRPv${version}: ${rows.length} vrrpd adverts; to 224.0.0.18: ${rows.filter((r) => r[1] === '224.0.0.18').length}, unicast: ${rows.filter((r) => r[1] !== '224.0.0.18').length}, priority 0: ${rows.filter((r) => r[5] === '0').length}`);
        expect(rows.length).toBeGreaterThan(20);
        for (const r of rows) {
          expect(r.slice(0, 8)).toEqual([r[0], r[1], '255', String(version), '1', r[5], '1', '']);
        }
        expect(rows.some((r) => r[1] === '192.168.50.1')).toBe(true); // the unicast scenario
        expect(rows.some((r) => r[5] === '0')).toBe(true); // the SIGTERM scenario
      });
    });
  });
});
