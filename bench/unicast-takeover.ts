/**
 * `node dist/bench/unicast-takeover.js [--runs N] [--family ipv4|ipv6] [--scenario kill|term]
 * [--keepalived] [--vrrpd-at LABEL=PATH]... [--vrrpd-flags LABEL=FLAGS]... [--vrrpd-env LABEL=VAR=VALUE]...`:
 * a master leaving three nodes on unicast (each lists the other two as `unicast_peer`, as a
 * three-node control plane without multicast), and how the new master's first advert reaches its
 * two peers, for this build, each --vrrpd-at build and (--keepalived) keepalived 2.2.7 with the same
 * keepalived.conf, runs interleaved (lib/targets.ts, lib/peers.ts, as bench:failover).
 *
 * r1 (150, MASTER), r2 (100), r3 (50), VRID 251, advert_int 1 (VRRPv2 over IPv4, VRRPv3 over IPv6
 * between global addresses), namespaces with prefix `vtu`. Each run: the three daemons start,
 * r1 wins, r2 pings its peers (their link-layer addresses known, as in a cluster that talks all
 * day), a capture on r2's eth0 starts, and r1 leaves:
 * - `kill` (default): SIGKILL (its host stays up). The bound is r1's last advert arriving at r2 +
 *   Master_Down_Interval (RFC 3768 / 5798 §6.4.2: 3.609375 s at priority 100);
 * - `term`: SIGTERM, r1 sends priority 0 to each peer (§6.4.3). The bound is r1's priority-0 advert
 *   arriving at r2 + Skew_Time (§6.4.2: 609.375 ms at priority 100).
 * From the capture (kernel timestamps): r2's first advert to each peer minus the bound, and the
 * time between the first and the second peer's. r2's log says whether the kernel timer sent it and
 * to how many destinations (vrrpd builds that log it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap, startTcpdump } from '../src/lab/capture.js';
import { keepalivedMissing } from '../src/lab/keepalived-process.js';
import { createLab, labUnavailableReason, type Lab } from '../src/lab/netns.js';
import { masterDownIntervalMs, skewTimeMs } from '../src/protocol/timers.js';
import { readIpv4, readIpv6 } from '../src/wire/address.js';
import { Daemon, instanceConfig } from './lib/daemon.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { keepalivedPeer, vrrpdPeer, type Peer } from './lib/peers.js';
import { ms, sleep, summarize, table } from './lib/stats.js';
import { parseTargets, targetEnv, targetFlags, targetLines, type Target } from './lib/targets.js';

const NAMES = ['r1', 'r2', 'r3'] as const;
const PRIORITY: Record<string, number> = { r1: 150, r2: 100, r3: 50 };
type Scenario = 'kill' | 'term';

interface Run {
  readonly label: string;
  /** First advert to the first / second peer minus the bound (ms). */
  readonly firstMs: number;
  readonly secondMs: number;
  /** Between them (ms). */
  readonly apartMs: number;
  /** Which peer's came first. */
  readonly order: string;
  /** r2's takeover line: who sent it and to how many of its destinations. */
  readonly how: string;
}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** VRRP adverts in a capture of r2's eth0: time (s), source, destination, priority. */
function adverts(file: string): { ts: number; src: string; dst: string; priority: number }[] {
  return readPcap(file).records.flatMap(({ time, data: f }): { ts: number; src: string; dst: string; priority: number }[] => {
    const type = (f[12]! << 8) | f[13]!;
    if (type === 0x0800 && f[23] === 112) return [{ ts: time, src: readIpv4(f, 26), dst: readIpv4(f, 30), priority: f[14 + (f[14]! & 0x0f) * 4 + 2]! }];
    if (type === 0x86dd && f[20] === 112) return [{ ts: time, src: readIpv6(f, 22), dst: readIpv6(f, 38), priority: f[14 + 40 + 2]! }];
    return [];
  });
}

/** The three nodes of one target: its daemon on each host, configured. */
function peersOf(lab: Lab, dir: string, target: Target, v6: boolean): Map<string, Peer> {
  const host = (n: string) => lab.hosts.find((h) => h.name === n)!;
  const addr = (n: string): string => (v6 ? host(n).ip6! : host(n).ip);
  const peers = new Map<string, Peer>();
  for (const n of NAMES) {
    const p = target.kind === 'keepalived' ? keepalivedPeer(host(n), dir) : vrrpdPeer(new Daemon(host(n), dir, target.cli), targetFlags(target, undefined), targetEnv(target));
    const others = NAMES.filter((o) => o !== n).map((o) => `    ${addr(o)}`);
    const extra = `  unicast_src_ip ${addr(n)}\n  unicast_peer {\n${others.join('\n')}\n  }`;
    p.writeConfig(instanceConfig({ priority: PRIORITY[n]!, ...(n === 'r1' ? { state: 'MASTER' as const } : {}), extra, family: v6 ? 'ipv6' : 'ipv4', ...(v6 ? { version: 3 as const } : {}) }));
    peers.set(n, p);
  }
  return peers;
}

async function oneRun(lab: Lab, dir: string, target: Target, v6: boolean, scenario: Scenario): Promise<Run> {
  const host = (n: string) => lab.hosts.find((h) => h.name === n)!;
  const addr = (n: string): string => (v6 ? host(n).ip6! : host(n).ip);
  const instance = v6 ? 'VI_6' : 'VI_1';
  const nodes = peersOf(lab, dir, target, v6);
  const node = (n: string): Peer => nodes.get(n)!;
  try {
    const marks = new Map(NAMES.map((n) => [n, node(n).mark()]));
    for (const n of NAMES) node(n).start();
    await node('r1').waitState(instance, 'MASTER', 15_000, marks.get('r1')!);
    await node('r2').waitState(instance, 'BACKUP', 15_000, marks.get('r2')!);
    await node('r3').waitState(instance, 'BACKUP', 15_000, marks.get('r3')!);
    await sleep(2500); // both backups follow r1 (they may have claimed mastership for a moment at the start)
    for (const p of ['r1', 'r3']) await host('r2').mustExec('ping', [...(v6 ? ['-6'] : []), '-c', '1', '-W', '2', addr(p)]);
    const file = join(dir, 'r2.pcap');
    const dump = await startTcpdump((cmd, args) => host('r2').spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] }), 'eth0', file, [v6 ? 'ip6' : 'ip', 'proto', '112']);
    const r2 = node('r2');
    const mark = r2.mark();
    const from = r2.logLines?.().length ?? 0;
    await sleep(1200);
    await (scenario === 'kill' ? node('r1').kill() : node('r1').stop());
    await r2.waitState(instance, 'MASTER', 6000, mark);
    await sleep(300);
    await dump.stop();
    const seen = adverts(file);
    rmSync(file, { force: true });
    const ofR1 = seen.filter((s) => s.src === addr('r1') && (scenario === 'kill' ? s.priority > 0 : s.priority === 0));
    const last = ofR1.at(-1);
    if (last === undefined) throw new Error(`${target.label} ${scenario}: no ${scenario === 'term' ? 'priority-0 ' : ''}advert of r1 in r2's capture`);
    const version = v6 ? 3 : 2;
    const bound = last.ts * 1000 + (scenario === 'kill' ? masterDownIntervalMs(version, 100, 100) : skewTimeMs(version, 100, 100));
    const firsts = ['r1', 'r3'].map((p) => {
      const first = seen.find((s) => s.src === addr('r2') && s.dst === addr(p) && s.ts > last.ts);
      if (first === undefined) throw new Error(`${target.label} ${scenario}: no advert of r2 to ${p} after r1's in r2's capture`);
      return { peer: p, ms: first.ts * 1000 };
    });
    firsts.sort((a, b) => a.ms - b.ms);
    const [a, b] = [firsts[0]!, firsts[1]!];
    return { label: target.label, firstMs: a.ms - bound, secondMs: b.ms - bound, apartMs: b.ms - a.ms, order: `${a.peer} then ${b.peer}`, how: takeoverLine(r2, from) };
  } finally {
    await Promise.all([...nodes.values()].map((d) => d.kill().catch(() => undefined)));
    for (const n of NAMES) for (const v of ['192.168.50.100/24', 'fd00:50::100/64', 'fe80::100/64']) await host(n).exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
  }
}

/** r2's takeover line (vrrpd builds that log it): who sent the advert, to how many of its destinations; '-' for keepalived. */
function takeoverLine(r2: Peer, from: number): string {
  if (r2.logLines === undefined) return '-';
  const line = r2.logLines().slice(from).find((l) => typeof l.msg === 'string' && l.msg.startsWith('takeover advert sent by the'));
  if (line === undefined) return 'no armed line';
  return `${String(line.msg).replace('takeover advert sent by the ', '').replace(/:.*/, '')} ${String(line.armedTo ?? '-')}/${String(line.destinations ?? '-')}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = Number(option(argv, '--runs') ?? 10);
  const v6 = (option(argv, '--family') ?? 'ipv4') === 'ipv6';
  const scenario = option(argv, '--scenario') ?? 'kill';
  if (scenario !== 'kill' && scenario !== 'term') throw new Error('--scenario kill|term');
  const targets = parseTargets(argv, argv.includes('--keepalived') ? undefined : 'vrrpd');
  const why = (await labUnavailableReason()) ?? (targets.some((t) => t.kind === 'keepalived') ? keepalivedMissing() : undefined);
  if (why !== undefined) throw new Error(`cannot run: ${why}`);
  const m = machine();
  const loads = [load1()];
  const t0 = new Date();
  const lab = await createLab({ hosts: [...NAMES], prefix: 'vtu', ...(v6 ? { subnet6: 'fd00:50' } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'vtu-'));
  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      // Alternate which daemon goes first, so neither always runs right after a switch.
      for (const t of i % 2 === 0 ? targets : [...targets].reverse()) {
        const r = await oneRun(lab, dir, t, v6, scenario);
        results.push(r);
        loads.push(load1());
        console.log(`run ${i + 1} ${r.label}: first peer ${ms(r.firstMs, 3)} ms, second ${ms(r.secondMs, 3)} ms after the bound, ${ms(r.apartMs, 3)} ms apart, ${r.order} (${r.how}); load ${load1().toFixed(2)}`);
      }
    }
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${t0.toISOString()} to ${new Date().toISOString()}\n${machineLine(m)}\n${busyLine(loads, m.cores).line}\n${targetLines(targets, undefined).join('\n')}`);
  const what = scenario === 'kill' ? "master loss (SIGKILL), bound = r1's last advert at r2 + Master_Down_Interval" : "SIGTERM, bound = r1's priority-0 advert at r2 + Skew_Time";
  console.log(`${what}; 3 nodes on unicast (${v6 ? 'VRRPv3 over IPv6' : 'VRRPv2 over IPv4'}), ${runs} runs each: ms, p50 / p99 / max`);
  const rows = [['daemon', 'first peer - bound', 'second peer - bound', 'apart', 'sent by']];
  for (const t of targets) {
    const mine = results.filter((r) => r.label === t.label);
    const cell = (xs: number[]): string => {
      const s = summarize(xs);
      return `${ms(s.median, 3)} / ${ms(s.p99, 3)} / ${ms(s.max, 3)}`;
    };
    const hows = [...new Set(mine.map((r) => r.how))].map((h) => `${h} x${mine.filter((r) => r.how === h).length}`).join(', ');
    rows.push([t.label, cell(mine.map((r) => r.firstMs)), cell(mine.map((r) => r.secondMs)), cell(mine.map((r) => r.apartMs)), hows]);
  }
  console.log(table(rows));
}

await main();
