/**
 * `npm run bench:scale [-- --sizes 1,50,255] [--seconds 20] [--rounds 1] [--only vrrpd|keepalived]
 *  [--node-flags "FLAGS"] [--global "LINE"]... [--vrrpd-at LABEL=PATH]... [--vrrpd-flags LABEL=FLAGS]...
 *  [--vrrpd-env LABEL=VAR=VALUE]...`:
 *  (--node-flags replaces the bin's own node flags, to try others; each --global adds a line to
 *  both daemons' global_defs, e.g. "vrrp_rt_priority 10"; each --vrrpd-at adds another vrrpd
 *  build, PATH its bundle's vrrpd.js run with its own shebang's flags, as `vrrpd@LABEL`,
 *  interleaved with the others: another branch's build against this one in the same run;
 *  --vrrpd-flags LABEL=FLAGS runs that one with FLAGS instead: node flags compared in one run;
 *  --vrrpd-env LABEL=VAR=VALUE adds VAR to its environment, e.g. GLIBC_TUNABLES)
 * N VRRP instances on one interface, vrrpd against keepalived in the same run.
 *
 * Namespaces (prefix `vsc`): node m runs N instances as master (priority 100, state MASTER),
 * node b the same N as backup (priority 90), a third node `tap` captures the adverts. For each
 * size and each daemon, interleaved (the order alternates by round):
 *   1. m starts; once all N are MASTER with their VIPs, b starts; once all N are BACKUP, 3 s settle.
 *   2. A window of --seconds: the master's advert intervals from the capture (error = |interval -
 *      1 s|, every VRID), adverts and MASTER transitions from the backup (any is spurious), the
 *      master's CPU (its process tree, reaped children included; its system part) and wake-ups
 *      (voluntary context switches of all its threads) and resident memory (VmRSS; RssAnon, and of
 *      it glibc's main malloc heap, `[heap]` in smaps); beside it, the machine's own timer
 *      wake-ups (bench/lib/wake-floor.ts: a probe that sleeps 100 ms at a time, at the daemons'
 *      scheduling), the floor under any daemon that sleeps between adverts.
 *   3. Mass takeover: m's cable is cut; until b holds all N VIPs (`ip -ts monitor address` on b).
 *      Per VRID: VIP on b minus (m's last advert of that VRID + Master_Down_Interval 3648.4375 ms).
 * Targets (issue 11): interval error p99 <= 1 ms and max <= 2 ms; no spurious advert; CPU no more
 * than keepalived's; RSS <= 55 MB at 255 and <= 45 MB at 1; every VIP within the bound + 50 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, labUnavailableReason, type Lab } from '../src/lab/netns.js';
import { keepalivedMissing } from '../src/lab/keepalived-process.js';
import { masterDownIntervalMs } from '../src/protocol/timers.js';
import { AddressMonitor } from './lib/addr-monitor.js';
import { AdvertCapture, type SeenAdvert } from './lib/capture.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { brkHeapKb, cpuPercent, sampleTree, sysPercent, wakeupsPerSecond } from './lib/proc-tree.js';
import { scaleConfig, scaleVip } from './lib/scale-config.js';
import { Daemon } from './lib/daemon.js';
import { keepalivedPeer, vrrpdPeer, type DaemonKind, type Peer } from './lib/peers.js';
import { parseTargets, repeatedOption, targetEnv, targetFlags, targetLines, type Target } from './lib/targets.js';
import { ms, sleep, summarize, table, type Summary } from './lib/stats.js';
import { measureWakeFloor, rtPriorityOf, type WakeFloor } from './lib/wake-floor.js';

const MDI_MS = masterDownIntervalMs(2, 90, 100);
const LAG_TARGET_MS = 50;

interface Args {
  readonly sizes: readonly number[];
  readonly seconds: number;
  readonly rounds: number;
  readonly targets: readonly Target[];
  /** --node-flags, else undefined: each vrrpd build runs with its own bin's flags. */
  readonly nodeFlags: readonly string[] | undefined;
  /** Extra global_defs lines for both daemons. */
  readonly globals: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const sizes = (value('--sizes') ?? '1,50,255').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 255)) throw new Error('--sizes: integers 1..255, comma-separated');
  const seconds = Number(value('--seconds') ?? 20);
  const rounds = Number(value('--rounds') ?? 1);
  if (!(seconds >= 5 && seconds <= 600) || !Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('--seconds 5..600, --rounds 1..50');
  const flags = value('--node-flags');
  const targets = parseTargets(argv, value('--only'));
  return { sizes, seconds, rounds, targets, nodeFlags: flags === undefined ? undefined : flags.split(/\s+/).filter(Boolean), globals: repeatedOption(argv, '--global') };
}

interface RunResult {
  readonly kind: DaemonKind;
  /** The target's label: `vrrpd`, `keepalived` or `vrrpd@LABEL`. */
  readonly label: string;
  readonly n: number;
  readonly round: number;
  readonly startMs: number;
  /** |advert interval - 1 s| over every VRID of the master, ms. */
  readonly intervalError: Summary;
  readonly spuriousAdverts: number;
  readonly spuriousTransitions: number;
  readonly cpuPct: number;
  /** The system (kernel) part of cpuPct. */
  readonly sysPct: number;
  /** Voluntary context switches per second, every thread of the master's tree. */
  readonly wakeupsPerS: number;
  readonly rssMb: number;
  readonly anonMb: number;
  /** Of anonMb, the top process's glibc main malloc heap (`[heap]`). */
  readonly brkHeapMb: number;
  /** Cable cut -> the backup holds every VIP, ms. */
  readonly allVipsMs: number;
  /** Per VRID: VIP on the backup - (last master advert + Master_Down_Interval), ms. */
  readonly vipLag: Summary;
  /** Per VRID: the backup's first advert - (last master advert + Master_Down_Interval), ms. */
  readonly advertLag: Summary;
  readonly missingVips: number;
  /** The machine's own timer wake-ups during the window (a probe beside the master), if it ran. */
  readonly floor: WakeFloor | undefined;
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Consecutive interval errors of one source's adverts, per VRID, within [from, to]. */
function intervalErrors(adverts: readonly SeenAdvert[], src: string, from: number, to: number): number[] {
  const byVrid = new Map<number, number[]>();
  for (const a of adverts) if (a.src === src && a.t >= from && a.t <= to && a.priority > 0) (byVrid.get(a.vrid) ?? byVrid.set(a.vrid, []).get(a.vrid)!).push(a.t);
  return [...byVrid.values()].flatMap((ts) => ts.slice(1).map((t, i) => Math.abs(t - ts[i]! - 1000)));
}

/** The mass takeover as the capture and the backup's address monitor saw it. */
function takeoverFigures(
  adverts: readonly SeenAdvert[],
  o: { master: string; backup: string; n: number; tCut: number; vipsAt: ReadonlyMap<string, number> },
): Pick<RunResult, 'allVipsMs' | 'vipLag' | 'advertLag' | 'missingVips'> {
  const lastOfMaster = new Map<number, number>();
  const firstOfBackup = new Map<number, number>();
  for (const a of adverts) {
    if (a.src === o.master && a.t < o.tCut + 20 && a.priority > 0) lastOfMaster.set(a.vrid, a.t);
    if (a.src === o.backup && a.t > o.tCut && !firstOfBackup.has(a.vrid)) firstOfBackup.set(a.vrid, a.t);
  }
  const lag = (t: number | undefined, vrid: number): number[] => (t !== undefined && lastOfMaster.has(vrid) ? [t - lastOfMaster.get(vrid)! - MDI_MS] : []);
  const vrids = Array.from({ length: o.n }, (_, i) => i + 1);
  return {
    allVipsMs: o.vipsAt.size === o.n ? Math.max(...o.vipsAt.values()) - o.tCut : Number.NaN,
    vipLag: summarize(vrids.flatMap((v) => lag(o.vipsAt.get(scaleVip(v)), v))),
    advertLag: summarize(vrids.flatMap((v) => lag(firstOfBackup.get(v), v))),
    missingVips: o.n - o.vipsAt.size,
  };
}

async function oneRun(lab: Lab, capture: AdvertCapture, target: Target, n: number, round: number, args: Args): Promise<RunResult> {
  const { kind, label } = target;
  const seconds = args.seconds;
  const [m, b] = [lab.host('m'), lab.host('b')];
  const dir = mkdtempSync(join(tmpdir(), `vsc-${kind}-`));
  const flags = targetFlags(target, args.nodeFlags);
  const peer = (host: typeof m): Peer => (kind === 'vrrpd' ? vrrpdPeer(new Daemon(host, dir, target.cli), flags, targetEnv(target)) : keepalivedPeer(host, dir));
  const [master, backup] = [peer(m), peer(b)];
  const vips = Array.from({ length: n }, (_, i) => scaleVip(i + 1));
  const [monM, monB] = [await AddressMonitor.start(m), await AddressMonitor.start(b)];
  try {
    master.writeConfig(scaleConfig({ instances: n, priority: 100, state: 'MASTER', routerId: 'm', globals: args.globals }));
    backup.writeConfig(scaleConfig({ instances: n, priority: 90, state: 'BACKUP', routerId: 'b', globals: args.globals }));
    const t0 = Date.now();
    master.start();
    await waitUntil(`${n} masters`, () => master.count('MASTER') === n, 120_000);
    if ((await monM.waitAll(vips, 120_000)).size < n) throw new Error('the master did not add every VIP');
    const startMs = Date.now() - t0;
    backup.start();
    await waitUntil(`${n} backups`, () => backup.count('BACKUP') === n, 120_000);
    await sleep(3000);
    const mark = backup.mark();
    const s0 = sampleTree(master.pid!);
    const w0 = Date.now();
    const [floor] = await Promise.all([measureWakeFloor({ seconds, rtPriority: rtPriorityOf(args.globals) }), sleep(seconds * 1000)]);
    const s1 = sampleTree(master.pid!);
    const brkHeap = brkHeapKb(master.pid!);
    const w1 = Date.now();
    const spuriousTransitions = backup.transitionsSince(mark, 'MASTER');
    const tCut = Date.now();
    await m.linkDown();
    const got = await monB.waitAll(vips, 20_000);
    await sleep(500);
    const adverts = capture.adverts();
    return {
      kind,
      label,
      n,
      round,
      startMs,
      intervalError: summarize(intervalErrors(adverts, m.ip, w0, w1)),
      spuriousAdverts: adverts.filter((a) => a.src === b.ip && a.t >= w0 && a.t <= w1).length,
      spuriousTransitions,
      cpuPct: cpuPercent(s0, s1),
      sysPct: sysPercent(s0, s1),
      wakeupsPerS: wakeupsPerSecond(s0, s1),
      rssMb: s1.rssKb / 1024,
      anonMb: s1.anonKb / 1024,
      brkHeapMb: brkHeap / 1024,
      ...takeoverFigures(adverts, { master: m.ip, backup: b.ip, n, tCut, vipsAt: got }),
      floor,
    };
  } finally {
    monM.stop();
    monB.stop();
    await Promise.all([backup.stop(), master.stop()]).catch(() => undefined);
    await m.linkUp();
    for (const h of [m, b]) await h.exec('ip', ['addr', 'flush', 'dev', 'eth0', 'to', '10.77.0.0/16']);
    rmSync(dir, { recursive: true, force: true });
  }
}

function runLine(r: RunResult): string {
  const e = r.intervalError;
  return (
    `${r.label} N=${r.n} round ${r.round}: interval error p50/p99/max ${ms(e.median, 2)}/${ms(e.p99, 2)}/${ms(e.max, 2)} ms (${e.n} intervals), ` +
    `backup: ${r.spuriousAdverts} adverts ${r.spuriousTransitions} transitions, CPU ${ms(r.cpuPct, 2)} % (system ${ms(r.sysPct, 2)}), ${ms(r.wakeupsPerS)} wake-ups/s, RSS ${ms(r.rssMb)} MB (anon ${ms(r.anonMb)}, malloc [heap] ${ms(r.brkHeapMb)}), ` +
    `all VIPs ${ms(r.allVipsMs / 1000, 2)} s after the cut, VIP - bound p50/max ${ms(r.vipLag.median)}/${ms(r.vipLag.max)} ms, ` +
    `first advert - bound p50/max ${ms(r.advertLag.median, 2)}/${ms(r.advertLag.max, 2)} ms${r.missingVips ? `, ${r.missingVips} VIPs MISSING` : ''} (started in ${ms(r.startMs / 1000, 1)} s); ` +
    `the machine's wake-ups ${floorText(r.floor)}`
  );
}

/** The wake-floor probe's figures as text. */
function floorText(f: WakeFloor | undefined): string {
  return f === undefined ? 'not measured' : `late p50/p99/max ${ms(f.p50, 2)}/${ms(f.p99, 2)}/${ms(f.max, 2)} ms, ${f.over2} of ${f.wakes} over 2 ms`;
}

const median = (xs: readonly number[]): number => summarize(xs).median;
const range = (xs: readonly number[], digits: number): string => (xs.length > 1 ? `${ms(Math.min(...xs), digits)}-${ms(Math.max(...xs), digits)}` : ms(xs[0] ?? Number.NaN, digits));

function summaryTable(results: readonly RunResult[], args: Args): string {
  const rows: string[][] = [['N', 'daemon', 'interval error p50 / p99 / max', 'spurious (backup)', 'CPU % of a core', 'of it system', 'wake-ups/s', 'RSS MB', 'all VIPs after cut', 'VIP - bound, max', 'machine wake-ups: late p99 / max, over 2 ms']];
  for (const n of args.sizes) {
    for (const { label } of args.targets) {
      const rs = results.filter((r) => r.n === n && r.label === label);
      if (rs.length === 0) continue;
      const worst = (f: (r: RunResult) => number): number => Math.max(...rs.map(f));
      rows.push([
        String(n),
        label,
        `${ms(median(rs.map((r) => r.intervalError.median)), 2)} / ${ms(worst((r) => r.intervalError.p99), 2)} / ${ms(worst((r) => r.intervalError.max), 2)} ms`,
        `${rs.reduce((s, r) => s + r.spuriousAdverts, 0)} adv, ${rs.reduce((s, r) => s + r.spuriousTransitions, 0)} trans`,
        range(rs.map((r) => r.cpuPct), 2),
        range(rs.map((r) => r.sysPct), 2),
        range(rs.map((r) => r.wakeupsPerS), 0),
        range(rs.map((r) => r.rssMb), 1),
        `${range(rs.map((r) => r.allVipsMs / 1000), 2)} s`,
        `${ms(worst((r) => r.vipLag.max), 1)} ms`,
        floorCell(rs),
      ]);
    }
  }
  return table(rows);
}

/** The wake-floor probe over a row's runs: worst p99 and max, wake-ups over 2 ms late in all. */
function floorCell(rs: readonly RunResult[]): string {
  const fs = rs.flatMap((r) => (r.floor ? [r.floor] : []));
  if (fs.length === 0) return '-';
  return `${ms(Math.max(...fs.map((f) => f.p99)), 2)} / ${ms(Math.max(...fs.map((f) => f.max)), 2)} ms, ${fs.reduce((a, f) => a + f.over2, 0)} of ${fs.reduce((a, f) => a + f.wakes, 0)}`;
}

function verdicts(results: readonly RunResult[], args: Args): string[] {
  const out: string[] = [];
  const of = (label: string, n: number) => results.filter((r) => r.label === label && r.n === n);
  for (const n of args.sizes) {
    const v = of('vrrpd', n);
    if (v.length === 0) continue;
    const k = of('keepalived', n);
    const p99 = Math.max(...v.map((r) => r.intervalError.p99));
    const max = Math.max(...v.map((r) => r.intervalError.max));
    const cpuV = median(v.map((r) => r.cpuPct));
    const cpuK = k.length ? median(k.map((r) => r.cpuPct)) : Number.NaN;
    const rss = Math.max(...v.map((r) => r.rssMb));
    const rssTarget = n === 1 ? 45 : n === 255 ? 55 : undefined;
    const lag = Math.max(...v.map((r) => r.vipLag.max));
    const ok = (b: boolean): string => (b ? 'PASS' : 'FAIL');
    out.push(
      `N=${n}: interval p99 ${ms(p99, 2)} <= 1 ms and max ${ms(max, 2)} <= 2 ms: ${ok(p99 <= 1 && max <= 2)}; ` +
        `spurious: ${ok(v.every((r) => r.spuriousAdverts === 0 && r.spuriousTransitions === 0))}; ` +
        (k.length ? `CPU median ${ms(cpuV, 2)} % vs keepalived ${ms(cpuK, 2)} %: ${ok(cpuV <= cpuK)}; ` : '') +
        (rssTarget ? `RSS ${ms(rss, 1)} <= ${rssTarget} MB: ${ok(rss <= rssTarget)}; ` : '') +
        `every VIP within bound + ${LAG_TARGET_MS} ms (worst ${ms(lag, 1)}): ${ok(lag <= LAG_TARGET_MS && v.every((r) => r.missingVips === 0))}`,
    );
    const late = v.flatMap((r) => (r.floor && r.floor.over2 > 0 ? [r] : []));
    if (late.length > 0) {
      out.push(
        `  N=${n}: in ${late.length} of ${v.length} vrrpd window(s) the machine itself woke a sleeping probe over 2 ms late ` +
          `(${late.map((r) => `round ${r.round}: ${r.floor!.over2} of ${r.floor!.wakes}, max ${ms(r.floor!.max, 2)} ms`).join('; ')}): ` +
          'no process that sleeps between adverts can hold every interval within 2 ms through such a wake-up',
      );
    }
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const why = (await labUnavailableReason()) ?? (args.targets.some((t) => t.kind === 'keepalived') ? keepalivedMissing() : undefined);
  if (why !== undefined) throw new Error(`cannot run the bench: ${why}`);
  const host = machine();
  const loads = [load1()];
  const t0 = Date.now();
  const lab = await createLab({ hosts: ['m', 'b', 'tap'], prefix: 'vsc' });
  const dir = mkdtempSync(join(tmpdir(), 'vsc-'));
  const results: RunResult[] = [];
  try {
    const capture = await AdvertCapture.start(lab.host('tap'), join(dir, 'adverts.pcap'));
    try {
      for (let round = 1; round <= args.rounds; round++) {
        for (const n of args.sizes) {
          const order = round % 2 === 1 ? args.targets : [...args.targets].reverse();
          for (const target of order) {
            const r = await oneRun(lab, capture, target, n, round, args);
            results.push(r);
            loads.push(load1());
            console.log(runLine(r));
          }
        }
      }
    } finally {
      await capture.stop();
    }
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
  const busy = busyLine(loads, host.cores);
  console.log(`\nbench:scale, ${machineLine(host)}`);
  const [first, ...more] = targetLines(args.targets, args.nodeFlags);
  console.log(`${busy.line}. ${first}`);
  for (const line of more) console.log(line);
  console.log(`${args.rounds} round(s), ${args.seconds} s window each; CPU and RSS of the master (process tree); intervals from a capture on a third node.\n`);
  console.log(summaryTable(results, args));
  console.log(`\nMaster_Down_Interval for the backup (priority 90): ${MDI_MS} ms. "VIP - bound": when the VIP appeared on the backup minus`);
  console.log(`(the master's last advert of that VRID + Master_Down_Interval). "all VIPs after cut": from cutting the master's cable.\n`);
  for (const line of verdicts(results, args)) console.log(line);
  console.log(JSON.stringify({ bench: 'scale', seconds: Math.round((Date.now() - t0) / 1000), machine: host, busy: busy.busy, loads, results }));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(2);
  },
);
