/**
 * The per-state rules for an accepted advert (RFC 3768 §6.4.2, §6.4.3; RFC 5798 §6.4.2, §6.4.3),
 * as decisions the router applies: whether a Backup honours it (with keepalived's preempt_delay),
 * and whether a Master yields to it. An advert with priority 0 is the router's own case.
 */
import type { IpAddress } from '../wire/address.js';
import { compareAddresses } from './address.js';
import type { RouterConfig } from './types.js';

/** A Backup's verdict on an advert, and the preempt_delay hold to keep. */
export interface BackupVerdict {
  readonly honour: boolean;
  readonly preemptHoldUntil: number | undefined;
}

/**
 * RFC 3768 §6.4.2 / RFC 5798 §6.4.2: whether a Backup at priority `ours` honours an advert at
 * `priority` (resets its Master_Down_Timer) or discards it (and preempts when the timer fires).
 * keepalived preempt_delay honours a lower-priority master until `holdUntil`, set at the first one.
 */
export function backupHonours(cfg: Pick<RouterConfig, 'preempt' | 'preemptDelayMs'>, priority: number, ours: number, now: number, holdUntil: number | undefined): BackupVerdict {
  let honour = !cfg.preempt || priority >= ours;
  if (honour) {
    holdUntil = undefined;
  } else if (cfg.preemptDelayMs > 0) {
    // keepalived preempt_delay: keep deferring to a lower-priority master for a while.
    holdUntil ??= now + cfg.preemptDelayMs;
    honour = now < holdUntil;
  }
  return { honour, preemptHoldUntil: holdUntil };
}

/**
 * RFC 3768 §6.4.3 / RFC 5798 §6.4.3: why a Master at priority `ours`, sending from `ourIp`, steps
 * down for an advert from `srcIp` at `priority` (higher priority, or equal and a higher address),
 * or undefined when it does not.
 */
export function masterYields(priority: number, srcIp: IpAddress, ours: number, ourIp: IpAddress): string | undefined {
  const wins = priority > ours || (priority === ours && compareAddresses(srcIp, ourIp) > 0);
  if (!wins) return undefined;
  return priority > ours ? `priority ${priority} > ours ${ours}` : `equal priority ${ours}, higher address`;
}
