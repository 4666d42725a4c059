/**
 * One configured instance as the daemon holds it (a slot): running, or waiting for its interface
 * with the reason in `waiting`. The daemon starts slots (daemon.ts `#bring`); these are the steps
 * around a start and a stop that need nothing else of the daemon.
 */
import type { VrrpInstance } from '../config/types.js';
import { removeStale } from '../io/ip-addr.js';
import { armedGroup, armedWentOut } from '../io/kernel-timer.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { Registration } from '../io/vrrp-mux.js';
import { err, ok, type Result } from '../result.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import { instanceSpec, receiverSpec, vipSpecs } from './build.js';
import type { HostEntry } from './host-entry.js';
import type { Iface } from './iface.js';
import { Instance, type InstanceIo, type StateEvent } from './instance.js';
import type { Logger } from './log.js';
import type { Notifications } from './notifications.js';

/** One configured instance: running, or waiting for its interface. */
export interface Slot {
  /** Its configuration; a reload that keeps the instance replaces it (reload-plan.ts). */
  conf: VrrpInstance;
  /** A reload changed its trackers: it keeps its last readings until the new ones have a first verdict. */
  settling?: boolean;
  instance: Instance<HostEntry> | undefined;
  registration: Registration | undefined;
  /** What its instance sends through: its registration, kept until the instance has stopped (its priority-0 advert) and replaced when a reload re-registers it. */
  sender?: { via: Registration | undefined };
  waiting: string | undefined;
  /** Its shutdown's state change: notified (STOP) once its addresses are gone, as keepalived. */
  stopped?: StateEvent;
  /** A start in progress: the retry timer, a link or an address event share it. */
  bringing?: Promise<void> | undefined;
  /** Being reopened (its interface was recreated): no start until that is done. */
  held?: boolean;
}

/** A slot for `conf`, not started yet. */
export function newSlot(conf: VrrpInstance): Slot {
  return { conf, instance: undefined, registration: undefined, waiting: 'starting' };
}

/** The slot cannot start for `why`: it waits (FAULT), logged once per reason. */
export function waitFor(slot: Slot, log: Logger, why: string): void {
  if (slot.waiting !== why) log.warn({ instance: slot.conf.name, why }, 'instance waiting (FAULT) until this is resolved');
  slot.waiting = why;
}

/** Stop the slot's instance (a master hands over), unregister it, then notify its STOP: its addresses are gone by then. */
export async function stopSlot(slot: Slot, notifications: Pick<Notifications, 'instance'>): Promise<void> {
  const instance = slot.instance;
  const registration = slot.registration;
  slot.instance = undefined;
  slot.registration = undefined;
  if (!instance) return;
  await instance.stop();
  registration?.unregister();
  const e = slot.stopped;
  slot.stopped = undefined;
  if (e) notifications.instance(slot.conf, e.to, e.priority);
}

/** Before an instance configured as `conf` starts: remove its VIPs left on the host by an earlier run, logged. */
export async function removeStaleVips(conf: VrrpInstance, others: Iterable<Slot>, log: Logger): Promise<void> {
  // What another running instance holds is not stale (a reload may keep it on a master).
  const held = new Set([...others].flatMap((s) => (s.instance ? vipSpecs(s.conf).map((v) => `${v.address} ${v.dev}`) : [])));
  const mine = vipSpecs(conf).filter((v) => !held.has(`${v.address} ${v.dev}`));
  for (const dev of new Set(mine.map((v) => v.dev))) {
    const stale = await removeStale(dev, mine);
    if (!stale.ok) log.warn({ instance: conf.name, detail: stale.error.detail }, 'could not check for stale virtual addresses');
    else if (stale.value.length > 0) log.warn({ instance: conf.name, removed: stale.value }, 'removed virtual addresses left behind by an earlier run');
  }
}

/** What a new instance's I/O takes from the daemon: the clock, the log, its VIP operations, GARP and the timer metric. */
export type InstanceWiring = Pick<InstanceIo<HostEntry>, 'now' | 'log' | 'vipOps' | 'garp' | 'onTimer' | 'startTrain'>;

/** A slot's sends go through its registration, kept until the instance has stopped and replaced when a reload re-registers it. */
type Sender = NonNullable<Slot['sender']>;

/**
 * A new instance for `conf` that sends from `src` to `targets.destinations` on the opened `iface`,
 * registered with its receive path (not started); `targets.group` is vrrp_mcast_group4 (build.ts
 * `instanceSpec`).
 */
export function wireInstance(
  conf: VrrpInstance,
  src: IpAddress,
  iface: Iface,
  targets: { readonly destinations: readonly IpAddress[]; readonly group: Ipv4Address },
  io: InstanceWiring,
): Result<{ instance: Instance<HostEntry>; registration: Registration; sender: Sender }, string> {
  const destinations = targets.destinations;
  const sender: Sender = { via: undefined };
  const instance = new Instance(instanceSpec(conf, src, targets.group), new SlotIo(io, destinations, sender));
  const reg = iface.mux!.register(conf.name, {
    spec: receiverSpec(instance, conf.unicastPeers),
    onAdvert: (rx) => instance.receive(rx),
    destinations,
    source: src,
  });
  if (!reg.ok) return err(reg.error.detail);
  sender.via = reg.value;
  return ok({ instance, registration: reg.value, sender });
}

const NOT_REGISTERED = { ok: false, error: { detail: 'not registered' } } as const;

/**
 * An instance's I/O: the daemon's wiring, and its sends through the slot's registration. A class,
 * not an object literal spread from the wiring with three arrow functions: each instance's literal
 * had a hidden class of its own (312 bytes), a property array and three closures
 * (native-notes/memory.md, "Bytes kept per instance").
 */
export class SlotIo implements InstanceIo<HostEntry> {
  readonly now: InstanceIo<HostEntry>['now'];
  readonly log: InstanceIo<HostEntry>['log'];
  readonly vipOps: InstanceIo<HostEntry>['vipOps'];
  readonly garp: InstanceIo<HostEntry>['garp'];
  readonly onTimer: InstanceIo<HostEntry>['onTimer'];
  readonly startTrain: InstanceIo<HostEntry>['startTrain'];

  constructor(
    io: InstanceWiring,
    readonly destinations: readonly IpAddress[],
    private readonly sender: Sender,
  ) {
    this.now = io.now;
    this.log = io.log;
    this.vipOps = io.vipOps;
    this.garp = io.garp;
    this.onTimer = io.onTimer;
    this.startTrain = io.startTrain;
  }

  sendTo(payload: Uint8Array, dst: IpAddress, armedSent?: ArmedDatagram): { ok: boolean; error?: { detail: string } } {
    return this.sender.via?.sendTo(payload, dst, armedSent) ?? NOT_REGISTERED;
  }

  prepare(payload: Uint8Array, dst: IpAddress): void {
    this.sender.via?.prepare(payload, dst);
  }

  armTakeover(payload: Uint8Array, dst: IpAddress): ArmedDatagram | undefined {
    return this.sender.via?.arm(payload, dst);
  }

  armGroup(datagrams: readonly ArmedDatagram[]): ArmedDatagram | undefined {
    return armedGroup(datagrams);
  }

  armedSent(datagram: ArmedDatagram): boolean {
    return armedWentOut(datagram);
  }
}
