/**
 * The status model as a person reads it (`vrrpd status`): one block per instance, state first,
 * then why and since when, priorities, the master, VIPs, trackers and the counters that are not
 * zero (drops by reason); then interfaces and scripts. Pure: times are formatted in UTC.
 */
import { DROP_REASONS, INSTANCE_COUNTERS, ROUTER_COUNTERS, type CounterSpec, type InstanceDropReason, type RouterDropReason } from '../protocol/counters.js';
import type { CheckResult, DaemonStatus, InstanceStatus, Moment, ScriptStatus, TrackerFacts } from './model.js';

/** Seconds as "1h02m03s" / "4m05s" / "6.2s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/** "2026-11-30 10:02:03Z (4m05s ago)". */
export function formatMoment(m: Moment): string {
  return `${new Date(m.wallMs).toISOString().slice(0, 19).replace('T', ' ')}Z (${formatDuration(m.agoMs)} ago)`;
}

/** Milliseconds to a short figure: "0.3 ms", "12 ms", "1.20 s". */
function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `k=v` for every non-zero entry, or undefined when all are zero. */
function nonZero(entries: Iterable<readonly [string, number]>): string | undefined {
  const parts = [...entries].filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Counters split into drops (by reason; benign ones stay counters) and the rest, as `[counters, dropped]`. */
function splitDrops(counters: Readonly<Record<string, number>>, scope: 'router' | 'instance'): [string | undefined, string | undefined] {
  const reasonOf = new Map<string, string>();
  const specs: Readonly<Record<string, CounterSpec>> = scope === 'router' ? ROUTER_COUNTERS : INSTANCE_COUNTERS;
  for (const [reason, d] of Object.entries(DROP_REASONS)) if (d.scope === scope && !specs[d.counter]?.benign) reasonOf.set(d.counter, reason);
  const entries = Object.entries(counters);
  const drops = entries.filter(([k]) => reasonOf.has(k)).map(([k, v]) => [reasonOf.get(k)! as InstanceDropReason | RouterDropReason, v] as const);
  return [nonZero(entries.filter(([k]) => !reasonOf.has(k))), nonZero(drops)];
}

function lastCheck(last: CheckResult | undefined): string {
  return last ? `; last check ${last.result} in ${formatMs(last.durationMs)}, ${formatDuration(last.at.agoMs)} ago` : '; no check finished yet';
}

/** What a tracker reads now and since when, after its state: a check's result, a file's or a process's reading. */
function trackerDetail(t: TrackerFacts): string {
  if (t.kind === 'script' || t.kind === 'check_tcp') return lastCheck(t.last);
  if (t.kind === 'interface') return '';
  return `${t.detail ? `; ${t.detail}` : ''}${t.since ? `, changed ${formatDuration(t.since.agoMs)} ago` : ''}`;
}

function tracker(t: TrackerFacts): string {
  const kind = t.kind === 'interface' ? '' : t.kind;
  const via = t.group !== undefined ? `sync group ${t.group}` : '';
  const what = kind || via ? `${t.name} (${[kind, via].filter(Boolean).join(', ')})` : t.name;
  // What it does to the priority now (the router's rule: + while healthy, - while failing, 0 = FAULT).
  const counted = t.weight === 0 ? (t.healthy ? '' : ' => FAULT') : t.healthy === t.weight > 0 ? ` => ${t.weight > 0 ? '+' : ''}${t.weight}` : '';
  // A track_file is read as a number (value x weight), not as a health.
  const state = t.kind === 'file' ? `value ${t.value ?? 0}` : t.state;
  return `${what}, weight ${t.weight}: ${state}${counted}${trackerDetail(t)}`;
}

function instanceLines(i: InstanceStatus): string[] {
  const head = i.waiting
    ? `${i.name}: ${i.state} (not running: ${i.waiting})`
    : `${i.name}: ${i.state}${i.since ? ` since ${formatMoment(i.since)}` : ''}${i.reason ? `: ${i.reason}${i.reasonDetail ? ` (${i.reasonDetail})` : ''}` : ''}`;
  const interval = i.masterAdverIntervalCs % 100 === 0 ? `${i.masterAdverIntervalCs / 100} s` : `${i.masterAdverIntervalCs * 10} ms`;
  const prio = i.effectivePriority === i.basePriority ? `${i.basePriority}` : `${i.effectivePriority} (base ${i.basePriority})`;
  const source = i.sourceIp !== undefined ? ` from ${i.sourceIp}` : '';
  const master = i.masterIp ? `; master ${i.masterIp}${i.masterPriority !== undefined ? ` priority ${i.masterPriority}` : ''}` : '; no master known';
  const lines = [
    head,
    `  ${i.interface}${i.linkUp || i.waiting ? '' : ' (link down)'}, VRID ${i.vrid}, VRRPv${i.version} ${i.family === 'ipv4' ? 'IPv4' : 'IPv6'}, advert interval ${interval}${source}`,
    `  priority ${prio}${master}`,
    `  VIPs: ${i.vips.map((v) => `${v.address}${v.dev !== i.interface ? ` dev ${v.dev}` : ''} ${v.present ? 'in place' : 'absent'}${v.error ? ` (last error: ${v.error})` : ''}`).join(', ') || 'none'}`,
  ];
  if (i.faultReasons.length > 0) lines.push(`  fault: ${i.faultReasons.join('; ')}`);
  i.trackers.forEach((t, n) => lines.push(`  ${n === 0 ? 'track: ' : '       '}${tracker(t)}`));
  const [counters, dropped] = splitDrops(i.counters, 'instance');
  const io = nonZero(Object.entries(i.io));
  const moves = nonZero(i.transitions.map((t) => [`${t.from}->${t.to}/${t.reason}`, t.count] as const));
  if (counters) lines.push(`  counters: ${counters}`);
  if (dropped) lines.push(`  dropped: ${dropped}`);
  if (io) lines.push(`  io: ${io}`);
  if (moves) lines.push(`  transitions: ${moves}`);
  return lines;
}

function scriptLine(s: ScriptStatus): string {
  const every = `every ${formatMs(s.intervalMs)}, timeout ${formatMs(s.timeoutMs)}`;
  if (s.state === 'disabled') return `script ${s.name} (${s.kind}): disabled: ${s.disabled ?? '?'}`;
  return `script ${s.name} (${s.kind}, ${every}): ${s.state}${lastCheck(s.last)}${nonZero(Object.entries(s.counters)) ? `; ${nonZero(Object.entries(s.counters))}` : ''}`;
}

/** The whole status as text. */
export function renderStatus(s: DaemonStatus): string {
  const p = s.process;
  const lines = [
    `vrrpd ${p.version} (pid ${p.pid}, node ${p.node}), up ${formatDuration(p.startedAt.agoMs)}; config ${p.config}${p.configId ? ` (id ${p.configId})` : ''}`,
  ];
  if (p.log.linesDropped > 0 || p.log.lost) lines.push(`log: ${p.log.linesDropped} lines dropped${p.log.lost ? `, stdout lost (${p.log.lost})` : ''}`);
  if (p.metrics) lines.push(`metrics: http://${p.metrics.listen}/metrics${p.metrics.error ? ` NOT SERVING: ${p.metrics.error}` : ''}`);
  for (const i of s.instances) lines.push('', ...instanceLines(i));
  if (s.disabled.length > 0) lines.push('', 'not running, disabled by their configuration errors (see vrrpd check):');
  for (const d of s.disabled) lines.push(`  ${d.section} ${d.name} (${d.file}:${d.line}:${d.col})`);
  if (s.interfaces.length > 0 || s.scripts.length > 0) lines.push('');
  for (const i of s.interfaces) {
    const [counters, dropped] = splitDrops(i.counters, 'router');
    const io = nonZero(Object.entries(i.io));
    const facts = [counters, dropped && `dropped: ${dropped}`, io && `sockets: ${io}`].filter(Boolean);
    lines.push(`interface ${i.name}${i.open ? '' : ' (not open)'}: ${facts.join('; ') || 'no packets'}`);
  }
  for (const x of s.scripts) lines.push(scriptLine(x));
  return lines.join('\n');
}
