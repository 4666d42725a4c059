/**
 * The status model, defined once: what `vrrpd status` and `status --json` print, what the SIGUSR1
 * dump writes, what the statistics (SIGUSR2) and the Prometheus metrics read. The daemon builds one
 * `DaemonStatus` on demand (src/daemon/status.ts); everything else only reads it.
 *
 * Counters are the counter model's (protocol/counters.ts: RFC 2787 / RFC 6527, per interface and
 * per virtual router) plus the daemon-level ones defined here, where the event happens in io:
 * adverts the socket refused, gratuitous ARPs, `ip addr` failures, late timers, script results.
 */
import type { SectionRef } from '../config/types.js';
import type { CounterSpec, InstanceCounters, RouterCounters } from '../protocol/counters.js';
import type { RouterState, TransitionReason } from '../protocol/types.js';
import type { Family } from '../wire/address.js';
import type { VrrpVersion } from '../wire/types.js';

/** Bumped when a field changes meaning or goes away (adding one does not). */
export const STATUS_FORMAT = 1;

/** The VRRP timer lateness above which a fire is counted (and logged) as late, ms. */
export const LATE_TIMER_MS = 100;

/** Per virtual router counters kept by the daemon around the router (io-level events). */
export const INSTANCE_IO_COUNTERS = {
  advertSendErrors: { help: 'adverts the socket refused to send (one per destination)' },
  garpSent: { help: 'gratuitous ARPs sent for the virtual addresses' },
  garpFailures: { help: 'gratuitous ARPs that could not be sent' },
  vipAddFailures: { help: 'failed attempts to add a virtual address (ip addr add; each retry counts)' },
  vipRemoveFailures: { help: 'failed attempts to remove a virtual address (ip addr del; each retry counts)' },
  vipRestored: { help: 'virtual addresses removed from the interface by someone else while master, and added back' },
  sourceChanges: { help: 'times the adverts\' source address followed an address change on the interface' },
  timerLate: { help: `VRRP timers that fired more than ${LATE_TIMER_MS} ms after their deadline` },
} as const satisfies Record<string, CounterSpec>;

/** Per interface counters of its raw VRRP sockets (the VRRP socket and the AH one, summed). */
export const INTERFACE_IO_COUNTERS = {
  socketSent: { help: 'datagrams the raw VRRP socket sent' },
  socketSendErrors: { help: 'sends the raw VRRP socket refused' },
  socketRecvErrors: { help: 'receive errors reported by the raw sockets' },
  socketRxUnstamped: { help: 'adverts timed when read, not by a trusted kernel receive timestamp (none given, or the wall clock stepped)' },
} as const satisfies Record<string, CounterSpec>;

/** The log: lines written to stdout, or not (a full or broken pipe drops lines rather than block the timers). */
export interface LogFacts {
  /** Lines dropped so far: the pipe was full, or broken. */
  readonly linesDropped: number;
  /** Why the log is lost for good (the pipe's error, EPIPE...), once it is. */
  readonly lost?: string;
}

/** Per vrrp_script counters (a script shared by several instances is counted once). */
export const SCRIPT_COUNTERS = {
  runs: { help: 'checks started' },
  skipped: { help: 'checks not started because the previous one was still running' },
  timeouts: { help: 'checks killed at their timeout (a failure)' },
  failures: { help: 'checks that failed other than by timeout (non-zero exit, signal, could not start, connect refused)' },
} as const satisfies Record<string, CounterSpec>;

export type InstanceIoCounterName = keyof typeof INSTANCE_IO_COUNTERS;
export type InterfaceIoCounterName = keyof typeof INTERFACE_IO_COUNTERS;
export type InterfaceIoCounters = Record<InterfaceIoCounterName, number>;
export type ScriptCounterName = keyof typeof SCRIPT_COUNTERS;
export type InstanceIoCounters = Record<InstanceIoCounterName, number>;
export type ScriptCounters = Record<ScriptCounterName, number>;

/** All daemon-level instance counters at zero. */
export function zeroInstanceIoCounters(): InstanceIoCounters {
  return zeroOf(INSTANCE_IO_COUNTERS);
}

/** All interface socket counters at zero. */
export function zeroInterfaceIoCounters(): InterfaceIoCounters {
  return zeroOf(INTERFACE_IO_COUNTERS);
}

function zeroOf<K extends string>(spec: Record<K, CounterSpec>): Record<K, number> {
  return Object.fromEntries(Object.keys(spec).map((k) => [k, 0])) as Record<K, number>;
}

/** A moment on both clocks: monotonic (what the timers use) and wall (what a person reads). */
export interface Moment {
  /** Monotonic ms of the daemon's clock (performance.now of its process). */
  readonly monotonicMs: number;
  /** Epoch ms, derived from the monotonic time when the status was taken. */
  readonly wallMs: number;
  /** How long ago, ms, when the status was taken. */
  readonly agoMs: number;
}

/** One check's result (a vrrp_script run or a check_tcp connect). */
export interface CheckResult {
  readonly ok: boolean;
  /** "succeeded", "exited with status 1", "timed out"... */
  readonly result: string;
  readonly at: Moment;
  readonly durationMs: number;
}

export type ScriptKind = 'script' | 'check_tcp';
export type ScriptHealthState = 'unknown' | 'healthy' | 'failed';

/** One vrrp_script as the daemon runs it (once however many instances track it). */
export interface ScriptStatus {
  readonly name: string;
  readonly kind: ScriptKind;
  readonly state: ScriptHealthState | 'disabled';
  /** Why it is disabled (script security, unknown user); only then. */
  readonly disabled?: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly last?: CheckResult;
  readonly counters: ScriptCounters;
}

/** The kinds of tracker, as the status and the metrics' `kind` label name them (a vrrp_script by how it checks). */
export type TrackerKindLabel = ScriptKind | 'interface' | 'file' | 'process';

/** One tracker as one instance counts it (track_script, track_interface, track_file, track_process). */
export interface TrackerFacts {
  readonly name: string;
  readonly kind: TrackerKindLabel;
  /**
   * A script's or a process's health, an interface's link ('unknown' before the first word on
   * it); a track_file is 'healthy' while its value is 0 (keepalived's weight-0 reading).
   */
  readonly state: ScriptHealthState | 'up' | 'down';
  /**
   * The weight as this instance applies it (its override, negated by `reverse`); 0 = FAULT when
   * failing. For a track_file, what its value moves the priority by now (value x weight, capped).
   */
  readonly weight: number;
  /** Whether the router counts it as healthy now (reverse applied). */
  readonly healthy: boolean;
  /** track_file: the number read; track_process: the processes counted. */
  readonly value?: number;
  /** The last reading in words, for the kinds without checks ("link up", "read 5", "2 processes running, 1 or more wanted"). */
  readonly detail?: string;
  /** When its health (or value) last changed. */
  readonly since?: Moment;
  /** Tracked through this vrrp_sync_group rather than by the instance itself. */
  readonly group?: string;
  readonly last?: CheckResult;
}

/** One virtual address of an instance and whether it is in place, as vrrpd's last `ip addr` on it left it. */
export interface VipFacts {
  readonly address: string;
  readonly dev: string;
  readonly present: boolean;
  /** The last failure adding or removing it, until a later attempt succeeds. */
  readonly error?: string;
}

/** How many transitions from `from` into `to` for `reason`. */
export interface TransitionCount {
  readonly from: RouterState;
  readonly to: RouterState;
  readonly reason: TransitionReason;
  readonly count: number;
}

/** One vrrp_instance. */
export interface InstanceStatus {
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: Family;
  readonly interface: string;
  readonly state: RouterState;
  /** Not running: why (interface missing, no address, VRID taken...); the state is then FAULT. */
  readonly waiting?: string;
  /** When the current state was entered; undefined while waiting. */
  readonly since?: Moment;
  /** Why the current state was entered, and in more words. */
  readonly reason?: TransitionReason;
  readonly reasonDetail: string;
  /** The current master as far as we know (ours when MASTER). */
  readonly masterIp?: string;
  readonly masterPriority?: number;
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** Master_Adver_Interval, centiseconds: learned from the master under v3, ours otherwise. */
  readonly masterAdverIntervalCs: number;
  readonly linkUp: boolean;
  /** The address adverts leave from (follows the interface's addresses); undefined while waiting. */
  readonly sourceIp?: string;
  readonly faultReasons: readonly string[];
  readonly trackers: readonly TrackerFacts[];
  readonly vips: readonly VipFacts[];
  /** The counter model's per virtual router counters. */
  readonly counters: InstanceCounters;
  /** The daemon-level per virtual router counters. */
  readonly io: InstanceIoCounters;
  readonly transitions: readonly TransitionCount[];
}

/** One interface's router-wide counters (what is known before a packet is matched to an instance). */
export interface InterfaceStatus {
  readonly name: string;
  readonly open: boolean;
  /** The counter model's router-wide counters for this interface. */
  readonly counters: RouterCounters;
  readonly io: InterfaceIoCounters;
}

/** Facts about the vrrpd process. */
export interface ProcessFacts {
  readonly pid: number;
  readonly version: string;
  readonly node: string;
  readonly config: string;
  readonly configId?: string;
  readonly runDir: string;
  readonly startedAt: Moment;
  /** The Prometheus endpoint, when one is configured: where, and why it is not serving. */
  readonly metrics?: { readonly listen: string; readonly error?: string };
  readonly log: LogFacts;
}

/** A section of the running configuration left out for its own errors (`vrrpd check` lists them). */
export interface DisabledSectionStatus {
  readonly section: SectionRef['section'];
  readonly name: string;
  /** Where it is defined. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Everything `vrrpd status` knows. */
export interface DaemonStatus {
  readonly format: typeof STATUS_FORMAT;
  readonly process: ProcessFacts;
  readonly instances: readonly InstanceStatus[];
  readonly interfaces: readonly InterfaceStatus[];
  readonly scripts: readonly ScriptStatus[];
  /** Sections the running configuration (the last one loaded) left out for their errors; they do not run. */
  readonly disabled: readonly DisabledSectionStatus[];
}

/** The statistics part of the status: every counter, for the SIGUSR2 dump (keepalived's vrrp.stats). */
export interface DaemonStatistics {
  readonly format: typeof STATUS_FORMAT;
  readonly pid: number;
  readonly uptimeMs: number;
  readonly log: LogFacts;
  readonly instances: readonly {
    readonly name: string;
    readonly vrid: number;
    readonly interface: string;
    readonly counters: InstanceCounters;
    readonly io: InstanceIoCounters;
    readonly transitions: readonly TransitionCount[];
  }[];
  readonly interfaces: readonly { readonly name: string; readonly counters: RouterCounters; readonly io: InterfaceIoCounters }[];
  readonly scripts: readonly { readonly name: string; readonly counters: ScriptCounters }[];
}

/** The counters of a status, without the state around them. */
export function statisticsOf(s: DaemonStatus): DaemonStatistics {
  return {
    format: s.format,
    pid: s.process.pid,
    uptimeMs: s.process.startedAt.agoMs,
    log: s.process.log,
    instances: s.instances.map((i) => ({ name: i.name, vrid: i.vrid, interface: i.interface, counters: i.counters, io: i.io, transitions: i.transitions })),
    interfaces: s.interfaces.map((i) => ({ name: i.name, counters: i.counters, io: i.io })),
    scripts: s.scripts.map((x) => ({ name: x.name, counters: x.counters })),
  };
}

/** True when `v` looks like a status of this format (a daemon of another version may answer). */
export function isDaemonStatus(v: unknown): v is DaemonStatus {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<DaemonStatus>;
  return s.format === STATUS_FORMAT && typeof s.process === 'object' && Array.isArray(s.instances) && Array.isArray(s.interfaces) && Array.isArray(s.scripts);
}
