/**
 * The faults, each with its bound derived from RFC 3768's timers (advert_int 1 s; op1 priority
 * 100, op2 90, op3 80): Skew_Time = (256 - Priority) / 256 s and Master_Down_Interval = 3 x
 * Advertisement_Interval + Skew_Time (§6.1); a master hearing a higher priority steps down at once
 * (§6.4.3), and that advert arrives within one Advertisement_Interval. Where vrrpd's own retry
 * policy adds to the RFC's figure (failing address changes, a missing interface), the bound says so.
 * The judge allows the bound plus MARGIN_MS (a loaded shared machine).
 */
import { readdirSync } from 'node:fs';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/protocol/timers.js';
import type { Verdict } from '../../../src/lab/invariants.js';
import { signal, sleep, waitFor } from '../../../src/lab/procs.js';
import { descendants } from '../proc-tree.js';
import type { SeedConfigOptions } from '../../../src/lab/seed-config.js';
import { FaultLab, INTERVAL_MS, PRIORITY, VIP, type FaultLabOptions } from './lab.js';
import { SCRIPT_FAULTS } from './script-faults.js';
import { STARVE_FAULTS } from './starve-faults.js';

export const MARGIN_MS = 1000;
const I = INTERVAL_MS;
const skew = (node: string): number => skewTimeMs(2, PRIORITY[node]!, 100);
const mdi = (node: string): number => masterDownIntervalMs(2, PRIORITY[node]!, 100);
/** vip-keeper.ts: a failed pass is retried after 0.5 s, doubling. */
const backoffSum = (failures: number): number => Array.from({ length: failures }, (_, i) => Math.min(8000, 500 * 2 ** i)).reduce((a, b) => a + b, 0);

export interface FaultOutcome {
  /** The RFC-derived bound (ms), before the margin. */
  readonly boundMs: number;
  readonly verdict: Verdict;
  /** More figures (a gap, a count). */
  readonly detail?: string;
}

export interface Fault {
  readonly id: string;
  /** How the bound is derived, for the table. */
  readonly bound: string;
  /** A few seconds: runs in CI. */
  readonly quick: boolean;
  /** Only `npm run bench:faults` runs it, never the tests (CPU starvation: its figures are the machine's). */
  readonly benchOnly?: boolean;
  /** keepalived in vrrpd's place, for comparison: its verdict is printed, never counted as a failure (bench only). */
  readonly reference?: boolean;
  readonly lab?: Omit<FaultLabOptions, 'cli'>;
  /** Nodes whose daemon reads a netlink fault file (FaultLab.armNetlink). */
  readonly netlinkFaults?: readonly string[];
  /** Every vrrpd node's config on top of the seed's. */
  readonly config?: Partial<SeedConfigOptions>;
  /** Before the nodes start (files the configs name): config knobs per node, on top of `config`. */
  readonly setup?: (f: FaultLab) => Readonly<Record<string, Partial<SeedConfigOptions>>>;
  run(f: FaultLab): Promise<FaultOutcome>;
}

/** Starts every node (op1 first) and waits until op1 alone is master and holds the VIP. */
export async function startAll(
  f: FaultLab,
  netlinkFaults: readonly string[] = [],
  config: Partial<SeedConfigOptions> = {},
  configs: Readonly<Record<string, Partial<SeedConfigOptions>>> = {},
): Promise<void> {
  for (const n of f.nodes) f.start(n.name, { netlinkFaults: netlinkFaults.includes(n.name), config: { ...config, ...configs[n.name] } });
  // The judge watches from the fault on: a short quiet spell is enough here.
  await f.settle('op1', 20_000, 1500);
}

/** Judged against `boundMs` + MARGIN_MS + `extraMs` (what a fault's own forks cost on a loaded machine). */
export const judged = async (f: FaultLab, from: number, boundMs: number, o: Parameters<FaultLab['verdict']>[2] = {}, detail?: string, extraMs = 0): Promise<FaultOutcome> => ({
  boundMs,
  verdict: await f.verdict(from, boundMs + MARGIN_MS + extraMs, o),
  ...(detail !== undefined ? { detail } : {}),
});

const op1Wins = { expectMaster: new Map([[251, 'op1']]) };

/** Partition op2 until it is master too, then heal; judged from the heal. */
async function partitionHeal(f: FaultLab, victim: string): Promise<FaultOutcome> {
  const host = f.node(victim).host;
  await host.isolate();
  // Both masters: the victim's VIP appears within its Master_Down_Interval.
  const split = Date.now();
  if (!(await waitFor(async () => (await f.holders()).length >= 2, mdi(victim) + 5000, 50))) throw new Error(`${victim} never became master behind the partition`);
  const dual = Date.now() - split;
  await sleep(1500);
  const heal = Date.now();
  await host.rejoin();
  await f.settle('op1');
  return judged(f, heal, I, op1Wins, `split-brain reached in ${dual} ms`);
}

/** SIGSTOP op1 for `ms`, then SIGCONT. */
async function stopCont(f: FaultLab, ms: number): Promise<FaultOutcome> {
  const pid = f.pid('op1');
  const t0 = Date.now();
  signal(pid, 'SIGSTOP');
  await sleep(ms);
  const cont = Date.now();
  signal(pid, 'SIGCONT');
  await f.settle('op1');
  if (ms < mdi('op2')) {
    // Shorter than op2's Master_Down_Interval: nobody may take over; op1's adverts resume at once.
    return judged(f, t0, ms + I, { ...op1Wins, maxSourceChanges: 0, maxAdvertGapMs: ms + I + MARGIN_MS });
  }
  return judged(f, cont, I, op1Wins);
}

/** The daemon's open fds and child processes. */
export function resources(pid: number): { fds: number; children: number } {
  return { fds: readdirSync(`/proc/${pid}/fd`).length, children: descendants(pid).length - 1 };
}

/** `count` SIGHUPs to op1 over `ms`; `changed`: the config text differs on every one. */
async function reloadStorm(f: FaultLab, count: number, ms: number, changed: boolean): Promise<FaultOutcome> {
  const pid = f.pid('op1');
  const d = f.vrrpd('op1');
  // One reload first: the config worker's first run leaves threads (and their fds) behind for good.
  signal(pid, 'SIGHUP');
  await sleep(3000);
  const before = resources(pid);
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    if (changed) d.writeConfig(f.config('op1', { globals: `  vrrp_garp_master_repeat ${1 + (i % 5)}\n` }));
    signal(pid, 'SIGHUP');
    await sleep(ms / count);
  }
  // The last reloads' workers wind down: fds back to the baseline within 10 s.
  let after = resources(pid);
  await waitFor(() => (after = resources(pid)).fds <= before.fds && after.children <= before.children, 10_000, 200);
  const applied = d.logs.filter((l) => l.t >= t0 && /reload/i.test(l.msg)).length;
  const leak = after.fds > before.fds || after.children > before.children;
  const o = await judged(f, t0, 0, { ...op1Wins, maxSourceChanges: 0 }, `fds ${before.fds}->${after.fds}, children ${before.children}->${after.children}, ${applied} reload log lines`);
  if (!leak) return o;
  return { ...o, verdict: { ...o.verdict, ok: false, violations: [...o.verdict.violations, 'fd or child leak'] } };
}

/**
 * op1 SIGTERM (priority 0): op2 takes over, but its address requests fail first: the next
 * `how` of them with ENOBUFS, or all of them with EPERM for 5 s ('refused-5s').
 */
async function takeoverWithFailingNetlink(f: FaultLab, how: number | 'refused-5s'): Promise<FaultOutcome> {
  if (how === 'refused-5s') f.armNetlink('op2', 'all', 'EPERM');
  else f.armNetlink('op2', how, 'ENOBUFS');
  const t0 = Date.now();
  await f.node('op1').vrrpd!.stop('SIGTERM');
  if (how === 'refused-5s') {
    await sleep(5000);
    f.armNetlink('op2', 0, 'EPERM');
  }
  await f.settle('op2', 25_000);
  // op2 retries at +0.5, +1.5, +3.5, +7.5 s: refused for 5 s, the fourth retry works.
  const bound = skew('op2') + (how === 'refused-5s' ? backoffSum(4) : backoffSum(how));
  const fails = f.vrrpd('op2').logs.filter((l) => l.t >= t0 && l.msg.includes('will retry'));
  const detail = `${fails.length} failed VIP passes, retried after ${fails.map((l) => String(l.retryInMs)).join(', ')} ms`;
  return judged(f, t0, bound, { expectMaster: new Map([[251, 'op2']]) }, detail);
}

/** Reload with a new priority; judged from the SIGHUP. */
async function priorityReload(f: FaultLab, node: string, priority: number, winner: string): Promise<FaultOutcome> {
  const d = f.vrrpd(node);
  d.writeConfig(f.config(node, { priority }));
  const mark = d.logs.length;
  const sent = Date.now();
  signal(f.pid(node), 'SIGHUP');
  const t0 = (await d.waitFor((l) => l.msg === 'configuration reloaded', 15_000, mark)).t;
  await f.settle(winner);
  // The new winner ignores the lower-priority master's adverts (preempt) and takes over when its
  // Master_Down_Interval runs out; the old master hears it and steps down (§6.4.2, §6.4.3).
  const bound = masterDownIntervalMs(2, winner === node ? priority : PRIORITY[winner]!, 100) + I;
  const how = d.logs.slice(mark).find((l) => l.msg === 'configuration reloaded');
  const detail = `reload applied ${t0 - sent} ms after SIGHUP (restarted: ${JSON.stringify(how?.restarted)})`;
  return judged(f, t0, bound, { expectMaster: new Map([[251, winner]]) }, detail);
}

/** SIGKILL op2 the moment it logs MASTER (its `ip addr add` in flight), then start it again. */
async function killDuringTakeover(f: FaultLab): Promise<FaultOutcome> {
  const op2 = f.vrrpd('op2');
  const mark = op2.logs.length;
  await f.vrrpd('op1').stop('SIGTERM');
  await op2.waitState('MASTER', mdi('op2') + 5000, mark);
  await op2.stop('SIGKILL');
  const marks = [f.vrrpd('op1').logs.length, op2.logs.length];
  f.start('op1');
  f.start('op2');
  // From the moment both restarted daemons run their routers (node's start-up is not VRRP's).
  const up = await Promise.all([f.vrrpd('op1'), op2].map((d, i) => d.waitFor((l) => l.reason === 'startup', 20_000, marks[i])));
  const t0 = Math.max(...up.map((l) => l.t));
  await f.settle('op1');
  // op1 starts as BACKUP for one Master_Down_Interval (priority 100, not the owner), op2 removes
  // the VIP its killed run may have left at startup.
  return judged(f, t0, mdi('op1') + I, op1Wins);
}

/** 254 addresses beside the VIP (virtual_ipaddress_excluded): a takeover changes 255 addresses in one batch. */
const MANY = Array.from({ length: 254 }, (_, i) => `10.251.0.${i + 1}`);
const manyAddresses: Partial<SeedConfigOptions> = { extra: `  virtual_ipaddress_excluded {\n${MANY.map((a) => `    ${a}/32 dev eth0`).join('\n')}\n  }\n` };

/** How many of the 255 addresses `name` holds. */
async function held(f: FaultLab, name: string): Promise<number> {
  const out = await f.node(name).host.mustExec('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  const have = new Set([...out.matchAll(/ inet ([0-9.]+)\//g)].map((m) => m[1]));
  return [VIP, ...MANY].filter((a) => have.has(a)).length;
}

/**
 * SIGKILL op2 when its first of 255 addresses appears after op1's SIGTERM (the batch in flight),
 * then start both again: op2 must remove what its killed run left (startup
 * cleanup) and op1 end up holding all 255.
 */
async function killDuringBatch(f: FaultLab): Promise<FaultOutcome> {
  const op2 = f.vrrpd('op2');
  const events = f.node('op2').monitor!.events;
  const seen = events.length;
  await f.vrrpd('op1').stop('SIGTERM');
  // The kill lands as op2's first address appears (its `ip monitor` line), inside the batch.
  if (!(await waitFor(() => events.slice(seen).some((e) => !e.deleted), mdi('op2') + 5000, 1))) throw new Error('op2 never added an address');
  await op2.stop('SIGKILL');
  const atKill = await held(f, 'op2');
  const marks = [f.vrrpd('op1').logs.length, op2.logs.length];
  f.start('op1', { config: manyAddresses });
  f.start('op2', { config: manyAddresses });
  const up = await Promise.all([f.vrrpd('op1'), op2].map((d, i) => d.waitFor((l) => l.reason === 'startup', 20_000, marks[i])));
  const t0 = Math.max(...up.map((l) => l.t));
  await f.settle('op1');
  // op1's 255 addresses are one batch too: let it finish before counting.
  await waitFor(async () => (await held(f, 'op1')) === 255, 5000, 100);
  const [on1, on2] = [await held(f, 'op1'), await held(f, 'op2')];
  const o = await judged(f, t0, mdi('op1') + I, op1Wins, `op2 held ${atKill} of 255 addresses when killed; after the restart op1 holds ${on1}, op2 ${on2}`);
  if (on1 === 255 && on2 === 0) return o;
  return { ...o, verdict: { ...o.verdict, ok: false, violations: [...o.verdict.violations, `after the restart op1 holds ${on1} of 255 addresses, op2 ${on2}`] } };
}

/** Something changed on op1's interface that must not move the VIP; judged from the change. */
async function linkChange(f: FaultLab, commands: readonly string[][], nodeOf?: ReadonlyMap<string, string>, maxSourceChanges = 0, boundMs = 0): Promise<FaultOutcome> {
  const t0 = Date.now();
  for (const [cmd, ...args] of commands) await f.node('op1').host.mustExec(cmd!, args);
  await sleep(4000);
  return judged(f, t0, boundMs, { ...op1Wins, maxSourceChanges, ...(nodeOf ? { nodeOf } : {}) });
}

/** No advert may leave from 0.0.0.0 (an interface without an address must not advertise). */
function noUnspecifiedSource(f: FaultLab, from: number, o: FaultOutcome): FaultOutcome {
  const bad = (f.capture?.adverts() ?? []).filter((a) => a.t >= from - 10_000 && a.src === '0.0.0.0').length;
  return bad === 0 ? o : { ...o, verdict: { ...o.verdict, ok: false, violations: [...o.verdict.violations, `${bad} adverts from 0.0.0.0`] } };
}

/**
 * op1 loses what it advertises from (its address deleted, its interface deleted or renamed): it
 * must go FAULT (`reason`), op2 takes over; then `restore` gives it back and op1, preempting,
 * takes over again. Judged from the restore: op1 waits one Master_Down_Interval(100) as Backup
 * (op2's lower-priority adverts do not reset it), then its advert makes op2 step down (§6.4.3).
 */
async function loseAndRestore(f: FaultLab, reason: string, lose: () => Promise<void>, restore: () => Promise<void>): Promise<FaultOutcome> {
  const op1 = f.vrrpd('op1');
  const mark = op1.logs.length;
  const t0 = Date.now();
  await lose();
  const fault = await op1.waitFor((l) => l.to === 'FAULT' && typeof l.from === 'string', 10_000, mark);
  if (fault.reason !== reason) throw new Error(`op1 went FAULT for ${String(fault.reason)}, not ${reason}`);
  if (!(await waitFor(async () => (await f.holders()).join() === 'op2', 15_000, 50))) throw new Error('op2 never took over');
  const takeover = Date.now() - t0;
  await sleep(1000);
  const t1 = Date.now();
  await restore();
  await f.settle('op1');
  const o = await judged(f, t1, mdi('op1') + I, op1Wins, `op1 FAULT (${reason}) ${fault.t - t0} ms after the fault, op2 held the VIP ${takeover} ms after it`);
  return noUnspecifiedSource(f, t0, o);
}

/** op1's primary address .1 deleted (it takes the VIP, same subnet, with it), then added back. */
function addressLoss(f: FaultLab): Promise<FaultOutcome> {
  const host = f.node('op1').host;
  return loseAndRestore(
    f,
    'no-source-address',
    async () => void (await host.mustExec('ip', ['addr', 'del', `${host.ip}/24`, 'dev', 'eth0'])),
    async () => void (await host.mustExec('ip', ['addr', 'add', `${host.ip}/24`, 'dev', 'eth0'])),
  );
}

/** op1's VIP deleted behind its back: op1 stays master and puts it back. */
async function vipDeleted(f: FaultLab): Promise<FaultOutcome> {
  const op1 = f.vrrpd('op1');
  const mark = op1.logs.length;
  const t0 = Date.now();
  await f.node('op1').host.mustExec('ip', ['addr', 'del', `${VIP}/24`, 'dev', 'eth0']);
  const back = await op1.waitFor((l) => l.msg === 'virtual addresses updated' && l.action === 'added', 10_000, mark);
  await sleep(3000);
  return judged(f, t0, 0, { ...op1Wins, maxSourceChanges: 0 }, `VIP back ${back.t - t0} ms after its deletion`);
}

export const FAULTS: readonly Fault[] = [
  { id: 'partition-heal', bound: 'Advertisement_Interval: op1\'s next advert reaches op2, which steps down (§6.4.3)', quick: true, run: (f) => partitionHeal(f, 'op2') },
  { id: 'partition-heal-3', bound: 'Advertisement_Interval (§6.4.3); op1 cut from op2 and op3', quick: false, lab: { nodes: 3 }, run: (f) => partitionHeal(f, 'op1') },
  { id: 'partition-heal-keepalived', bound: 'Advertisement_Interval (§6.4.3); op2 is keepalived 2.2.7', quick: false, lab: { keepalivedOp2: true }, run: (f) => partitionHeal(f, 'op2') },
  { id: 'sigstop-2s', bound: 'stop + Advertisement_Interval, and no takeover (2 s < op2\'s Master_Down_Interval 3.65 s)', quick: false, run: (f) => stopCont(f, 2000) },
  { id: 'sigstop-5s', bound: 'from SIGCONT, Advertisement_Interval: op1 wakes as master, adverts at once, op2 steps down', quick: true, run: (f) => stopCont(f, 5000) },
  { id: 'sigstop-2s-keepalived', bound: 'as sigstop-2s; op2 is keepalived 2.2.7', quick: false, lab: { keepalivedOp2: true }, run: (f) => stopCont(f, 2000) },
  { id: 'sigstop-5s-keepalived', bound: 'as sigstop-5s; op2 is keepalived 2.2.7 (it takes over, then steps down for the woken op1)', quick: false, lab: { keepalivedOp2: true }, run: (f) => stopCont(f, 5000) },
  { id: 'netlink-fails-3', bound: 'Skew_Time(90) + vrrpd\'s retries 0.5+1+2 s (op2\'s next 3 address requests fail, ENOBUFS)', quick: false, netlinkFaults: ['op2'], run: (f) => takeoverWithFailingNetlink(f, 3) },
  { id: 'netlink-refused-5s', bound: 'Skew_Time(90) + retries 0.5+1+2+4 s (op2\'s address requests refused, EPERM, for 5 s)', quick: false, netlinkFaults: ['op2'], run: (f) => takeoverWithFailingNetlink(f, 'refused-5s') },
  { id: 'mtu-change', bound: '0: op1 stays master, no advert late (MTU 1500 -> 1400 on the master)', quick: false, run: (f) => linkChange(f, [['ip', 'link', 'set', 'eth0', 'mtu', '1400']]) },
  {
    id: 'address-change',
    bound: 'Advertisement_Interval: op1 stays master, nothing moves; its next advert leaves from .11 (promote_secondaries; its address .1 -> .11)',
    quick: false,
    run: (f) =>
      linkChange(
        f,
        [['sysctl', '-qw', 'net.ipv4.conf.eth0.promote_secondaries=1'], ['ip', 'addr', 'add', '192.168.50.11/24', 'dev', 'eth0'], ['ip', 'addr', 'del', '192.168.50.1/24', 'dev', 'eth0']],
        new Map([['192.168.50.11', 'op1']]),
        1, // op1's own: .1 -> .11
        I, // its next advert leaves from .11
      ),
  },
  { id: 'address-loss', bound: 'from the address back: Master_Down_Interval(100) + Advertisement_Interval; op1 FAULT while it has none, never an advert from 0.0.0.0', quick: false, run: addressLoss },
  { id: 'vip-deleted', bound: '0: op1 stays master and adds its VIP back (deleted behind its back)', quick: false, run: vipDeleted },
  {
    id: 'interface-recreated',
    bound: 'from the re-creation: Master_Down_Interval(100) + Advertisement_Interval; op1 FAULT (link-down) while it is gone',
    quick: false,
    run: (f) => loseAndRestore(f, 'link-down', () => f.node('op1').host.deleteInterface(), () => f.node('op1').host.recreateInterface()),
  },
  {
    id: 'interface-renamed',
    bound: 'from the rename back: Master_Down_Interval(100) + Advertisement_Interval; op1 FAULT (link-down) while eth0 is named eth9',
    quick: false,
    run: (f) => {
      const host = f.node('op1').host;
      return loseAndRestore(f, 'link-down', async () => void (await host.mustExec('ip', ['link', 'set', 'eth0', 'name', 'eth9'])), async () => void (await host.mustExec('ip', ['link', 'set', 'eth9', 'name', 'eth0'])));
    },
  },
  { id: 'kill-during-takeover', bound: 'from the restart: Master_Down_Interval(100) + Advertisement_Interval', quick: false, run: killDuringTakeover },
  {
    id: 'kill-during-255-batch',
    bound: 'from the restart: Master_Down_Interval(100) + Advertisement_Interval; no address of 255 left on op2, all on op1',
    quick: false,
    config: manyAddresses,
    run: killDuringBatch,
  },
  { id: 'reload-storm-same', bound: '0: no flap, no fd/child growth (100 SIGHUPs in 10 s)', quick: false, run: (f) => reloadStorm(f, 100, 10_000, false) },
  { id: 'reload-storm-changed', bound: '0: no flap, no fd/child growth (100 SIGHUPs in 10 s, config changed each time)', quick: false, run: (f) => reloadStorm(f, 100, 10_000, true) },
  { id: 'priority-reload-master', bound: 'op1 100->50: Master_Down_Interval(90) + Advertisement_Interval', quick: false, run: (f) => priorityReload(f, 'op1', 50, 'op2') },
  { id: 'priority-reload-backup', bound: 'op2 90->110: Master_Down_Interval(110) + Advertisement_Interval', quick: false, run: (f) => priorityReload(f, 'op2', 110, 'op2') },
  ...SCRIPT_FAULTS,
  ...STARVE_FAULTS,
];

/** One fault in a lab of its own: nodes started and settled on op1, the fault, the verdict. */
export async function runFault(fault: Fault, cli: string): Promise<FaultOutcome> {
  const f = await FaultLab.create({ ...fault.lab, cli });
  try {
    await startAll(f, fault.netlinkFaults, fault.config, fault.setup?.(f));
    return await fault.run(f);
  } finally {
    await f.destroy();
  }
}
