/**
 * keepalived's answers when two masters meet (a partition heals), beyond RFC 3768 §6.4.3 and
 * RFC 5798 §6.4.3 (keepalived's vrrp_state_master_rx): against a lower-priority master, an advert
 * at once unless lower_prio_no_advert, and garp_lower_prio_repeat GARP bursts, now and again after
 * garp_lower_prio_delay, so the neighbours' ARP caches point back to us; before yielding to a
 * higher-priority one, an advert at our priority with higher_prio_send_advert. The router sends
 * the adverts; the bursts are decided here and the delayed ones kept in its deadlines.
 */
import type { Deadlines } from './deadlines.js';
import { SPLIT_BRAIN_DEFAULTS, type ActionSink, type RouterConfig, type SplitBrainConfig } from './types.js';

/** The split-brain settings of `cfg` (keepalived's defaults when it has none). */
export function splitBrainOf(cfg: RouterConfig): SplitBrainConfig {
  return cfg.splitBrain ?? SPLIT_BRAIN_DEFAULTS;
}

/** The GARP bursts against a lower-priority master's advert: one now, one more after garp_lower_prio_delay. */
export function lowerPriorityGarps(cfg: RouterConfig, timers: Deadlines, now: number, out: ActionSink): void {
  const sb = splitBrainOf(cfg);
  if (sb.garpLowerPrioRepeat <= 0) return;
  out.push({ kind: 'garpBurst', vips: cfg.vips, count: sb.garpLowerPrioRepeat });
  if (sb.garpLowerPrioDelayMs > 0) timers.lowerPrioGarpsAt.push(now + sb.garpLowerPrioDelayMs);
}

/** The delayed bursts due at `now`, each once (a transition drops them all: Deadlines.stop). */
export function dueLowerPriorityGarps(cfg: RouterConfig, timers: Deadlines, now: number, out: ActionSink): void {
  while (timers.takeDueGarps(now)) out.push({ kind: 'garpBurst', vips: cfg.vips, count: splitBrainOf(cfg).garpLowerPrioRepeat });
}

/** After a reload to `cfg`: the delayed bursts it would no longer make are dropped. */
export function reconfigureLowerPriorityGarps(cfg: RouterConfig, timers: Deadlines): void {
  const sb = splitBrainOf(cfg);
  if (sb.garpLowerPrioRepeat <= 0 || sb.garpLowerPrioDelayMs <= 0) timers.lowerPrioGarpsAt = [];
}
