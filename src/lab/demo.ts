/**
 * `npm run demo` / `vrrpd lab demo`: brings the lab up, shows the election, runs the scenarios
 * with a live timeline, then judges each by the client's longest outage against its RFC bound
 * (RFC 3768, or RFC 5798 when the lab runs VRRPv3; plus a margin for a busy machine) and the node
 * holding the VIP, prints the summary table and writes an SVG of the run. The lab is always
 * removed, also on error and Ctrl-C. `--dual-stack` runs the same scenarios on the deploy kit's
 * dual-stack configs (an IPv4 and an IPv6 instance in one sync group, nginx on both families):
 * the client probes both VIPs and each scenario is judged on both, the VIPs having to end up on
 * the same node.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { fsSourceHost } from '../io/config-files.js';
import { masterSpans, outageIn, parseProbes, parseTransitions, type Probe, type Transition } from './analysis.js';
import type { CheckKind, LabProtocol } from './configs.js';
import { cleanupOnSignal, LabRun, removeStaleLabs } from './lab.js';
import { sleep, waitFor } from './procs.js';
import { scenarios, type Step, type Timers } from './scenarios.js';
import { renderSvg } from './svg.js';
import { hostIp, OPS, VIP, type OpName } from './topology.js';
import { Watch } from './watch.js';

export interface DemoOptions {
  readonly check?: CheckKind;
  /** VRRP version and advert interval (default: the deploy kit's, VRRPv2 at 1 s). */
  readonly protocol?: LabProtocol;
  /** The dual-stack deploy configs, an IPv6 LAN, a client probing both VIPs. */
  readonly dualStack?: boolean;
  /** Where demo.svg and summary.txt go (created). */
  readonly outDir: string;
  readonly write: (text: string) => void;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** The longest of the clients' outages (one client per VIP). */
  readonly outageMs: number;
  /** Each client's longest outage, by the VIP's family. */
  readonly outages: Partial<Record<'ipv4' | 'ipv6', number>>;
  readonly boundMs: number;
  readonly boundText: string;
  readonly marginMs: number;
  readonly holder: string;
  readonly expectHolder: OpName;
  readonly moved: boolean;
  readonly passed: boolean;
  readonly note: string;
}

export interface DemoResult {
  readonly passed: boolean;
  readonly results: readonly ScenarioResult[];
  readonly summary: string;
  readonly svgPath: string;
  readonly labId: string;
}

interface Window {
  readonly step: Step;
  readonly from: number;
  readonly to: number;
  readonly holder: string;
  readonly reached: boolean;
}

/** Timers of the lab's configs (the deploy kit's), for the bounds. */
function timersOf(lab: LabRun): Timers {
  const prio = {} as Record<OpName, number>;
  let t: Omit<Timers, 'priority'> | undefined;
  for (const op of OPS) {
    const conf = loadConfig(lab.path(op, 'keepalived.conf'), fsSourceHost({ interfacesDir: false })).config;
    const inst = conf?.instances[0];
    const script = conf?.scripts[0];
    if (!inst || !script) throw new Error(`lab config of ${op} has no instance or vrrp_script`);
    prio[op] = inst.priority;
    const vipCount = conf.instances.reduce((n, i) => n + i.vips.length, 0);
    t = { version: inst.version, adverIntervalCs: inst.adverIntervalCs, checkIntervalMs: script.intervalMs, fall: script.fall, rise: script.rise, vipCount };
  }
  return { ...t!, priority: prio };
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const say = (s: string): void => opts.write(`${s}\n`);
  const dual = opts.dualStack === true;
  await removeStaleLabs(false);
  cleanupOnSignal();
  say(`== vrrpd demo${dual ? ' (dual stack)' : ''}: two OP nodes (nginx :7443 -> 3 apiservers :6443) sharing ${dual ? 'an IPv4 and an IPv6 VIP' : 'a VIP'} with vrrpd ==`);
  const lab = await LabRun.create({ mode: 'demo', check: opts.check ?? 'tcp', ...(opts.protocol ? { protocol: opts.protocol } : {}), dualStack: dual, say: (s) => say(`   ${s}`) });
  const names = Object.fromEntries([...OPS, 'api1', 'api2', 'api3', 'client'].map((h) => [hostIp(h), h]));
  const watch = new Watch(t0, say, names);
  for (const op of OPS) watch.follow(lab.path(op, 'vrrpd.log'), op, 'vrrpd');
  for (const c of lab.clients()) watch.follow(lab.path('client', c.log), c.key, 'probes');
  watch.start();
  let run: StepsRun = { windows: [], marks: [], cuts: { op1: [], op2: [] } };
  let tEnd = Date.now();
  let probes: ClientProbes[] = [];
  let transitions: Transition[] = [];
  let planned = -1;
  let version: 2 | 3 = 2;
  try {
    const timers = timersOf(lab);
    version = timers.version;
    const steps = scenarios(timers);
    planned = steps.length;
    run = await runSteps(lab, steps, watch, say);
  } finally {
    tEnd = Date.now();
    await lab.stopClient();
    watch.stop();
    probes = lab.clients().map((c) => ({ family: c.family, vip: c.vip, probes: parseProbes(read(lab.path('client', c.log))) }));
    transitions = OPS.flatMap((op) => parseTransitions(read(lab.path(op, 'vrrpd.log')), op));
    await lab.destroy();
  }
  const { windows, marks, cuts } = run;
  const results = windows.map((w) => judge(w, probes, transitions));
  // Dual stack under VRRPv2: the IPv6 instance is VRRPv3 (its bound is RFC 5798's, the same figure at whole seconds).
  const summary = renderSummary(results, version === 3 ? 'RFC 5798' : dual ? 'RFC 3768/5798' : 'RFC 3768');
  say(`\n${summary}`);
  mkdirSync(opts.outDir, { recursive: true });
  const svgPath = resolve(opts.outDir, 'demo.svg');
  const masters = dual
    ? Object.fromEntries(OPS.flatMap((op) => INSTANCES_DUAL.map(([inst, fam]) => [`${op} ${fam}`, masterSpans(transitions.filter((t) => t.instance === inst), op, tEnd, cuts[op])])))
    : Object.fromEntries(OPS.map((op) => [op, masterSpans(transitions, op, tEnd, cuts[op])]));
  const clients = probes.map((c) => ({ label: dual ? `client ${c.family === 'ipv4' ? 'IPv4' : 'IPv6'}` : 'client probe', probes: c.probes }));
  const what = dual ? 'dual stack: who held each VIP, did the client get through' : 'who held the VIP, did the client get through';
  writeFileSync(svgPath, renderSvg({ t0, tEnd, masters, clients, names, marks, title: `vrrpd demo ${new Date(t0).toISOString()}: ${what}` }));
  writeFileSync(join(opts.outDir, 'summary.txt'), `${summary}\n`);
  const passed = results.length === planned && results.every((r) => r.passed);
  say(`picture of the run: ${svgPath}`);
  say(`${passed ? 'ALL SCENARIOS PASSED' : 'SOME SCENARIOS FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s; lab ${lab.state.id} removed`);
  return { passed, results, summary, svgPath, labId: lab.state.id };
}

/** The dual-stack deploy configs' instances, with the family each row of the picture names. */
const INSTANCES_DUAL: readonly (readonly [string, string])[] = [['VI_1', 'IPv4'], ['VI_6', 'IPv6']];

/** One prober's records: the VIP it probed. */
interface ClientProbes {
  readonly family: 'ipv4' | 'ipv6';
  readonly vip: string;
  readonly probes: readonly Probe[];
}

/** What the scenario steps leave for judging and drawing. */
interface StepsRun {
  readonly windows: Window[];
  readonly marks: { t: number; label: string }[];
  /** When each node lost power or was stopped (its master span ends there in the picture). */
  readonly cuts: Record<string, number[]>;
}

/** The election, then each scenario in turn, each from a steady state, each with its window. */
async function runSteps(lab: LabRun, steps: ReturnType<typeof scenarios>, watch: Watch, say: (s: string) => void): Promise<StepsRun> {
  const run: StepsRun = { windows: [], marks: [], cuts: { op1: [], op2: [] } };
  say(`\n-- election (client probes ${lab.clients().map((c) => (c.family === 'ipv6' ? `[${c.vip}]` : c.vip)).join(' and ')}:7443 every 10 ms) --`);
  if (!(await waitFor(async () => (await lab.vipHolders()).join() === 'op1', 15_000, 100))) throw new Error('op1 did not become master');
  await sleep(1000);
  let steady: OpName = 'op1';
  for (const step of steps) {
    const want = steady;
    if (!(await waitFor(async () => (await lab.vipHolders()).join() === want, 15_000, 100))) throw new Error(`not steady before ${step.id}: VIP on ${(await lab.vipHolders()).join(',') || 'nobody'}, expected ${want}`);
    steady = step.expectHolder;
    await sleep(700);
    say(`\n-- scenario ${step.id}: ${step.title} --`);
    const from = Date.now();
    run.marks.push({ t: from, label: `${step.id} ${step.title}` });
    watch.note(`>>> ${step.title}`);
    if (step.id === '2a' || step.id === '3a') run.cuts.op1!.push(from);
    await step.act(lab, (s) => watch.note(s));
    const reached = await waitFor(() => step.done(lab), 20_000, 20);
    await sleep(1200); // let the client's outage close inside the window
    const holders = await lab.vipHolders();
    run.windows.push({ step, from, to: Date.now(), holder: holders.join('+') || 'nobody', reached });
    if (step.after) await step.after(lab);
  }
  await sleep(300);
  return run;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function judge(w: Window, clients: readonly ClientProbes[], transitions: readonly Transition[]): ScenarioResult {
  const per = clients.map((c) => ({ family: c.family, o: outageIn(c.probes, w.from, w.to) }));
  const longestMs = Math.max(0, ...per.map((p) => p.o.longestMs));
  const moved = transitions.some((t) => t.t >= w.from && t.t < w.to);
  const notes: string[] = [];
  const tag = (family: string): string => (clients.length > 1 ? `${family === 'ipv4' ? 'IPv4' : 'IPv6'}: ` : '');
  if (!w.reached) notes.push('end condition not reached');
  for (const { family, o } of per) {
    if (o.unfinished) notes.push(`${tag(family)}client still failing at the end`);
    if (o.total === 0) notes.push(`${tag(family)}no probes`);
  }
  if (w.holder !== w.step.expectHolder) notes.push(`VIP on ${w.holder}, expected ${w.step.expectHolder}`);
  if (w.step.noMove && moved) notes.push('VIP moved');
  if (longestMs > w.step.boundMs + w.step.marginMs) notes.push('outage over bound + margin');
  const failed = per.map(({ family, o }) => `${tag(family)}${o.failed}/${o.total} probes failed`).join(', ');
  return {
    id: w.step.id, title: w.step.title, outageMs: longestMs, outages: Object.fromEntries(per.map((p) => [p.family, p.o.longestMs])), boundMs: w.step.boundMs, boundText: w.step.boundText, marginMs: w.step.marginMs,
    holder: w.holder, expectHolder: w.step.expectHolder, moved, passed: notes.length === 0, note: notes.join('; ') || failed,
  };
}

export function renderSummary(results: readonly ScenarioResult[], rfc = 'RFC 3768'): string {
  const head = ['scenario', 'client outage', `${rfc} bound`, 'margin', 'VIP after', 'verdict'];
  const sec = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(3)} s`;
  const rows = results.map((r) => [
    `${r.id} ${r.title}`,
    r.outages.ipv6 === undefined ? sec(r.outageMs) : `IPv4 ${sec(r.outages.ipv4)}, IPv6 ${sec(r.outages.ipv6)}`,
    `${(r.boundMs / 1000).toFixed(3)} s  ${r.boundText}`,
    `+${(r.marginMs / 1000).toFixed(1)} s`,
    r.holder,
    `${r.passed ? 'PASS' : 'FAIL'}  ${r.note}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return ['summary', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
