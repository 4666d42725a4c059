/**
 * Why a running router is in FAULT (keepalived's FAULT state; the RFCs have none): its link is
 * down, its interface has no address to send from, a weight-0 tracker failed, or another member
 * of its sync group holds the whole group there. The router passes in what it knows.
 */
import type { EffectivePriority } from './priority.js';
import type { TransitionReason } from './types.js';

/** What FAULT is decided from. */
export interface FaultInputs {
  readonly linkUp: boolean;
  /** Why the interface has no address to send from, while it has none. */
  readonly noSource: string | undefined;
  /** Set while a sync group member is in FAULT (keepalived holds the whole group there). */
  readonly syncFault: string | undefined;
  readonly prio: EffectivePriority;
}

/** Every reason for FAULT now, in words; empty when there is none. */
export function faultReasons(f: FaultInputs): string[] {
  const link = f.linkUp ? [] : ['interface down'];
  const source = f.noSource === undefined ? [] : [`no source address: ${f.noSource}`];
  return [...link, ...source, ...(f.syncFault ? [f.syncFault] : []), ...f.prio.faults.map((name) => `${name} failed`)];
}

/** Faults of this router itself, not a sync group's hold. */
export function ownFaultReasons(f: FaultInputs): string[] {
  return faultReasons(f).filter((r) => r !== f.syncFault);
}

/** A fault of its own: what a sync group counts (keepalived's num_member_fault) while the router runs. */
export function hasOwnFault(f: FaultInputs): boolean {
  return !f.linkUp || f.noSource !== undefined || f.prio.faults.length > 0;
}

/** The reason a router enters FAULT with: the first cause, in this order. */
export function faultReason(f: FaultInputs): TransitionReason {
  if (!f.linkUp) return 'link-down';
  if (f.noSource !== undefined) return 'no-source-address';
  return f.prio.faults.length > 0 ? 'tracker-fault' : 'sync-group';
}
