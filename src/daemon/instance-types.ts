/**
 * The shapes around an Instance (instance.ts): what it needs from the outside (its I/O), what it
 * is built from (its spec), what it reports (facts, state and priority events).
 */
import type { AdvertTrain, TrainSpec } from '../io/advert-trains.js';
import type { GarpScheduleConfig } from '../io/garp-schedule.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { RouterConfig, RouterSnapshot, RouterState, TransitionReason } from '../protocol/types.js';
import type { InstanceIoCounters, TransitionCount } from '../status/model.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import type { OldUnicastChecksum } from '../wire/types.js';
import type { Now } from './clock.js';
import type { Logger } from './log.js';
import type { VipOps } from './vip-keeper.js';

/** What an instance needs from the outside; the daemon passes real I/O, tests pass fakes. */
export interface InstanceIo<V> {
  readonly now: Now;
  readonly log: Logger;
  /** Where adverts go: the multicast group, or each unicast peer. */
  readonly destinations: readonly IpAddress[];
  /**
   * Send one advert payload to `dst` (its v3 checksum covers `dst`), synchronously: the datagram is
   * with the kernel on return. `armedSent`: what `armTakeover` gave for it, which the kernel timer
   * already sent: counted, not sent again.
   */
  sendTo(payload: Uint8Array, dst: IpAddress, armedSent?: ArmedDatagram): { ok: boolean; error?: { detail: string } };
  /** Get ready to send `payload` to `dst` (build its datagram) without sending it. */
  prepare?(payload: Uint8Array, dst: IpAddress): void;
  /** The datagram of `payload` to `dst` as the kernel timer can send it by itself at expiry; undefined when it cannot. */
  armTakeover?(payload: Uint8Array, dst: IpAddress): ArmedDatagram | undefined;
  /**
   * Several of `armTakeover`'s datagrams (one socket) as one the kernel timer sends to each at one
   * expiry, in order (the takeover advert to every unicast peer); undefined when it cannot.
   */
  armGroup?(datagrams: readonly ArmedDatagram[]): ArmedDatagram | undefined;
  /** Whether the last fire of a datagram `armTakeover` gave (alone or in a group) sent it. */
  armedSent?(datagram: ArmedDatagram): boolean;
  /**
   * A master's steady advert sent by the addon at each Adver_Timer deadline without waking
   * JavaScript (advert-train.ts); absent or undefined: the instance's own timer sends it.
   */
  startTrain?(spec: TrainSpec): AdvertTrain | undefined;
  readonly vipOps: VipOps<V>;
  /** One gratuitous ARP per address, `count` times, and how many went out; undefined when GARP is unavailable. */
  garp?(addresses: readonly IpAddress[], count: number): Promise<{ sent: number; failed: number }>;
  /** Every VRRP timer fire, with how late it was (ms): the metrics' lateness histogram. */
  onTimer?(lateMs: number): void;
}

/** What the instance knows beyond the router: io counters, transitions by reason, its VIPs. */
export interface InstanceFacts<V> {
  readonly router: RouterSnapshot;
  readonly io: Readonly<InstanceIoCounters>;
  readonly transitions: readonly TransitionCount[];
  readonly vips: readonly { readonly vip: V; readonly present: boolean; readonly error?: string }[];
  /** Whether the last `ip addr` pass left every VIP as the router wants. */
  readonly vipsSettled: boolean;
}

export interface InstanceSpec<V> {
  readonly router: RouterConfig;
  /** virtual_ipaddress and virtual_ipaddress_excluded (and their no_accept drop entries): all added and removed together. */
  readonly vips: readonly V[];
  /** virtual_routes and virtual_rules: added once the VIPs' pass is done, removed with them (none by default). */
  readonly routes?: readonly V[];
  /** Addresses to announce by gratuitous ARP. */
  readonly garpAddresses: readonly IpAddress[];
  readonly garp: GarpScheduleConfig;
  /** VRRPv3 over IPv4 in unicast mode: keepalived's `old_unicast_checksum` and the group it computes with. */
  readonly oldUnicastChecksum?: { readonly mode: OldUnicastChecksum; readonly group: Ipv4Address };
}

/** The effective priority moved (keepalived's notify_priority_changes). */
export interface PriorityEvent {
  readonly instance: string;
  readonly from: number;
  readonly to: number;
  /** The state the instance is in. */
  readonly state: RouterState;
}

/** A state change as the daemon reports it to notify scripts, sync groups and logs. */
export interface StateEvent {
  readonly instance: string;
  readonly from: RouterState;
  readonly to: RouterState;
  readonly reason: TransitionReason;
  readonly detail: string;
  readonly priority: number;
}
