/**
 * The `vrrpd check` report, as text or JSON: each instance as vrrpd understood it, with its
 * effective timers (RFC 3768 §6.1 / RFC 5798 §6.1, from src/protocol/timers.ts, printed at full
 * precision), the sections disabled by their own errors, every diagnostic with its class
 * (diagnostics.ts), and the verdict that gives check's exit status (CHECK_EXIT). Config text may
 * hold control characters: the text report escapes them, the JSON one writes them as \uXXXX.
 * Arrays are built by appending (no spread of a 20 000-instance list into a call).
 */
import { masterDownIntervalMs, skewTimeMs } from '../protocol/timers.js';
import { classOf, escapeControl, formatDiagnostic, jsonEscapeControl } from './diagnostics.js';
import type { Diagnostic, LoadResult, VrrpInstance, VrrpScript, VrrpdConfig } from './types.js';
import { trackFileText, trackProcessText } from './report-track.js';

/** Skew_Time of an instance in seconds, exact (RFC 3768 §6.1 / RFC 5798 §6.1). */
export function skewTimeSec(i: Pick<VrrpInstance, 'version' | 'priority' | 'adverIntervalCs'>): number {
  return skewTimeMs(i.version, i.priority, i.adverIntervalCs) / 1000;
}

/** Master_Down_Interval of an instance in seconds, exact. */
export function masterDownIntervalSec(i: Pick<VrrpInstance, 'version' | 'priority' | 'adverIntervalCs'>): number {
  return masterDownIntervalMs(i.version, i.priority, i.adverIntervalCs) / 1000;
}

export interface CheckSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  /** Warnings of class 'failover' (also counted in `warnings`). */
  readonly failover: number;
}

export function summarise(diags: readonly Diagnostic[]): CheckSummary {
  const count = (s: Diagnostic['severity']): number => diags.filter((d) => d.severity === s).length;
  return { errors: count('error'), warnings: count('warning'), infos: count('info'), failover: diags.filter((d) => classOf(d) === 'failover').length };
}

/**
 * `vrrpd check`'s exit statuses (README, "Reading vrrpd check"): an error of any class wins
 * over a failover warning. 2 is bad usage (cli/check.ts).
 */
export const CHECK_EXIT = {
  /** Runs as keepalived would: at most warnings that change no failover, and notes. */
  ok: 0,
  /** An error: the file (class 'fatal') or a section of it (class 'disabled') does not run. */
  errors: 1,
  usage: 2,
  /** No error, but a warning of class 'failover': vrrpd fails over differently from keepalived here. */
  failover: 3,
} as const;

/** The exit status of `vrrpd check` for a load's result. */
export function checkExitStatus(result: Pick<LoadResult, 'config' | 'diagnostics' | 'disabled'>): number {
  const s = summarise(result.diagnostics);
  if (s.errors > 0 || result.config === undefined || result.disabled.length > 0) return CHECK_EXIT.errors;
  return s.failover > 0 ? CHECK_EXIT.failover : CHECK_EXIT.ok;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderCheckText(entry: string, configId: string, result: LoadResult): string {
  const out: string[] = [`vrrpd check: ${entry} (config id '${configId}')`];
  if (result.files.length > 1) out.push(`files: ${result.files.join(', ')}`);
  const cfg = result.config;
  if (cfg !== undefined) renderConfig(cfg, out);
  if (result.disabled.length > 0) {
    out.push('', 'disabled by their errors (the rest runs):');
    for (const d of result.disabled) out.push(`  ${d.section} ${d.name} (${d.pos.file}:${d.pos.line}:${d.pos.col})`);
  }
  if (result.diagnostics.length > 0) {
    out.push('', 'diagnostics:');
    for (const d of result.diagnostics) out.push(formatDiagnostic(d));
  }
  out.push('', verdictLine(result));
  return `${out.map(escapeControl).join('\n')}\n`;
}

function verdictLine(result: LoadResult): string {
  const s = summarise(result.diagnostics);
  const counts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')} (${s.failover} failover), ${plural(s.infos, 'note')}`;
  if (result.config === undefined) return `${counts}: configuration NOT usable`;
  if (s.errors > 0 || result.disabled.length > 0) return `${counts}: configuration usable in part (${plural(result.disabled.length, 'section')} disabled)`;
  if (s.failover > 0) return `${counts}: configuration OK, but vrrpd fails over differently from keepalived (see the failover warnings)`;
  return `${counts}: configuration OK`;
}

function renderConfig(cfg: VrrpdConfig, out: string[]): void {
  const g = cfg.global;
  out.push('', `global: router_id ${g.routerId ?? '(host name)'}, multicast groups ${g.vrrpMcastGroup4} and ${g.vrrpMcastGroup6}, gratuitous ARP ${g.garpMasterRepeat} at once, again after ${g.garpMasterDelayMs / 1000} s${g.garpMasterRefreshMs > 0 ? `, refresh every ${g.garpMasterRefreshMs / 1000} s` : ''}${g.garpIntervalMs > 0 ? `, at least ${g.garpIntervalMs / 1000} s apart on an interface` : ''}`);
  if (g.vrrpStartupDelayMs > 0) out.push(`vrrp_startup_delay: no instance becomes master in the first ${g.vrrpStartupDelayMs / 1000} s after vrrpd starts`);
  if (g.vrrpStrict) out.push('vrrp_strict: keepalived\'s strict rules apply to every instance (no authentication, no unicast, no_accept unless address owner)');
  for (const [kw, f] of [['notify_fifo', g.notifyFifo], ['vrrp_notify_fifo', g.vrrpNotifyFifo]] as const) {
    if (f) out.push(`${kw}: ${f.path}${f.user ? ` (owner ${f.user.user}${f.user.group ? `:${f.user.group}` : ''})` : ''}${f.script ? `, read by "${f.script.command}"` : ''}`);
  }
  if (cfg.instances.length === 0) out.push('', 'no vrrp_instance defined');
  const scripts = new Map(cfg.scripts.map((s) => [s.name, s]));
  for (const inst of cfg.instances) {
    out.push('');
    for (const line of renderInstance(inst, cfg, scripts)) out.push(line);
  }
  for (const sg of cfg.syncGroups) {
    out.push('', `vrrp_sync_group ${sg.name}: ${sg.members.join(', ')} (move to MASTER / BACKUP / FAULT together)`);
    const tracked = [...sg.trackScripts.map((t) => `track_script ${t.name}`), ...sg.trackInterfaces.map((t) => `track_interface ${t.name}`), ...sg.trackFiles.map((t) => `track_file ${t.name}`), ...sg.trackProcesses.map((t) => `track_process ${t.name}`)];
    if (tracked.length > 0) out.push(`  tracks for every member: ${tracked.join(', ')}`);
  }
}

function renderInstance(i: VrrpInstance, cfg: VrrpdConfig, scripts: ReadonlyMap<string, VrrpScript>): string[] {
  const advertSec = i.adverIntervalCs / 100;
  const prio = `${i.priority}${i.priorityExplicit ? '' : ' (default)'}${i.priority === 255 ? ' address owner' : ''}`;
  const lines = [
    `vrrp_instance ${i.name} (${i.pos.file}:${i.pos.line}:${i.pos.col})`,
    `  state ${i.state}, priority ${prio}, virtual_router_id ${i.vrid}, interface ${i.interface}, VRRPv${i.version} over ${i.family === 'ipv6' ? 'IPv6' : 'IPv4'}`,
    `  virtual_ipaddress: ${i.vips.map(vipText).join(', ') || 'none'}`,
  ];
  if (i.vipsExcluded.length > 0) lines.push(`  virtual_ipaddress_excluded: ${i.vipsExcluded.map(vipText).join(', ')}`);
  lines.push(`  authentication: ${i.auth.type === 1 ? `PASS (${i.auth.pass.length}-character password)` : 'none'}`);
  lines.push(`  preempt: ${i.nopreempt ? 'no (nopreempt)' : i.preemptDelayMs > 0 ? `yes, after preempt_delay ${i.preemptDelayMs / 1000} s` : 'yes'}`);
  lines.push(`  timers: advert_int ${advertSec} s, Skew_Time ${skewTimeSec(i)} s, Master_Down_Interval ${masterDownIntervalSec(i)} s`);
  const from = (t: { group?: string }): string => (t.group !== undefined ? ` (from vrrp_sync_group ${t.group})` : '');
  for (const t of i.trackScripts) lines.push(`  track_script ${t.name}: ${scriptText(t, scripts.get(t.name))}${from(t)}`);
  for (const t of i.trackInterfaces) lines.push(`  track_interface ${t.name}: ${weightText(t.weight ?? 0, t.reverse ?? false)}${from(t)}`);
  for (const t of i.trackFiles) lines.push(`  track_file ${t.name}: ${trackFileText(t, cfg.trackFiles.find((f) => f.name === t.name))}${from(t)}`);
  for (const t of i.trackProcesses) lines.push(`  track_process ${t.name}: ${trackProcessText(t, cfg.trackProcesses.find((p) => p.name === t.name))}${from(t)}`);
  const group = i.family === 'ipv6' ? cfg.global.vrrpMcastGroup6 : cfg.global.vrrpMcastGroup4;
  const src = i.unicastSrcIp ?? i.mcastSrcIp ?? (i.family === 'ipv6' ? "the interface's link-local address" : undefined);
  lines.push(`  adverts: ${i.unicastPeers.length > 0 ? `unicast to ${i.unicastPeers.join(', ')}` : `multicast to ${group}`}${src ? ` from ${src}` : ''}${i.interface === '' ? ' (no interface: by the route to each peer)' : ''}`);
  if (i.version === 3 && i.family === 'ipv4' && i.unicastPeers.length > 0) lines.push(`  unicast checksum: ${UNICAST_CHECKSUM_TEXT[i.oldUnicastChecksum]}`);
  for (const line of failoverLines(i)) lines.push(`  ${line}`);
  const notifies = (['notifyMaster', 'notifyBackup', 'notifyFault', 'notifyStop', 'notify'] as const).filter((k) => i[k] !== undefined);
  for (const k of notifies) lines.push(`  ${k.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`)}: ${i[k]?.command}`);
  if (i.notifyPriorityChanges && (cfg.global.notifyFifo ?? cfg.global.vrrpNotifyFifo)) lines.push('  notify_priority_changes: priority changes written to the notify FIFO');
  if (i.syncGroup !== undefined) lines.push(`  sync group: ${i.syncGroup}`);
  return lines;
}

/** Strict mode, accept mode, the split-brain knobs, use_vmac, virtual routes and rules. */
function failoverLines(i: VrrpInstance): string[] {
  const out: string[] = [];
  if (i.strictMode) out.push('strict mode: yes (keepalived vrrp_strict / strict_mode)');
  out.push(`accept mode: ${i.acceptMode || i.priority === 255 ? 'yes' : 'no (no_accept: traffic to the VIPs is dropped by an nftables rule while master, as keepalived does, in a table of vrrpd\'s own: ip vrrpd)'}`);
  const sb = i.splitBrain;
  const lower = [sb.lowerPrioNoAdvert ? 'no advert' : 'an advert', sb.garpLowerPrioRepeat > 0 ? `${sb.garpLowerPrioRepeat} GARPs${sb.garpLowerPrioDelayMs > 0 ? `, again after ${sb.garpLowerPrioDelayMs / 1000} s` : ''}` : 'no GARP'];
  out.push(`hearing a lower-priority master: ${lower.join(', ')}; a higher one: ${sb.higherPrioSendAdvert ? 'one advert, then BACKUP' : 'BACKUP'}`);
  if (i.vmac) out.push(`use_vmac: ${i.vmac.ifname} (macvlan on ${i.interface}, MAC ${i.vmac.mac})${i.vmac.xmitBase ? `, adverts sent from ${i.interface} (vmac_xmit_base)` : ''}`);
  for (const r of i.virtualRoutes) out.push(`virtual route (while master): ${routeText(r)}`);
  for (const r of i.virtualRules) out.push(`virtual rule (while master): ${ruleText(r)}`);
  return out;
}

function routeText(r: VrrpInstance['virtualRoutes'][number]): string {
  const parts = [r.type, r.to, r.src && `src ${r.src}`, r.via && `via ${r.via}`, r.dev && `dev ${r.dev}`, r.scope && `scope ${r.scope}`, r.table && `table ${r.table}`, r.metric !== undefined && `metric ${r.metric}`, r.proto && `proto ${r.proto}`, r.onlink && 'onlink'];
  return parts.filter(Boolean).join(' ');
}

function ruleText(r: VrrpInstance['virtualRules'][number]): string {
  const parts = [r.not && 'not', r.from && `from ${r.from}`, r.to && `to ${r.to}`, r.iif && `iif ${r.iif}`, r.oif && `oif ${r.oif}`, r.fwmark && `fwmark ${r.fwmark}`, r.tos !== undefined && `tos ${r.tos}`, r.preference !== undefined && `preference ${r.preference}`, r.table && `table ${r.table}`, r.type];
  return parts.filter(Boolean).join(' ');
}
const UNICAST_CHECKSUM_TEXT: Readonly<Record<VrrpInstance['oldUnicastChecksum'], string>> = {
  auto: 'RFC 5798 (real destination); follows a peer that sends the old style (keepalived <= 1.3.6)',
  never: 'RFC 5798 only (old_unicast_checksum never)',
  always: 'old style, as if sent to the multicast group (old_unicast_checksum); both styles accepted',
};

function vipText(v: { address: string; prefixLen: number; dev?: string; label?: string }): string {
  return `${v.address}/${v.prefixLen}${v.dev ? ` dev ${v.dev}` : ''}${v.label ? ` label ${v.label}` : ''}`;
}

function weightText(weight: number, reverse: boolean): string {
  if (weight === 0) return reverse ? 'weight 0 reverse: FAULT while healthy' : 'weight 0: FAULT while failing';
  const when = weight < 0 ? 'while failing' : 'while healthy';
  return `weight ${weight}${reverse ? ' reverse' : ''}: priority ${weight < 0 ? '' : '+'}${weight} ${when}`;
}

function scriptText(t: { weight?: number; reverse?: boolean }, s: VrrpScript | undefined): string {
  if (s === undefined) return 'unknown script';
  const w = weightText(t.weight ?? s.weight, t.reverse ?? s.reverse);
  const what = s.script.kind === 'check_tcp' ? `check_tcp ${s.script.host}:${s.script.port} (vrrpd extension)` : `"${s.script.command}"`;
  return `${what}, ${w}; every ${s.intervalMs / 1000} s, timeout ${s.timeoutMs / 1000} s, rise ${s.rise}, fall ${s.fall}${s.initFail ? ', starts failed' : ''}`;
}

/** The JSON report: the normalised config plus each instance's effective timers. */
export function renderCheckJson(entry: string, configId: string, result: LoadResult): string {
  const cfg = result.config;
  const timers = cfg?.instances.map((i) => ({
    instance: i.name,
    version: i.version,
    adverIntervalCs: i.adverIntervalCs,
    skewTimeMs: skewTimeMs(i.version, i.priority, i.adverIntervalCs),
    masterDownIntervalMs: masterDownIntervalMs(i.version, i.priority, i.adverIntervalCs),
  }));
  const summary = summarise(result.diagnostics);
  const diagnostics = result.diagnostics.map((d) => ({ ...d, class: classOf(d) }));
  const body = {
    entry,
    configId,
    ok: summary.errors === 0,
    status: checkExitStatus(result),
    summary,
    files: result.files,
    config: cfg ?? null,
    disabled: result.disabled,
    timers: timers ?? [],
    diagnostics,
  };
  return `${jsonEscapeControl(JSON.stringify(body, null, 2))}\n`;
}
