/**
 * Effective priority, keepalived's formula: the base priority plus the weights of failed
 * negative trackers and of healthy positive trackers, clamped to 1..254. An address owner
 * (base 255) is never changed. A failed weight-0 tracker puts the instance in FAULT instead.
 */
import type { TrackerStatus } from './types.js';

/** Lowest and highest priority a non-owner may run with (RFC 3768 §5.3.4). */
export const MIN_BACKUP_PRIORITY = 1;
export const MAX_BACKUP_PRIORITY = 254;
/** RFC 3768 §5.3.4: the address owner's priority. */
export const OWNER_PRIORITY = 255;

export interface EffectivePriority {
  readonly priority: number;
  /** Names of failed weight-0 trackers: non-empty means FAULT. */
  readonly faults: readonly string[];
  /** Trackers that currently move the priority, with their signed contribution. */
  readonly contributions: readonly { readonly name: string; readonly delta: number }[];
}

/** keepalived's effective priority of `base` under `trackers`. */
export function effectivePriority(base: number, trackers: readonly TrackerStatus[]): EffectivePriority {
  const faults: string[] = [];
  const contributions: { name: string; delta: number }[] = [];
  for (const t of trackers) {
    if (t.weight === 0) {
      if (!t.healthy) faults.push(t.name);
    } else if (t.weight < 0 && !t.healthy) {
      contributions.push({ name: t.name, delta: t.weight });
    } else if (t.weight > 0 && t.healthy) {
      contributions.push({ name: t.name, delta: t.weight });
    }
  }
  if (base === OWNER_PRIORITY) return { priority: base, faults, contributions };
  const sum = contributions.reduce((acc, c) => acc + c.delta, base);
  const priority = Math.min(MAX_BACKUP_PRIORITY, Math.max(MIN_BACKUP_PRIORITY, sum));
  return { priority, faults, contributions };
}

/** The trackers moving the priority in `prio`, as "name -20". */
export function describeContributions(prio: EffectivePriority): string[] {
  return prio.contributions.map((c) => `${c.name} ${c.delta > 0 ? '+' : ''}${c.delta}`);
}
