/**
 * The Prometheus metrics, derived from the status model (pure: what to expose, not how). Every
 * counter of the counter model (protocol/counters.ts) and of the daemon-level model (model.ts)
 * becomes a metric without being named here again:
 *   - a drop reason (DROP_REASONS) is a `reason` label of `vrrpd_adverts_dropped_total` (per
 *     instance) or `vrrpd_interface_packets_dropped_total` (per interface);
 *   - any other counter `fooBar` is `vrrpd_foo_bar_total` (per instance), `vrrpd_interface_foo_bar_total`
 *     or `vrrpd_script_foo_bar_total`, its help the model's (with the MIB object it mirrors).
 * Gauges for state, priorities, VIPs and trackers are listed below; histograms (check duration,
 * timer lateness) are observed as events happen, since a status snapshot has no distribution.
 */
import { DROP_REASONS, INSTANCE_COUNTERS, ROUTER_COUNTERS, type CounterSpec } from '../protocol/counters.js';
import type { RouterState } from '../protocol/types.js';
import { INSTANCE_IO_COUNTERS, INTERFACE_IO_COUNTERS, SCRIPT_COUNTERS, type DaemonStatus, type InstanceStatus, type ScriptStatus, type TrackerFacts } from './model.js';

export type MetricType = 'counter' | 'gauge';

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric: its name, help, type and label names, and how to read its samples from a status. */
export interface MetricDef {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  samples(s: DaemonStatus): Sample[];
}

/**
 * Labels of every per-instance series. Not `instance`: Prometheus gives that name to the scraped
 * target and would rename ours to `exported_instance`.
 */
export const INSTANCE_LABELS = ['vrrp_instance', 'vrid', 'interface'] as const;
const SCRIPT_LABELS = ['script', 'kind'] as const;

export const ROUTER_STATES: readonly RouterState[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
const SCRIPT_STATES: readonly ScriptStatus['state'][] = ['unknown', 'healthy', 'failed', 'disabled'];
/** A tracker's possible states: an interface's link, any other kind's health. */
const trackerStates = (t: TrackerFacts): readonly TrackerFacts['state'][] => (t.kind === 'interface' ? ['unknown', 'up', 'down'] : ['unknown', 'healthy', 'failed']);
const TRACKER_LABELS = [...INSTANCE_LABELS, 'tracker', 'kind'] as const;

/** Histograms, observed as events happen (bucket bounds in seconds). */
export const HISTOGRAMS = {
  checkDuration: {
    name: 'vrrpd_check_duration_seconds',
    help: 'duration of each vrrp_script check (a run or a check_tcp connect), timeouts included',
    labels: SCRIPT_LABELS,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  },
  timerLateness: {
    name: 'vrrpd_timer_lateness_seconds',
    help: 'how late each VRRP timer (advert, Master_Down) fired after its deadline',
    labels: INSTANCE_LABELS,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
  },
} as const;
export type HistogramName = keyof typeof HISTOGRAMS;

/** `advertiseRcvd` -> `advertise_rcvd`. */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The help of a counter: the model's text and the MIB object it mirrors. */
function counterHelp(spec: CounterSpec): string {
  return spec.mib ? `${spec.help} (${spec.mib})` : spec.help;
}

export function instanceLabels(i: Pick<InstanceStatus, 'name' | 'vrid' | 'interface'>): Record<(typeof INSTANCE_LABELS)[number], string> {
  return { vrrp_instance: i.name, vrid: String(i.vrid), interface: i.interface };
}

export function scriptLabels(x: Pick<ScriptStatus, 'name' | 'kind'>): Record<(typeof SCRIPT_LABELS)[number], string> {
  return { script: x.name, kind: x.kind };
}

const one = (b: boolean): number => (b ? 1 : 0);

function gauge(name: string, help: string, labels: readonly string[], samples: (s: DaemonStatus) => Sample[]): MetricDef {
  return { name, help, type: 'gauge', labels, samples };
}

/** A gauge with one series per instance. */
function perInstance(name: string, help: string, value: (i: InstanceStatus) => number | undefined): MetricDef {
  return gauge(name, help, INSTANCE_LABELS, (s) =>
    s.instances.flatMap((i) => {
      const v = value(i);
      return v === undefined ? [] : [{ labels: instanceLabels(i), value: v }];
    }),
  );
}

/** Counters of one scope, each its own metric; drop reasons (not benign) go to `dropped` instead. */
function counterMetrics(
  specs: Readonly<Record<string, CounterSpec>>,
  prefix: string,
  labels: readonly string[],
  rows: (s: DaemonStatus) => readonly { labels: Record<string, string>; counters: Readonly<Record<string, number>> }[],
  dropped?: { name: string; help: string; scope: 'router' | 'instance' },
): MetricDef[] {
  const reasons = Object.entries(DROP_REASONS).filter(([, d]) => d.scope === dropped?.scope && !specs[d.counter]?.benign);
  const asDrop = new Set(reasons.map(([, d]) => d.counter as string));
  const own = Object.entries(specs).filter(([k]) => !asDrop.has(k));
  const defs: MetricDef[] = own.map(([key, spec]) => ({
    name: `${prefix}${snakeCase(key)}_total`,
    help: counterHelp(spec),
    type: 'counter',
    labels,
    samples: (s) => rows(s).map((r) => ({ labels: r.labels, value: r.counters[key] ?? 0 })),
  }));
  if (dropped) {
    defs.push({
      name: dropped.name,
      help: dropped.help,
      type: 'counter',
      labels: [...labels, 'reason'],
      samples: (s) => rows(s).flatMap((r) => reasons.map(([reason, d]) => ({ labels: { ...r.labels, reason }, value: r.counters[d.counter] ?? 0 }))),
    });
  }
  return defs;
}

function instanceGauges(): MetricDef[] {
  return [
    gauge('vrrpd_instance_info', 'a vrrp_instance: its protocol version and address family (always 1)', [...INSTANCE_LABELS, 'version', 'family'], (s) =>
      s.instances.map((i) => ({ labels: { ...instanceLabels(i), version: String(i.version), family: i.family }, value: 1 })),
    ),
    gauge('vrrpd_instance_state', 'the instance state: 1 for the current one (RFC 3768 / RFC 5798 §6.4, plus FAULT)', [...INSTANCE_LABELS, 'state'], (s) =>
      s.instances.flatMap((i) => ROUTER_STATES.map((st) => ({ labels: { ...instanceLabels(i), state: st }, value: one(i.state === st) }))),
    ),
    perInstance('vrrpd_instance_waiting', '1 while the instance cannot run (interface missing, no address, VRID taken)', (i) => one(i.waiting !== undefined)),
    perInstance('vrrpd_instance_state_since_timestamp_seconds', 'when the current state was entered (Unix time)', (i) => (i.since ? i.since.wallMs / 1000 : undefined)),
    perInstance('vrrpd_instance_base_priority', 'configured priority (255: address owner)', (i) => i.basePriority),
    perInstance('vrrpd_instance_effective_priority', 'priority after the trackers, as advertised', (i) => i.effectivePriority),
    perInstance('vrrpd_instance_master_priority', "the current master's advertised priority, when known", (i) => i.masterPriority),
    perInstance('vrrpd_instance_link_up', "1 while the instance's interface is up", (i) => one(i.linkUp)),
    gauge('vrrpd_instance_vip_present', '1 while the virtual address is in place (as the last ip addr on it left it)', [...INSTANCE_LABELS, 'address'], (s) =>
      s.instances.flatMap((i) => i.vips.map((v) => ({ labels: { ...instanceLabels(i), address: v.address }, value: one(v.present) }))),
    ),
    ...trackerGauges(),
    {
      name: 'vrrpd_transitions_total',
      help: 'state transitions, by the state left, the state entered and the reason',
      type: 'counter',
      labels: [...INSTANCE_LABELS, 'from', 'to', 'reason'],
      samples: (s) => s.instances.flatMap((i) => i.transitions.map((t) => ({ labels: { ...instanceLabels(i), from: t.from, to: t.to, reason: t.reason }, value: t.count }))),
    },
  ];
}

/** A gauge with one series per tracker of each instance (every kind: script, check_tcp, interface, file, process). */
function perTracker(name: string, help: string, value: (t: TrackerFacts) => number | undefined): MetricDef {
  return gauge(name, help, TRACKER_LABELS, (s) =>
    s.instances.flatMap((i) =>
      i.trackers.flatMap((t) => {
        const v = value(t);
        return v === undefined ? [] : [{ labels: { ...instanceLabels(i), tracker: t.name, kind: t.kind }, value: v }];
      }),
    ),
  );
}

function trackerGauges(): MetricDef[] {
  return [
    perTracker('vrrpd_tracker_healthy', '1 while the tracker counts as healthy for the instance (reverse applied)', (t) => one(t.healthy)),
    perTracker('vrrpd_tracker_weight', "the tracker's weight for the instance (reverse applied; a track_file's value x weight); 0 = FAULT when failing", (t) => t.weight),
    perTracker('vrrpd_tracker_value', 'what a track_file reads, or how many processes a vrrp_track_process counts', (t) => t.value),
    gauge('vrrpd_tracker_state', "the tracker's state: 1 for the current one (an interface's link; any other kind's health)", [...TRACKER_LABELS, 'state'], (s) =>
      s.instances.flatMap((i) =>
        i.trackers.flatMap((t) => trackerStates(t).map((st) => ({ labels: { ...instanceLabels(i), tracker: t.name, kind: t.kind, state: st }, value: one(t.state === st) }))),
      ),
    ),
  ];
}

function scriptGauges(): MetricDef[] {
  return [
    gauge('vrrpd_script_state', 'the vrrp_script state: 1 for the current one', [...SCRIPT_LABELS, 'state'], (s) =>
      s.scripts.flatMap((x) => SCRIPT_STATES.map((st) => ({ labels: { ...scriptLabels(x), state: st }, value: one(x.state === st) }))),
    ),
  ];
}

/** Every metric read from the status model (histograms apart). */
export function metricDefs(): MetricDef[] {
  const instances = (s: DaemonStatus) => s.instances.map((i) => ({ labels: instanceLabels(i), counters: i.counters }));
  const instanceIo = (s: DaemonStatus) => s.instances.map((i) => ({ labels: instanceLabels(i), counters: i.io }));
  const ifaces = (s: DaemonStatus) => s.interfaces.map((i) => ({ labels: { interface: i.name }, counters: i.counters }));
  const ifaceIo = (s: DaemonStatus) => s.interfaces.map((i) => ({ labels: { interface: i.name }, counters: i.io }));
  const scripts = (s: DaemonStatus) => s.scripts.map((x) => ({ labels: scriptLabels(x), counters: x.counters }));
  return [
    gauge('vrrpd_build_info', 'vrrpd and Node.js versions (always 1)', ['version', 'node_version'], (s) => [{ labels: { version: s.process.version, node_version: s.process.node }, value: 1 }]),
    {
      name: 'vrrpd_log_lines_dropped_total',
      help: 'log lines not written: stdout was full or broken (vrrpd drops lines rather than block its timers)',
      type: 'counter',
      labels: [],
      samples: (s) => [{ labels: {}, value: s.process.log.linesDropped }],
    },
    gauge('vrrpd_config_section_disabled', 'a section of the running configuration left out for its own errors (always 1; see vrrpd check)', ['section', 'name'], (s) =>
      s.disabled.map((d) => ({ labels: { section: d.section, name: d.name }, value: 1 })),
    ),
    ...instanceGauges(),
    ...counterMetrics(INSTANCE_COUNTERS, 'vrrpd_', INSTANCE_LABELS, instances, {
      name: 'vrrpd_adverts_dropped_total',
      help: 'adverts for this virtual router dropped, by reason (each reason is one RFC 2787 / RFC 6527 counter; see vrrpd status)',
      scope: 'instance',
    }),
    ...counterMetrics(INSTANCE_IO_COUNTERS, 'vrrpd_', INSTANCE_LABELS, instanceIo),
    ...counterMetrics(ROUTER_COUNTERS, 'vrrpd_interface_', ['interface'], ifaces, {
      name: 'vrrpd_interface_packets_dropped_total',
      help: 'VRRP packets dropped before reaching a virtual router, by reason (RFC 2787 vrrpRouterStatistics and vrrpd checks)',
      scope: 'router',
    }),
    ...counterMetrics(INTERFACE_IO_COUNTERS, 'vrrpd_interface_', ['interface'], ifaceIo),
    ...scriptGauges(),
    ...counterMetrics(SCRIPT_COUNTERS, 'vrrpd_script_', SCRIPT_LABELS, scripts),
  ];
}

/** The label sets each histogram should have now (series of removed instances and scripts go away). */
export function histogramSeries(s: DaemonStatus): Record<HistogramName, Record<string, string>[]> {
  return {
    checkDuration: s.scripts.filter((x) => x.state !== 'disabled').map(scriptLabels),
    timerLateness: s.instances.filter((i) => i.waiting === undefined).map(instanceLabels),
  };
}
