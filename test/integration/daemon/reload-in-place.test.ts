/**
 * A reload keeps the state of an instance it finds in both configurations (as keepalived's
 * restore_vrrp_state does). A real master (m) and backup (b): m's priority, its GARP repeat
 * (global_defs) and its address list change by SIGHUP. m stays MASTER, never sends priority 0
 * (tcpdump on its switch port), the address in both lists never leaves m (`ip monitor address`
 * in m's namespace), the new one appears and the dropped one goes. Then b's priority is raised
 * above m's by reload: b takes over through the normal preempt rule, its Master_Down_Timer. Last,
 * b's tracked script changes weight: no transient priority while the restarted script has no verdict.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPcap, startTcpdump, type Tcpdump } from '../../../src/lab/capture.js';
import { cluster, expectHolders, seedConfig, skipReason, waitConverged, type Cluster, type LogLine, type Node } from './harness.js';

const reason = await skipReason();
const KEPT = '192.168.50.100/24';
const DROPPED = '192.168.50.102/24';
const ADDED = '192.168.50.101/24';
/** seedConfig takes one VIP line; more lines go in the same block. */
const vips = (...list: string[]) => list.join('\n    ');
/** Instance state changes (a script's own health line has from/to too). */
const stateLines = (n: Node, from: number) => n.logs.slice(from).filter((l) => typeof l.instance === 'string' && typeof l.to === 'string' && typeof l.from === 'string');

/** Priorities of every VRRP advert in the capture (Ethernet, IPv4 header of IHL words, VRRP priority at byte 2). */
function priorities(file: string): number[] {
  return readPcap(file, { partial: true }).records.map((r) => r.data[14 + (r.data[14]! & 0x0f) * 4 + 2]!);
}

describe.skipIf(reason !== undefined)('reload: an instance in both configurations keeps its state', () => {
  let c: Cluster;
  let dir: string;
  let dump: Tcpdump;
  let monitor: ChildProcess;
  let monitored = '';
  beforeAll(async () => {
    c = await cluster(['m', 'b'], 'vri');
    dir = mkdtempSync(join(tmpdir(), 'vri-files-'));
    c.node('m').writeConfig(seedConfig({ state: 'MASTER', priority: 100, vip: vips(KEPT, DROPPED) }));
    c.node('b').writeConfig(seedConfig({ priority: 90, vip: vips(KEPT, DROPPED) }));
    c.node('m').start();
    c.node('b').start();
    await c.node('m').waitState('MASTER', 10_000);
    await waitConverged(c, 'm');
    const inSwitch = (cmd: string, args: readonly string[]) => c.lab.host('m').spawn('ip', ['netns', 'exec', c.lab.switchNs, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    dump = await startTcpdump(inSwitch, 'p0', join(dir, 'm.pcap'), ['ip', 'proto', '112', 'and', 'src', 'host', c.node('m').host.ip]);
    monitor = c.node('m').host.spawn('ip', ['monitor', 'address', 'dev', 'eth0'], { stdio: ['ignore', 'pipe', 'ignore'] });
    monitor.stdout?.on('data', (d: Buffer) => (monitored += d.toString()));
  });
  afterAll(async () => {
    monitor?.kill('SIGKILL');
    await dump?.stop();
    await c?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a master whose priority, GARP repeat and addresses change stays MASTER: no priority 0, the kept address never leaves', async () => {
    const m = c.node('m');
    const b = c.node('b');
    const [fromM, fromB] = [m.logs.length, b.logs.length];
    // Both sides change their list together (an advert with another list is dropped, RFC 3768 §7.1).
    b.writeConfig(seedConfig({ priority: 90, vip: vips(KEPT, ADDED) }));
    m.writeConfig(seedConfig({ state: 'MASTER', priority: 95, vip: vips(KEPT, ADDED), globals: '  vrrp_garp_master_repeat 2\n' }));
    b.proc!.kill('SIGHUP');
    m.proc!.kill('SIGHUP');
    const done = (l: LogLine) => l.msg === 'configuration reloaded';
    await m.waitFor(done, 10_000, fromM);
    await b.waitFor(done, 10_000, fromB);
    const applied = m.logs.slice(fromM).find((l) => String(l.msg).startsWith('VI_1: reload applied in place'));
    expect(applied?.changed).toEqual(['priority 100 -> 95', `vips +${ADDED} -${DROPPED}`, 'garp', 'splitBrain']);
    await expectHolders(c, ['m'], { vip: ADDED });
    await expectHolders(c, [], { vip: DROPPED });
    // Three more adverts: the new priority on the wire, and time for a wrong takeover to show.
    await new Promise((r) => setTimeout(r, 3000));
    await expectHolders(c, ['m'], { vip: KEPT });
    expect(stateLines(m, fromM)).toEqual([]);
    expect(stateLines(b, fromB)).toEqual([]);
    const seen = priorities(dump.file);
    expect(seen).not.toContain(0);
    expect(seen.at(-1)).toBe(95);
    expect(monitored).toContain(ADDED);
    expect(monitored).toMatch(new RegExp(`Deleted.*${DROPPED.replace(/\./g, '\\.')}`));
    expect(monitored).not.toMatch(new RegExp(`Deleted.*${KEPT.replace(/\./g, '\\.')}`));
  });

  it("a backup raised above the master's priority with preempt takes over by its Master_Down_Timer", async () => {
    const m = c.node('m');
    const b = c.node('b');
    const fromB = b.logs.length;
    b.writeConfig(seedConfig({ priority: 120, vip: vips(KEPT, ADDED) }));
    const t0 = Date.now();
    b.proc!.kill('SIGHUP');
    const took = await b.waitState('MASTER', 10_000, fromB);
    expect(took.reason).toBe('master-down-timer');
    // At most Master_Down_Interval (3.6 s at 90, counted from m's last honoured advert) after the reload, plus noise.
    expect(took.t - t0).toBeLessThan(3648 + 1500);
    await m.waitState('BACKUP', 5000);
    await expectHolders(c, ['b'], { vip: KEPT });
    expect(priorities(dump.file)).not.toContain(0);
  });

  it('a vrrp_script whose weight changes restarts; the instance keeps its reading meanwhile: its priority goes straight to the new value', async () => {
    const b = c.node('b');
    const script = (weight: number) => `vrrp_script chk {\n  script "/bin/true"\n  interval 1\n  weight ${weight}\n}\n`;
    const config = (weight: number) => seedConfig({ priority: 120, vip: vips(KEPT, ADDED), scripts: script(weight), extra: '  track_script {\n    chk\n  }\n' });
    let from = b.logs.length;
    b.writeConfig(config(20));
    b.proc!.kill('SIGHUP');
    await b.waitFor((l) => l.msg === 'VI_1: priority 120 -> 140', 10_000, from);
    await b.waitFor((l) => l.msg === 'configuration reloaded', 10_000, from); // else the next SIGHUP is coalesced into this reload
    from = b.logs.length;
    b.writeConfig(config(30));
    b.proc!.kill('SIGHUP');
    await b.waitFor((l) => l.msg === 'configuration reloaded', 10_000, from);
    const moves = b.logs.slice(from).filter((l) => /^VI_1: priority \d+ -> \d+$/.test(l.msg)).map((l) => l.msg);
    expect(moves).toEqual(['VI_1: priority 140 -> 150']); // never back to 120 while the restarted script had no verdict
    expect(stateLines(b, from)).toEqual([]);
  });
});
