/**
 * Builds the status model (src/status/model.ts) from what the daemon's parts know: each
 * instance's facts (router snapshot, io counters, VIPs), the tracked objects (every kind, through
 * their TrackerInfo), the interfaces' counters.
 * Times come in monotonic (the daemon's clock) and go out on both clocks: the wall time of a
 * monotonic moment is derived once, here, from one (monotonic, wall) pair read together.
 */
import type { DisabledSection, VrrpInstance } from '../config/types.js';
import type { VipSpec } from '../io/ip-addr.js';
import { zeroInstanceCounters, zeroRouterCounters, type RouterCounters } from '../protocol/counters.js';
import { describeOutcome, type LastCheck } from '../track/script-tracker.js';
import type { TrackerInfo } from '../track/tracker.js';
import {
  STATUS_FORMAT,
  zeroInstanceIoCounters,
  type CheckResult,
  type DaemonStatus,
  type InstanceStatus,
  type InterfaceIoCounters,
  type Moment,
  type ProcessFacts,
  type ScriptStatus,
  type TrackerFacts,
  type TrackerKindLabel,
} from '../status/model.js';
import type { InstanceFacts } from './instance.js';
import type { InstanceTracker } from './tracking.js';

/** The two clocks read together: `mono` (the daemon's `now()`) and epoch ms. */
export interface ClockPair {
  readonly mono: number;
  readonly wall: number;
}

/** A monotonic moment on both clocks, as seen at `at`. */
export function moment(monotonicMs: number, at: ClockPair): Moment {
  const agoMs = Math.max(0, at.mono - monotonicMs);
  return { monotonicMs, wallMs: Math.round(at.wall - agoMs), agoMs };
}

function checkResult(last: LastCheck, at: ClockPair): CheckResult {
  return { ok: last.ok, result: describeOutcome(last.outcome), at: moment(last.startedMs + last.durationMs, at), durationMs: last.durationMs };
}

/** One configured instance as the daemon holds it: running (with facts) or waiting. */
export interface SlotFacts {
  readonly conf: VrrpInstance;
  readonly vips: readonly VipSpec[];
  readonly facts: InstanceFacts<VipSpec> | undefined;
  readonly waiting: string | undefined;
  readonly trackers: readonly InstanceTracker[];
}

/** Everything `buildStatus` reads. */
export interface StatusSources {
  readonly at: ClockPair;
  readonly process: Omit<ProcessFacts, 'startedAt'> & { readonly startedMono: number };
  readonly slots: readonly SlotFacts[];
  readonly interfaces: readonly { readonly name: string; readonly counters: RouterCounters | undefined; readonly io: InterfaceIoCounters }[];
  /** Every tracked object in use (Tracking.objects()): the vrrp_scripts among them are the model's scripts. */
  readonly objects: readonly TrackerInfo[];
  /** Sections the running configuration left out for their errors. */
  readonly disabled: readonly DisabledSection[];
}

export function buildStatus(src: StatusSources): DaemonStatus {
  const { startedMono, ...proc } = src.process;
  return {
    format: STATUS_FORMAT,
    process: { ...proc, startedAt: moment(startedMono, src.at) },
    instances: src.slots.map((s) => instanceStatus(s, src.at)),
    interfaces: src.interfaces.map((i) => ({ name: i.name, open: i.counters !== undefined, counters: { ...(i.counters ?? zeroRouterCounters()) }, io: { ...i.io } })),
    scripts: src.objects.flatMap((o) => scriptStatus(o, src.at)),
    disabled: src.disabled.map((d) => ({ section: d.section, name: d.name, file: d.pos.file, line: d.pos.line, col: d.pos.col })),
  };
}

/** A vrrp_script as the model shows it, once however many instances track it; [] for other kinds. */
function scriptStatus(o: TrackerInfo, at: ClockPair): ScriptStatus[] {
  const c = o.check;
  if (o.kind !== 'vrrp_script' || !c) return [];
  return [{
    name: o.name,
    kind: c.kind,
    state: o.disabled !== undefined ? 'disabled' : o.health,
    ...(o.disabled !== undefined ? { disabled: o.disabled } : {}),
    intervalMs: c.intervalMs,
    timeoutMs: c.timeoutMs,
    ...(c.last ? { last: checkResult(c.last, at) } : {}),
    counters: { ...c.stats },
  }];
}

const KIND_LABEL = { track_interface: 'interface', track_file: 'file', track_process: 'process' } as const;

/** One tracker of an instance: the object's facts under the weight this instance gives it. */
function trackerFacts(t: InstanceTracker, at: ClockPair): TrackerFacts {
  const i = t.info;
  const kind: TrackerKindLabel = i.kind === 'vrrp_script' ? (i.check?.kind ?? 'script') : KIND_LABEL[i.kind];
  const state = kind !== 'interface' ? i.health : i.health === 'healthy' ? 'up' : i.health === 'failed' ? 'down' : 'unknown';
  const last = i.check?.last;
  return {
    name: i.name,
    kind,
    state,
    weight: t.status.weight,
    healthy: t.status.healthy,
    ...(i.value !== undefined ? { value: i.value } : {}),
    ...(!i.check && i.lastResult !== undefined ? { detail: i.lastResult } : {}),
    ...(i.sinceMs !== undefined ? { since: moment(i.sinceMs, at) } : {}),
    ...(t.group !== undefined ? { group: t.group } : {}),
    ...(last ? { last: checkResult(last, at) } : {}),
  };
}

function instanceStatus(s: SlotFacts, at: ClockPair): InstanceStatus {
  const c = s.conf;
  const trackers = s.trackers.map((t) => trackerFacts(t, at));
  const f = s.facts;
  if (!f) {
    return {
      name: c.name, vrid: c.vrid, version: c.version, family: c.family, interface: c.interface,
      state: 'FAULT', waiting: s.waiting ?? 'not started', reasonDetail: '',
      basePriority: c.priority, effectivePriority: c.priority, masterAdverIntervalCs: c.adverIntervalCs,
      linkUp: false, faultReasons: [], trackers,
      vips: s.vips.map((v) => ({ address: v.address, dev: v.dev, present: false })),
      counters: zeroInstanceCounters(), io: zeroInstanceIoCounters(), transitions: [],
    };
  }
  const r = f.router;
  return {
    name: r.name, vrid: r.vrid, version: r.version, family: r.family, interface: c.interface,
    state: r.state,
    since: moment(r.since, at),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    reasonDetail: r.reasonDetail,
    ...(r.masterIp !== undefined ? { masterIp: r.masterIp } : {}),
    ...(r.masterPriority !== undefined ? { masterPriority: r.masterPriority } : {}),
    basePriority: r.basePriority,
    effectivePriority: r.effectivePriority,
    masterAdverIntervalCs: r.masterAdverIntervalCs,
    linkUp: r.linkUp,
    sourceIp: r.sourceIp,
    faultReasons: [...r.faultReasons],
    trackers,
    vips: f.vips.map((v) => ({ address: v.vip.address, dev: v.vip.dev, present: v.present, ...(v.error !== undefined ? { error: v.error } : {}) })),
    counters: { ...r.counters },
    io: { ...f.io },
    transitions: [...f.transitions],
  };
}
