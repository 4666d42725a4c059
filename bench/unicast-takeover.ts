/**
 * `node dist/bench/unicast-takeover.js [--runs N] [--family ipv4|ipv6] [--vrrpd-at LABEL=PATH]...
 * [--vrrpd-flags LABEL=FLAGS]... [--vrrpd-env LABEL=VAR=VALUE]...`: a master loss among three vrrpd
 * nodes on unicast (each lists the other two as `unicast_peer`, as a three-node control plane
 * without multicast), and how the new master's first advert reaches its two peers, for this build
 * and each --vrrpd-at build, runs interleaved (lib/targets.ts).
 *
 * r1 (150, MASTER), r2 (100), r3 (50), VRID 251, advert_int 1 (VRRPv2 over IPv4, VRRPv3 over IPv6
 * between global addresses), namespaces with prefix `vtu`. Each run: the three daemons start,
 * r1 wins, r2 pings its peers (their link-layer addresses known, as in a cluster that talks all
 * day), a capture on r2's eth0 starts, r1 gets SIGKILL (its host stays up). From the capture
 * (kernel timestamps of r2's sends and of r1's last advert arriving): the first advert to each
 * peer minus the bound (r1's last advert + Master_Down_Interval, RFC 3768 / 5798 §6.4.2: 3.609375
 * s at priority 100), and the time between the first and the second peer's. r2's log says whether
 * the kernel timer sent it and to how many destinations (builds that log it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcap, startTcpdump } from '../src/lab/capture.js';
import { DaemonProcess } from '../src/lab/daemon-process.js';
import { createLab, labUnavailableReason, type Lab } from '../src/lab/netns.js';
import { seedConfig, seedConfig6 } from '../src/lab/seed-config.js';
import { vrrpdMain } from '../src/lab/topology.js';
import { masterDownIntervalMs } from '../src/protocol/timers.js';
import { readIpv4, readIpv6 } from '../src/wire/address.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { ms, sleep, summarize, table } from './lib/stats.js';
import { parseTargets, targetEnv, targetFlags, targetLines, type Target } from './lib/targets.js';

const NAMES = ['r1', 'r2', 'r3'] as const;
const PRIORITY: Record<string, number> = { r1: 150, r2: 100, r3: 50 };

interface Run {
  readonly label: string;
  /** First advert to the first / second peer minus the bound (ms). */
  readonly firstMs: number;
  readonly secondMs: number;
  /** Between them (ms). */
  readonly apartMs: number;
  /** r2's takeover line: who sent it and to how many of its destinations. */
  readonly how: string;
}

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** VRRP adverts in a capture of r2's eth0: time (s), source, destination. */
function adverts(file: string): { ts: number; src: string; dst: string }[] {
  return readPcap(file).records.flatMap(({ time, data: f }): { ts: number; src: string; dst: string }[] => {
    const type = (f[12]! << 8) | f[13]!;
    if (type === 0x0800 && f[23] === 112) return [{ ts: time, src: readIpv4(f, 26), dst: readIpv4(f, 30) }];
    if (type === 0x86dd && f[20] === 112) return [{ ts: time, src: readIpv6(f, 22), dst: readIpv6(f, 38) }];
    return [];
  });
}

async function oneRun(lab: Lab, dir: string, target: Target, v6: boolean): Promise<Run> {
  const host = (n: string) => lab.hosts.find((h) => h.name === n)!;
  const addr = (n: string): string => (v6 ? host(n).ip6! : host(n).ip);
  const cli = target.cli ?? vrrpdMain();
  const nodes = new Map(NAMES.map((n) => [n, new DaemonProcess(host(n), dir, cli)]));
  try {
    for (const n of NAMES) {
      const peers = NAMES.filter((p) => p !== n).map((p) => `    ${addr(p)}`);
      const o = { priority: PRIORITY[n]!, ...(n === 'r1' ? { state: 'MASTER' as const } : {}), extra: `  unicast_src_ip ${addr(n)}\n  unicast_peer {\n${peers.join('\n')}\n  }` };
      nodes.get(n)!.writeConfig(v6 ? seedConfig6(o) : seedConfig(o));
    }
    for (const n of NAMES) nodes.get(n)!.start([], { env: targetEnv(target), nodeArgs: targetFlags(target, undefined) });
    await nodes.get('r1')!.waitState('MASTER', 15_000);
    await nodes.get('r2')!.waitState('BACKUP', 15_000);
    await nodes.get('r3')!.waitState('BACKUP', 15_000);
    await sleep(2500); // both backups follow r1 (they may have claimed mastership for a moment at the start)
    for (const p of ['r1', 'r3']) await host('r2').mustExec('ping', [...(v6 ? ['-6'] : []), '-c', '1', '-W', '2', addr(p)]);
    const file = join(dir, 'r2.pcap');
    const dump = await startTcpdump((cmd, args) => host('r2').spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] }), 'eth0', file, [v6 ? 'ip6' : 'ip', 'proto', '112']);
    const r2 = nodes.get('r2')!;
    const from = r2.logs.length;
    await sleep(1200);
    await nodes.get('r1')!.stop('SIGKILL');
    await r2.waitState('MASTER', 6000, from);
    await sleep(300);
    await dump.stop();
    const seen = adverts(file);
    rmSync(file, { force: true });
    const lastOfR1 = seen.filter((s) => s.src === addr('r1')).at(-1)!;
    const bound = lastOfR1.ts * 1000 + masterDownIntervalMs(v6 ? 3 : 2, 100, 100);
    const firsts = ['r1', 'r3'].map((p) => seen.find((s) => s.src === addr('r2') && s.dst === addr(p) && s.ts > lastOfR1.ts)!.ts * 1000).sort((a, b) => a - b);
    const line = r2.logs.slice(from).find((l) => typeof l.msg === 'string' && l.msg.startsWith('takeover advert sent by the'));
    const how = line === undefined ? 'no armed line' : `${line.msg.replace('takeover advert sent by the ', '').replace(/:.*/, '')} ${String(line.armedTo ?? '-')}/${String(line.destinations ?? '-')}`;
    return { label: target.label, firstMs: firsts[0]! - bound, secondMs: firsts[1]! - bound, apartMs: firsts[1]! - firsts[0]!, how };
  } finally {
    await Promise.all([...nodes.values()].map((d) => d.stop('SIGKILL').catch(() => undefined)));
    for (const n of NAMES) for (const v of ['192.168.50.100/24', 'fd00:50::100/64', 'fe80::100/64']) await host(n).exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const why = await labUnavailableReason();
  if (why !== undefined) throw new Error(`no lab: ${why}`);
  const runs = Number(option(argv, '--runs') ?? 10);
  const v6 = (option(argv, '--family') ?? 'ipv4') === 'ipv6';
  const targets = parseTargets(argv, 'vrrpd');
  const m = machine();
  const loads = [load1()];
  const lab = await createLab({ hosts: [...NAMES], prefix: 'vtu', ...(v6 ? { subnet6: 'fd00:50' } : {}) });
  const dir = mkdtempSync(join(tmpdir(), 'vtu-'));
  const results: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      for (const t of targets) {
        const r = await oneRun(lab, dir, t, v6);
        results.push(r);
        loads.push(load1());
        console.log(`run ${i + 1} ${r.label}: first peer ${ms(r.firstMs, 3)} ms, second ${ms(r.secondMs, 3)} ms after the bound, ${ms(r.apartMs, 3)} ms apart (${r.how}); load ${load1().toFixed(2)}`);
      }
    }
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n${machineLine(m)}\n${busyLine(loads, m.cores).line}\n${targetLines(targets, undefined).join('\n')}`);
  console.log(`master loss, 3 nodes on unicast (${v6 ? 'VRRPv3 over IPv6' : 'VRRPv2 over IPv4'}), ${runs} runs each: ms, p50 / p99 / max`);
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
