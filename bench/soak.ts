/**
 * `npm run bench:soak -- [--minutes 60] [--warmup 5] [--sample-seconds 60] [--out lab-out] [--global LINE]...`:
 * an hour of ordinary trouble for two vrrpd daemons, and whether they leak or slow down.
 *
 * The seed's pair (op1 100 MASTER, op2 90, VRID 251, advert_int 1) in namespaces, both tracking
 * a check script that fails 7 s and passes 7 s (weight -5: priorities flap 100/95 and 90/85, the
 * master stays op1, the adverts' priority changes), a SIGHUP to both every minute, the status
 * socket of both queried every second (and the `vrrpd status` command once a minute), and a
 * background of invalid adverts (every single-fault kind of src/lab/injector.ts the daemons drop,
 * from a third address, 20 a second in all) on the LAN. A capture on the client records the
 * adverts (the invalid ones left out). Every sample: each daemon's resident memory, V8 heap,
 * descriptors, children, zombies and timer lateness (its SIGUSR2 statistics and /proc), and the
 * master's advert gaps. Writes `<out>/soak.json` after every sample and `<out>/soak.svg` and
 * `<out>/soak.md` at the end (`--render <out>/soak.json` draws them again); exit status 0 when
 * every criterion of issue 16 passes. Each `--global` adds a line to both daemons' global_defs
 * (e.g. "vrrp_rt_priority 10").
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { queryStatus } from '../src/daemon/status-server.js';
import { craftInvalid, INVALID_KINDS, type TargetProfile } from '../src/lab/injector.js';
import { InjectorAgent } from '../src/lab/injector-client.js';
import { ipAddress } from '../src/wire/address.js';
import { renderCurves, type CurvePanel } from '../src/lab/svg.js';
import type { Daemon } from './lib/daemon.js';
import { instanceConfig } from './lib/daemon.js';
import { AdvertCapture } from './lib/capture.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { Pair, VIP } from './lib/pair.js';
import { CLI } from './lib/paths.js';
import { advertWindow, judge, sampleNode, type Minute, type Verdict } from './lib/soak-sample.js';
import { sleep, table } from './lib/stats.js';

const INTERVAL_MS = 1000;
const FLAP_S = 7;
const INVALID_PER_SEC = 20;
/** The injector's source address: on the LAN, no node's. */
const INJECTOR_SRC = '192.168.50.77';

interface Args {
  readonly minutes: number;
  readonly warmup: number;
  readonly sampleSeconds: number;
  readonly out: string;
  /** Extra global_defs lines for both daemons. */
  readonly globals: readonly string[];
}

function parseArgs(argv: readonly string[]): Args {
  const num = (name: string, dflt: number, max: number): number => {
    const i = argv.indexOf(name);
    if (i < 0) return dflt;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} needs an integer 1..${max}`);
    return n;
  };
  const minutes = num('--minutes', 60, 24 * 60);
  const o = argv.indexOf('--out');
  const globals = argv.flatMap((a, i) => (a === '--global' && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
  return { minutes, warmup: num('--warmup', Math.min(5, Math.max(1, Math.floor(minutes / 4))), minutes), sampleSeconds: num('--sample-seconds', 60, 3600), out: o >= 0 ? argv[o + 1]! : 'lab-out', globals };
}

/** The flapping check: exits 1 for FLAP_S seconds, 0 for the next FLAP_S (by the wall clock). */
const FLAP_SCRIPT = `#!/bin/sh\n[ $(( $(date +%s) / ${FLAP_S} % 2 )) -eq 0 ]\n`;

function trackedConfig(flap: string, state: 'MASTER' | undefined, priority: number, globals: readonly string[]): string {
  const scripts = `vrrp_script chk_flap {\n  script "${flap}"\n  interval 1\n  fall 1\n  rise 1\n  weight -5\n}`;
  return instanceConfig({ ...(state ? { state } : {}), priority, scripts, extra: '  track_script {\n    chk_flap\n  }', globals });
}

const ACCEPTED_KINDS = new Set(['valid', 'ip-options', 'priority-255']);

/** The invalid adverts of the background, aimed at VRID 251 as the pair runs it. */
function invalidBackground(): Uint8Array[] {
  const target: TargetProfile = { src: ipAddress(INJECTOR_SRC, 'ipv4'), vrid: 251, password: 'PASS', adverIntervalCs: 100, addresses: [ipAddress(VIP, 'ipv4')] };
  // Only what the daemons drop: an accepted lower-priority advert (valid, IP options) makes the
  // master re-assert at once and restart its advert timer, so its own timer would never be measured.
  return INVALID_KINDS.filter((k) => !ACCEPTED_KINDS.has(k)).map((k) => craftInvalid(k, target));
}

/** Background loops (status polls, reloads) until `stop` is set; their tallies. */
class Load {
  stop = false;
  statusOk = 0;
  statusFailed = 0;
  statusMaxMs = 0;
  reloads = 0;
  cliFailed = 0;

  async pollStatus(daemons: readonly Daemon[]): Promise<void> {
    while (!this.stop) {
      for (const d of daemons) {
        const t = performance.now();
        const r = await queryStatus(d.runDir);
        this.statusMaxMs = Math.max(this.statusMaxMs, performance.now() - t);
        if (r.ok) this.statusOk++;
        else this.statusFailed++;
      }
      await sleep(1000);
    }
  }

  async reloadEveryMinute(daemons: readonly Daemon[]): Promise<void> {
    // Half a minute out of step with the samples: a sample never lands on a reload in flight,
    // whose loader thread (its heap, an epoll, an eventfd and a pipe pair) is gone a moment later.
    for (let next = Date.now() + 30_000; !this.stop; await sleep(200)) {
      if (Date.now() < next) continue;
      next += 60_000;
      for (const d of daemons) d.proc?.kill('SIGHUP');
      this.reloads++;
    }
  }

  /** `vrrpd status` as an operator runs it, in each daemon's namespace. */
  async statusCommand(daemons: readonly Daemon[]): Promise<void> {
    for (const d of daemons) {
      const r = await d.host.exec('node', [CLI, 'status', '--run-dir', d.runDir], 10_000);
      if (!r.ok || !r.value.stdout.includes('VI_1')) this.cliFailed++;
    }
  }
}

interface Report {
  readonly bench: 'soak';
  readonly args: Args;
  readonly machine: ReturnType<typeof machine>;
  readonly started: string;
  readonly minutes: Minute[];
  readonly load: Omit<Load, 'stop' | 'pollStatus' | 'reloadEveryMinute' | 'statusCommand'>;
  invalidSent?: unknown;
  /** Per daemon: how many log lines of each message (state changes, reloads, drops...). */
  readonly logLines: Record<string, Record<string, number>>;
  readonly verdicts?: Verdict[];
  readonly pass?: boolean;
}

async function soak(pair: Pair, args: Args, report: Report, save: () => void): Promise<void> {
  const daemons = [pair.op1, pair.op2];
  const load = new Load();
  const loops = [load.pollStatus(daemons), load.reloadEveryMinute(daemons)];
  const agent = new InjectorAgent(pair.client);
  const flood = agent.flood(invalidBackground(), INVALID_PER_SEC, args.minutes * 60_000 + 5_000);
  const t0 = Date.now();
  let from = t0;
  try {
    for (let i = 0; ; i++) {
      const at = t0 + i * args.sampleSeconds * 1000;
      await sleep(Math.max(0, at - Date.now()));
      if (i > 0) await load.statusCommand(daemons);
      const nodes = { op1: await sampleNode(pair.op1), op2: await sampleNode(pair.op2) };
      const now = Date.now();
      const adverts = advertWindow(pair.capture!.adverts(), pair.op1.host.ip, from, now, INTERVAL_MS);
      from = now;
      report.minutes.push({ m: (now - t0) / 60_000, load1: load1(), nodes, adverts });
      Object.assign(report.load, tallies(load));
      for (const d of daemons) report.logLines[d.host.name] = logHistogram(d);
      save();
      console.log(sampleLine(report.minutes.at(-1)!));
      if (now - t0 >= args.minutes * 60_000) break;
    }
  } finally {
    load.stop = true;
    await Promise.all(loops);
  }
  Object.assign(report.load, tallies(load));
  report.invalidSent = await Promise.race([flood, sleep(10_000).then(() => 'flood still running')]);
  await agent.close();
}

function tallies(l: Load): Report['load'] {
  return { statusOk: l.statusOk, statusFailed: l.statusFailed, statusMaxMs: l.statusMaxMs, reloads: l.reloads, cliFailed: l.cliFailed };
}

function logHistogram(d: Daemon): Record<string, number> {
  const h: Record<string, number> = {};
  for (const l of d.logs) {
    const key = typeof l.to === 'string' && typeof l.from === 'string' ? `state ${l.from} -> ${l.to}` : l.msg.slice(0, 60);
    h[key] = (h[key] ?? 0) + 1;
  }
  return h;
}

function sampleLine(s: Minute): string {
  const n = (name: string) => {
    const x = s.nodes[name]!;
    return `${name} rss ${(x.rssKb / 1024).toFixed(1)} MB heap ${(x.heapUsedKb / 1024).toFixed(1)} MB fds ${x.fds} children ${x.children} zombies ${x.zombies} timers>20ms ${x.timersOver20Ms} (worst ${x.timerMaxLateMs.toFixed(1)} ms)`;
  };
  return `${s.m.toFixed(1)} min, load ${s.load1.toFixed(2)}: ${n('op1')}; ${n('op2')}; adverts ${s.adverts.adverts} worst gap ${s.adverts.maxGapMs.toFixed(1)} ms late ${s.adverts.late} missed ${s.adverts.missed}`;
}

function curves(report: Report): string {
  const per = (f: (n: Minute['nodes'][string]) => number): CurvePanel['series'] =>
    Object.fromEntries(['op1', 'op2'].map((name) => [name, report.minutes.map((s) => [s.m, f(s.nodes[name]!)] as const)]));
  const panels: CurvePanel[] = [
    { title: 'resident memory', unit: 'MB (VmRSS)', series: per((n) => n.rssKb / 1024) },
    { title: 'V8 heap in use', unit: 'MB (daemon)', series: per((n) => n.heapUsedKb / 1024) },
    { title: 'open fds', unit: 'count', series: per((n) => n.fds) },
    { title: 'children', unit: 'count (settled)', series: per((n) => n.children) },
    { title: "op1's advert gap", unit: 'the longest since the previous sample, ms', series: { op1: report.minutes.filter((s) => s.adverts.adverts > 1).map((s) => [s.m, s.adverts.maxGapMs] as const) }, limit: { y: INTERVAL_MS + 20, label: 'interval + 20 ms' } },
    { title: 'late adverts', unit: 'gap > interval + 20 ms, per sample', series: { op1: report.minutes.map((s) => [s.m, s.adverts.late] as const) } },
    { title: 'machine load', unit: '1-min average', series: { load: report.minutes.map((s) => [s.m, s.load1] as const) } },
  ];
  const busy = busyLine(report.minutes.map((s) => s.load1), report.machine.cores);
  return renderCurves({ title: `vrrpd soak, ${report.started}: ${report.args.minutes} min, ${report.pass ? 'PASS' : 'FAIL'}`, xLabel: 'min', panels, notes: [machineLine(report.machine), busy.line, ...(report.verdicts ?? []).map((v) => `${v.pass ? 'PASS' : 'FAIL'} ${v.criterion}`)] });
}

function markdown(report: Report): string {
  const rows = [['criterion', 'measured', 'verdict'], ...(report.verdicts ?? []).map((v) => [v.criterion, v.measured, v.pass ? 'PASS' : 'FAIL'])];
  const loads = report.minutes.map((s) => s.load1);
  return [
    `Soak ${report.started}, ${report.args.minutes} min (warm-up ${report.args.warmup} min): ${machineLine(report.machine)}`,
    busyLine(loads, report.machine.cores).line,
    `status queries ${report.load.statusOk} ok / ${report.load.statusFailed} failed (slowest ${report.load.statusMaxMs.toFixed(1)} ms), reloads ${report.load.reloads}, \`vrrpd status\` failures ${report.load.cliFailed}, invalid background ${JSON.stringify(report.invalidSent)}`,
    `log lines per message: ${JSON.stringify(report.logLines)}`,
    '',
    table(rows),
    '',
  ].join('\n');
}

/** The criteria, and the status polls and commands that must all have answered. */
function judgeRun(report: Report): void {
  const verdicts = judge(report.minutes, report.args.warmup);
  // Start-up is INIT -> BACKUP on both and BACKUP -> MASTER on op1; the flap never crosses priorities.
  const vrrp = Object.entries(report.logLines).flatMap(([n, h]) => Object.entries(h).filter(([k]) => /^state (INIT|BACKUP|MASTER|FAULT) -> /.test(k)).map(([k, c]) => `${n} ${k.slice(6)} x${c}`));
  const transitions = Object.values(report.logLines).reduce((a, h) => a + Object.entries(h).filter(([k]) => /^state (INIT|BACKUP|MASTER|FAULT) -> /.test(k)).reduce((b, [, c]) => b + c, 0), 0);
  verdicts.push({ criterion: 'no VRRP transition after start-up', measured: `${transitions - 3} (${vrrp.join(', ')})`, pass: transitions === 3 });
  const l = report.load;
  verdicts.push({ criterion: 'every status query and `vrrpd status` answered', measured: `${l.statusOk} ok, ${l.statusFailed} failed; ${l.cliFailed} command failures`, pass: l.statusFailed === 0 && l.cliFailed === 0 });
  Object.assign(report, { verdicts, pass: verdicts.every((v) => v.pass) });
}

/** The picture and the table of a finished run's soak.json, written beside it. */
function writeResults(report: Report, out: string): void {
  writeFileSync(join(out, 'soak.svg'), curves(report));
  const md = markdown(report);
  writeFileSync(join(out, 'soak.md'), md);
  console.log(`\n${md}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const r = argv.indexOf('--render');
  if (r >= 0) {
    // Draw again from a run's figures (e.g. after a change to the picture).
    const file = argv[r + 1]!;
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    judgeRun(report);
    writeFileSync(file, `${JSON.stringify(report, null, 1)}\n`);
    writeResults(report, dirname(file));
    return report.pass ? 0 : 1;
  }
  const args = parseArgs(argv);
  mkdirSync(args.out, { recursive: true });
  const report: Report = { bench: 'soak', args, machine: machine(), started: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC', minutes: [], load: { statusOk: 0, statusFailed: 0, statusMaxMs: 0, reloads: 0, cliFailed: 0 }, logLines: {} };
  const save = (): void => writeFileSync(join(args.out, 'soak.json'), `${JSON.stringify(report, null, 1)}\n`);
  const pair = await Pair.create({ capture: false });
  // On SIGINT/SIGTERM the lab's own hook kills the daemons and deletes the namespaces (netns.ts);
  // the files go too. The figures so far are in soak.json already.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => rmSync(pair.dir, { recursive: true, force: true }));
  try {
    const flap = join(pair.dir, 'flap.sh');
    writeFileSync(flap, FLAP_SCRIPT);
    chmodSync(flap, 0o755);
    pair.op1.writeConfig(trackedConfig(flap, 'MASTER', 100, args.globals));
    pair.op2.writeConfig(trackedConfig(flap, undefined, 90, args.globals));
    pair.capture = await AdvertCapture.start(pair.client, join(pair.dir, 'adverts.pcap'), INJECTOR_SRC);
    await pair.restore(20_000);
    await soak(pair, args, report, save);
  } finally {
    await pair.destroy();
  }
  judgeRun(report);
  save();
  writeResults(report, args.out);
  return report.pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(2);
  },
);
