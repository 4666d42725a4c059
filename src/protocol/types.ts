/**
 * The router's vocabulary: its configuration, the inputs it is stepped with and the actions it
 * returns. Times are monotonic milliseconds supplied by the caller; the router never reads a clock.
 * One vocabulary for both versions (RFC 3768 VRRPv2, RFC 5798 VRRPv3) and both families.
 */
import type { Family, IpAddress } from '../wire/address.js';
import type { Advert, AdvertAuth, VrrpVersion } from '../wire/types.js';
import type { InstanceCounters, InstanceDropReason } from './counters.js';

export type { DropReason, InstanceCounters } from './counters.js';

/** RFC 3768 §5.3.3 / RFC 5798 §5.2.3 Virtual Rtr ID, 1..255. */
export type Vrid = number & { readonly __brand: 'Vrid' };
/** RFC 3768 §5.3.4 Priority, 0..255 (1..254 configurable, 255 owner, 0 leaving). */
export type Priority = number & { readonly __brand: 'Priority' };

/** Range-checked constructor for a VRID; throws on a programming error (config validates first). */
export function vrid(n: number): Vrid {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new RangeError(`VRID ${n} is outside 1..255`);
  return n as Vrid;
}

/** Range-checked constructor for a priority. */
export function priority(n: number): Priority {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`priority ${n} is outside 0..255`);
  return n as Priority;
}

/** RFC 3768 §6.4 states, plus keepalived's FAULT. INIT is also where a stopped router rests. */
export type RouterState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** What to do with an advert whose address list differs from ours (RFC 3768 §7.1, last check). */
export type AddressMismatchPolicy = 'accept' | 'drop';

/** One tracker's contribution to the effective priority (keepalived's track_script / track_interface). */
export interface TrackerStatus {
  readonly name: string;
  /** 0 = failure means FAULT; < 0 subtract while failing; > 0 add while healthy. */
  readonly weight: number;
  readonly healthy: boolean;
}

/** Everything the router needs to know about one virtual router instance. */
export interface RouterConfig {
  /** Instance name, for logs and transcripts. */
  readonly name: string;
  readonly vrid: Vrid;
  /** RFC 3768 (2) or RFC 5798 (3). */
  readonly version: VrrpVersion;
  /** Address family of the virtual router (v2: IPv4 only). */
  readonly family: Family;
  /** Configured (base) priority, 1..255. 255 = address owner. */
  readonly priority: Priority;
  /**
   * Advertisement_Interval in centiseconds (RFC 3768 §5.3.7: whole seconds, so a multiple of
   * 100; RFC 5798 §6.1: 1..4095).
   */
  readonly adverIntervalCs: number;
  /** RFC 3768 §6.1 / RFC 5798 §6.1 Preempt_Mode (keepalived: false with `nopreempt`). */
  readonly preempt: boolean;
  /** keepalived `preempt_delay`, in ms: how long lower-priority adverts still hold us back. 0 = none. */
  readonly preemptDelayMs: number;
  /** RFC 5798 §6.1 Accept_Mode: a non-owner master takes traffic for the virtual addresses (enforced by io). */
  readonly acceptMode: boolean;
  /** VRRPv2 authentication (type 0 or 1, 8 bytes of data); undefined for VRRPv3. */
  readonly auth: AdvertAuth | undefined;
  /** RFC 3768 §6.1 / RFC 5798 §6.1 IPvX_Addresses: the addresses advertised and held by the master. */
  readonly vips: readonly IpAddress[];
  /** The address our adverts come from: the source in the §6.4.3 tie-break. */
  readonly primaryIp: IpAddress;
  /** §7.1 address list check: 'drop' (RFC and keepalived 2.2.7) or 'accept' (log and process). */
  readonly addressMismatch: AddressMismatchPolicy;
  /** What a master does when it hears another master (keepalived's split-brain knobs); absent: keepalived's defaults. */
  readonly splitBrain?: SplitBrainConfig;
}

/**
 * keepalived's answers to a second master (vrrp.c vrrp_state_master_rx). Defaults (no strict mode):
 * no advert before stepping down, an advert and 5 GARPs now and 5 more after 5 s to a lower one.
 */
export interface SplitBrainConfig {
  /** `higher_prio_send_advert`: send one advert at our priority before stepping down for a higher master. */
  readonly higherPrioSendAdvert: boolean;
  /** `lower_prio_no_advert`: do not answer a lower-priority master's advert with ours (vrrp_strict sets it). */
  readonly lowerPrioNoAdvert: boolean;
  /** `garp_lower_prio_repeat`: gratuitous ARPs per VIP sent at once on hearing a lower-priority master; 0 = none. */
  readonly garpLowerPrioRepeat: number;
  /** `garp_lower_prio_delay`, in ms: the same burst again this long after; 0 = no second burst. */
  readonly garpLowerPrioDelayMs: number;
}

/** keepalived 2.2.7's defaults: garp_lower_prio_* follow vrrp_garp_master_repeat / _delay (5, 5 s). */
export const SPLIT_BRAIN_DEFAULTS: SplitBrainConfig = { higherPrioSendAdvert: false, lowerPrioNoAdvert: false, garpLowerPrioRepeat: 5, garpLowerPrioDelayMs: 5000 };

/** Inputs the router is stepped with, each at a caller-supplied `now`. */
export type Input =
  /**
   * Leave Initialize. `holdMs` (keepalived vrrp_startup_delay, what remains of it): no Master_Down_Timer
   * runs out before now + holdMs, so even the address owner waits in Backup that long.
   */
  | { readonly kind: 'startup'; readonly holdMs?: number }
  | { readonly kind: 'shutdown' }
  /**
   * An advertisement for our VRID that passed the receive path (form, checksum, version, TTL);
   * the router checks its meaning (RFC 3768 §7.1 / RFC 5798 §7.1: owner, auth, interval, addresses).
   */
  | {
      readonly kind: 'advert';
      readonly advert: Advert;
      readonly srcIp: IpAddress;
      /**
       * When it reached the host (the kernel's receive timestamp), if known; a Backup restarts
       * Master_Down_Timer from it (§6.4.2), not from `now`. A time after `now` counts as `now`.
       */
      readonly receivedAt?: number;
    }
  /** The caller reached `nextDeadline()`. Early or spurious calls are harmless. */
  | { readonly kind: 'timeout' }
  /** The complete current set of tracker results; the router derives effective priority and FAULT. */
  | { readonly kind: 'trackers'; readonly trackers: readonly TrackerStatus[] }
  /** The instance's interface went up or down. */
  | { readonly kind: 'link'; readonly up: boolean }
  /**
   * The address our adverts leave from changed (RFC 3768 §5.2.1 primary address, RFC 5798 §5.1.2.1
   * link-local): `ip` undefined means the interface has none left, and the router waits in FAULT
   * (keepalived: an instance whose interface has no address is down); `detail` says why.
   */
  | { readonly kind: 'source'; readonly ip: IpAddress | undefined; readonly detail: string }
  /**
   * keepalived vrrp_sync_group: another member moved, so follow it. MASTER / BACKUP move a
   * running member; FAULT holds it in FAULT until OK.
   */
  | { readonly kind: 'sync'; readonly to: 'MASTER' | 'BACKUP' | 'FAULT' | 'OK'; readonly detail: string }
  /**
   * A reload's new settings for this virtual router, its identity unchanged (protocol/reconfigure.ts
   * IDENTITY): taken in place, with no transition; the state machine goes on under the new values.
   */
  | { readonly kind: 'reconfigure'; readonly config: RouterConfig };

/** Why the router changed state; every transition names one. */
export type TransitionReason =
  | 'startup-owner' // §6.4.1: priority 255 goes straight to Master
  | 'startup' // §6.4.1: everybody else starts in Backup
  | 'master-down-timer' // §6.4.2: no advert from a master within Master_Down_Interval
  | 'higher-priority-advert' // §6.4.3: a better master exists
  | 'shutdown' // §6.4.2 / §6.4.3
  | 'link-down' // keepalived FAULT
  | 'no-source-address' // keepalived FAULT: the interface lost the address adverts leave from
  | 'tracker-fault' // keepalived FAULT: a weight-0 tracker failed
  | 'fault-cleared' // keepalived: back to Backup when the fault clears
  | 'sync-group'; // keepalived vrrp_sync_group: another member moved

/** Effects the caller performs, in order. */
export type Action =
  | { readonly kind: 'sendAdvert'; readonly advert: Advert }
  /** §6.4.3 shutdown / leaving for FAULT: tell backups to take over after Skew_Time. */
  | { readonly kind: 'sendPriorityZero'; readonly advert: Advert }
  | { readonly kind: 'addVips'; readonly vips: readonly IpAddress[] }
  | { readonly kind: 'removeVips'; readonly vips: readonly IpAddress[] }
  /**
   * RFC 3768 §6.4.1 / RFC 5798 §6.4.1, §6.4.2: announce each VIP (gratuitous ARP for IPv4,
   * unsolicited Neighbor Advertisement for IPv6). The caller owns the repeat schedule.
   */
  | { readonly kind: 'garp'; readonly vips: readonly IpAddress[] }
  /** One burst of `count` gratuitous ARPs per VIP now (keepalived garp_lower_prio_repeat), outside the master schedule. */
  | { readonly kind: 'garpBurst'; readonly vips: readonly IpAddress[]; readonly count: number }
  | {
      readonly kind: 'stateChanged';
      readonly from: RouterState;
      readonly to: RouterState;
      readonly reason: TransitionReason;
      /** Extra context (the advert's sender and priority, the tracker that failed...). */
      readonly detail: string;
    }
  | { readonly kind: 'dropped'; readonly reason: InstanceDropReason; readonly from: IpAddress; readonly detail: string }
  /** Accepted but worth a log line: an address list differing from ours (keepalived logs it). */
  | { readonly kind: 'notice'; readonly code: 'address-list-mismatch'; readonly from: IpAddress; readonly detail: string }
  | { readonly kind: 'priorityChanged'; readonly from: number; readonly to: number; readonly detail: string }
  /**
   * keepalived vrrp_sync_group: this running router's own fault (link down, a weight-0 tracker
   * failing) began or ended, whatever its state: a member the group holds in FAULT changes no state
   * when its own fault clears, so the group learns it from this (protocol/sync-group.ts).
   */
  | { readonly kind: 'ownFault'; readonly faulted: boolean; readonly detail: string };

/** Where a step puts its actions, in order: a fresh array (`Router.step`) or the caller's own, reused (`Router.stepInto`). */
export interface ActionSink {
  push(action: Action): unknown;
}

/** A read-only picture of the router for status output and tests. */
export interface RouterSnapshot {
  readonly name: string;
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: Family;
  readonly state: RouterState;
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** The current master's address as far as we know (ours when MASTER), or undefined. */
  readonly masterIp: IpAddress | undefined;
  /** The master's priority as last advertised (ours when MASTER), or undefined. */
  readonly masterPriority: number | undefined;
  /** Master_Adver_Interval in centiseconds: learned from the master under v3, ours otherwise. */
  readonly masterAdverIntervalCs: number;
  /** When the current state was entered (monotonic ms). */
  readonly since: number;
  /** Why the current state was entered, and in more words. */
  readonly reason: TransitionReason | undefined;
  readonly reasonDetail: string;
  readonly linkUp: boolean;
  /** The address our adverts leave from (the config's, or the one an address change gave us). */
  readonly sourceIp: IpAddress;
  readonly faultReasons: readonly string[];
  readonly counters: Readonly<InstanceCounters>;
}
