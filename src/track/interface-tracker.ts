/**
 * `track_interface` entries (and the instance's own interface) as TrackerStatus values.
 * Link down with weight 0 means FAULT; with weight N it changes the priority like a script.
 */
import type { TrackerStatus } from '../protocol/types.js';
import { toTrackerStatus } from './script-tracker.js';

/** One tracked interface as configured: `IFNAME [weight N [reverse|noreverse]]`. */
export interface TrackedInterface {
  readonly ifname: string;
  readonly weight: number;
  readonly reverse: boolean;
}

/** The router's view of one tracked interface; `up` undefined = state not known yet. */
export function interfaceTrackerStatus(t: TrackedInterface, up: boolean | undefined): TrackerStatus {
  const health = up === undefined ? 'unknown' : up ? 'healthy' : 'failed';
  return toTrackerStatus(`interface ${t.ifname}`, health, t.weight, t.reverse);
}
