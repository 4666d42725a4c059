/**
 * What every tracked object has in common, whatever its kind (vrrp_script, track_interface,
 * track_file, vrrp_track_process): a reading (a health, or a track_file's number), what the
 * status model shows about it, and keepalived's rule turning a reading plus an instance's
 * `weight N [reverse]` into the router's TrackerStatus. The kinds themselves and how each one
 * runs are registered in src/daemon/trackers/.
 */
import type { TrackerStatus } from '../protocol/types.js';

/** A tracked object's health as keepalived sees it; 'unknown' until the first verdict. */
export type Health = 'unknown' | 'healthy' | 'failed';

/** The kinds of tracked object, by the keyword that defines them. */
export type TrackerKindName = 'vrrp_script' | 'track_interface' | 'track_file' | 'track_process';

/** What a tracked object reports: a health (scripts, interfaces, processes) or a number (track_file). */
export type Reading = { readonly kind: 'health'; readonly health: Health } | { readonly kind: 'value'; readonly value: number };

/**
 * One tracked object as the status model shows it (`vrrpd status`, the dumps, the metrics).
 * Times are monotonic milliseconds from the daemon's clock.
 */
export interface TrackerInfo {
  readonly kind: TrackerKindName;
  readonly name: string;
  /** For track_file: 'healthy' while the value is 0, 'failed' otherwise (keepalived's weight-0 reading). */
  readonly health: Health;
  /** track_file: the number read; track_process: the processes counted. */
  readonly value?: number;
  /** The object's own weight (an instance's `weight N` overrides it). */
  readonly weight: number;
  readonly reverse: boolean;
  /** The last result, in words: "exited with status 1", "link down", "read 5", "2 processes". */
  readonly lastResult?: string;
  /** How long the last check took (scripts). */
  readonly lastDurationMs?: number;
  /** When the health (or value) last changed. */
  readonly sinceMs?: number;
}

/** The reading of a health. */
export const health = (h: Health): Reading => ({ kind: 'health', health: h });

/**
 * Map a health and (weight, reverse) to the router's TrackerStatus, whose rule is "weight > 0
 * adds while healthy, weight < 0 subtracts while failing, weight 0 failing = FAULT". `reverse`
 * flips the direction (keepalived: subtract while up, add while down; weight 0 reverse = FAULT
 * while up): that is the same as negating the weight and inverting the health. 'unknown'
 * contributes nothing; a weight-0 'unknown' reports failing (never master on an unverified
 * check; keepalived instead holds the instance in INIT until the first verdict).
 */
export function healthStatus(name: string, h: Health, weight: number, reverse: boolean): TrackerStatus {
  const w = reverse ? -weight : weight;
  if (h === 'unknown') return { name, weight: w + 0, healthy: w < 0 };
  const up = h === 'healthy';
  return { name, weight: w + 0, healthy: reverse ? !up : up };
}

/** keepalived's bounds for what a track_file moves: at most +253, and -254 or less is FAULT. */
export const FILE_STATUS_MAX = 253;
export const FILE_STATUS_FAULT = -254;

/**
 * keepalived's track_file rule (track_file.c): with weight 0 a non-zero value is a failure
 * (reverse: a zero value is); otherwise value x weight (negated by reverse) is added to the
 * priority, capped at +253, and a result of -254 or less puts the instance in FAULT.
 */
export function fileContribution(value: number, weight: number, reverse: boolean): number | 'fault' {
  if (weight === 0) return (value !== 0) !== reverse ? 'fault' : 0;
  const s = value * weight * (reverse ? -1 : 1);
  if (s <= FILE_STATUS_FAULT) return 'fault';
  return Math.min(FILE_STATUS_MAX, s) + 0;
}

/** A signed contribution (or FAULT) as a TrackerStatus the router's effectivePriority understands. */
export function contributionStatus(name: string, c: number | 'fault'): TrackerStatus {
  if (c === 'fault') return { name, weight: 0, healthy: false };
  return { name, weight: c, healthy: c >= 0 };
}

/** The router's view of one reading under an instance's `weight N [reverse]`. */
export function statusOf(name: string, reading: Reading, weight: number, reverse: boolean): TrackerStatus {
  if (reading.kind === 'health') return healthStatus(name, reading.health, weight, reverse);
  return contributionStatus(name, fileContribution(reading.value, weight, reverse));
}
