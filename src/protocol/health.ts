/**
 * What a router's effective priority and FAULT are decided from (keepalived's FAULT state; the RFCs
 * have none): its link, the address its adverts leave from, its sync group's hold and its trackers.
 * The router keeps one Health and updates it as those inputs arrive; the rules of faults.ts and
 * priority.ts read it as it stands, so a step that changes none of them (a master's advert) builds
 * no summary.
 */
import { faultReason, faultReasons, hasOwnFault, ownFaultReasons, type FaultInputs } from './faults.js';
import { describeContributions, effectivePriority, type EffectivePriority } from './priority.js';
import type { ActionSink, TrackerStatus, TransitionReason } from './types.js';

export class Health implements FaultInputs {
  linkUp = true;
  /** Why the interface has no address to send from, while it has none. */
  noSource: string | undefined = undefined;
  /** Set while a sync group member is in FAULT (keepalived holds the whole group there). */
  syncFault: string | undefined = undefined;
  trackers: readonly TrackerStatus[] = [];
  prio: EffectivePriority;

  constructor(basePriority: number) {
    this.prio = effectivePriority(basePriority, []);
  }

  /** The effective priority of `basePriority` under the trackers, again; a priorityChanged action when it moved. */
  recompute(basePriority: number, out: ActionSink): void {
    const before = this.prio.priority;
    this.prio = effectivePriority(basePriority, this.trackers);
    if (before === this.prio.priority) return;
    const moved = describeContributions(this.prio);
    out.push({ kind: 'priorityChanged', from: before, to: this.prio.priority, detail: moved.length > 0 ? moved.join(', ') : 'all trackers neutral' });
  }

  /** " (chk_nginx -20)" when trackers move the priority: a state line says which one did. */
  trackerNote(): string {
    const moved = describeContributions(this.prio);
    return moved.length > 0 ? ` (${moved.join(', ')})` : '';
  }

  /** Every reason for FAULT now, in words; empty when there is none. */
  reasons(): string[] {
    return faultReasons(this);
  }

  /** The reason to enter FAULT with: the first cause. */
  reason(): TransitionReason {
    return faultReason(this);
  }

  /** A fault of its own, not a sync group's hold (keepalived's num_member_fault counts these). */
  ownFault(): boolean {
    return hasOwnFault(this);
  }

  /** The faults of its own, in words. */
  ownFaultDetail(): string {
    return ownFaultReasons(this).join(', ');
  }
}
