/**
 * The steps of a reload (SIGHUP) that concern the instances, for daemon.ts's `reload`: which
 * slots the new configuration keeps (in place) and which it stops (removed, disabled, or a new
 * virtual router: reload-plan.ts), a kept instance's update and the settling of its trackers,
 * and the log lines that say what the reload did.
 */
import type { DisabledSection, VrrpdConfig, VrrpInstance } from '../config/types.js';
import { advertDestinations, instanceSpec, receiverSpec, socketDevice } from './build.js';
import type { Interfaces } from './interfaces.js';
import type { Logger } from './log.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import type { Slot } from './slot.js';
import type { Tracking } from './tracking.js';

/** The running slots against a new configuration. */
export interface SlotPlans {
  /** The new configuration's instances by name. */
  readonly confs: ReadonlyMap<string, VrrpInstance>;
  /** Each slot's plan; undefined: the new configuration has no such instance. */
  readonly plans: ReadonlyMap<Slot, ReloadPlan | undefined>;
  /** Slots to stop: removed, or restarted as a new virtual router. */
  readonly stopping: readonly Slot[];
  /** Slots kept: unchanged or changed in place. */
  readonly kept: readonly Slot[];
}

/** How the reload from `prev` to `next` treats each of `slots`. */
export function planSlots(slots: Iterable<Slot>, prev: VrrpdConfig, next: VrrpdConfig): SlotPlans {
  const confs = new Map(next.instances.map((c) => [c.name, c]));
  const plans = new Map<Slot, ReloadPlan | undefined>();
  for (const s of slots) {
    const conf = confs.get(s.conf.name);
    plans.set(s, conf && planReload({ config: prev, inst: s.conf }, { config: next, inst: conf }));
  }
  const stopping = [...plans].filter(([, p]) => p === undefined || p.kind === 'restart').map(([s]) => s);
  const kept = [...plans].filter(([, p]) => p !== undefined && p.kind !== 'restart').map(([s]) => s);
  return { confs, plans, stopping, kept };
}

/**
 * An instance the reload keeps: its router takes the new settings (no transition), its host
 * entries change by their difference, its receive path learns new unicast peers. Its source
 * address stays (a configured one is part of its identity). One that waits for its interface
 * simply starts with the new configuration.
 */
export function updateSlot(slot: Slot, config: VrrpdConfig, ifaces: Pick<Interfaces, 'get'>): void {
  const instance = slot.instance;
  if (!instance) return;
  const conf = slot.conf;
  const destinations = advertDestinations(conf, config.global);
  const old = slot.registration;
  if (old && old.destinations.join() !== destinations.join()) {
    const mux = ifaces.get(socketDevice(conf))?.mux;
    old.unregister();
    const reg = mux?.register(conf.name, { spec: receiverSpec(instance, conf.unicastPeers), onAdvert: (rx) => instance.receive(rx), destinations, source: instance.router.sourceIp });
    if (!reg?.ok) throw new Error(`re-registering ${conf.name} after a reload: ${reg?.error.detail ?? 'no interface'}`);
    slot.registration = reg.value;
    if (slot.sender) slot.sender.via = reg.value;
  }
  instance.update(instanceSpec(conf, instance.router.config.primaryIp, config.global.vrrpMcastGroup4), destinations);
}

/** A kept instance's trackers once their objects have a first verdict (a restarted vrrp_script starts unknown): no transient priority. */
export async function settleSlot(slot: Slot, tracking: Pick<Tracking, 'settled' | 'statuses'>): Promise<void> {
  if (!slot.settling) return;
  await tracking.settled(slot.conf);
  slot.settling = false;
  slot.instance?.setTrackers(tracking.statuses(slot.conf));
}

/** One line per instance the reload found in both configurations: what changed, and whether it was applied in place or restarted (and why). */
function logPlans(log: Logger, plans: ReadonlyMap<Slot, ReloadPlan | undefined>): void {
  for (const [s, p] of plans) {
    if (p === undefined || p.kind === 'unchanged') continue;
    const instance = s.conf.name;
    if (p.kind === 'restart') log.warn({ instance, why: p.why }, `${instance}: reload restarts it: ${p.why.join(', ')} changed (a new virtual router: a master hands over with priority 0)`);
    else log.info({ instance, changed: p.changed, state: s.instance?.state ?? 'waiting' }, `${instance}: reload applied in place: ${p.changed.join('; ')}`);
  }
}

/** The reload's summary line, after one line per changed instance. */
export function logReloaded(log: Logger, { confs, plans, stopping, kept }: SlotPlans, r: { readonly before: ReadonlySet<string>; readonly starting: readonly VrrpInstance[]; readonly disabled: readonly DisabledSection[] }): void {
  logPlans(log, plans);
  log.info(
    {
      kept: kept.length,
      restarted: r.starting.filter((c) => r.before.has(c.name)).map((c) => c.name),
      added: r.starting.filter((c) => !r.before.has(c.name)).map((c) => c.name),
      removed: stopping.filter((s) => !confs.has(s.conf.name)).map((s) => s.conf.name),
      disabled: r.disabled.filter((d) => d.section === 'vrrp_instance').map((d) => d.name),
    },
    'configuration reloaded',
  );
}
