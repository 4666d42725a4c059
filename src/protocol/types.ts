/**
 * The router's vocabulary: its configuration, the inputs it is stepped with and the actions it
 * returns. Times are monotonic milliseconds supplied by the caller; the router never reads a clock.
 */
import type { Advert, Ipv4String } from '../wire/types.js';

/** RFC 3768 §5.3.3 Virtual Rtr ID, 1..255. */
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
  /** Configured (base) priority, 1..255. 255 = address owner. */
  readonly priority: Priority;
  /** RFC 3768 §5.3.7 Advertisement_Interval, in ms (a whole number of seconds for VRRPv2). */
  readonly adverIntervalMs: number;
  /** RFC 3768 §6.1 Preempt_Mode (keepalived: false with `nopreempt`). */
  readonly preempt: boolean;
  /** keepalived `preempt_delay`, in ms: how long lower-priority adverts still hold us back. 0 = none. */
  readonly preemptDelayMs: number;
  /** 0 none, 1 simple text password. */
  readonly authType: 0 | 1;
  /** 8 bytes: the password truncated / zero-padded to 8, or zeros for no auth. */
  readonly authData: Uint8Array;
  /** RFC 3768 §6.1 IP_Addresses: the addresses advertised and held by the master. */
  readonly vips: readonly Ipv4String[];
  /** The primary address of our interface: source of our adverts and the §6.4.3 tie-break. */
  readonly primaryIp: Ipv4String;
  /** RFC 3768 §7.1 address list check: 'drop' (RFC and keepalived 2.2.7) or 'accept' (log and process). */
  readonly addressMismatch: AddressMismatchPolicy;
}

/** Inputs the router is stepped with, each at a caller-supplied `now`. */
export type Input =
  | { readonly kind: 'startup' }
  | { readonly kind: 'shutdown' }
  /** An advertisement that parsed (form checked by wire/); the router checks its meaning (§7.1). */
  | { readonly kind: 'advert'; readonly advert: Advert; readonly srcIp: Ipv4String; readonly ttl: number }
  /** The caller reached `nextDeadline()`. Early or spurious calls are harmless. */
  | { readonly kind: 'timeout' }
  /** The complete current set of tracker results; the router derives effective priority and FAULT. */
  | { readonly kind: 'trackers'; readonly trackers: readonly TrackerStatus[] }
  /** The instance's interface went up or down. */
  | { readonly kind: 'link'; readonly up: boolean }
  /**
   * keepalived vrrp_sync_group: another member moved, so follow it. MASTER / BACKUP move a
   * running member; FAULT holds it in FAULT until OK.
   */
  | { readonly kind: 'sync'; readonly to: 'MASTER' | 'BACKUP' | 'FAULT' | 'OK'; readonly detail: string };

/** Why the router changed state; every transition names one. */
export type TransitionReason =
  | 'startup-owner' // §6.4.1: priority 255 goes straight to Master
  | 'startup' // §6.4.1: everybody else starts in Backup
  | 'master-down-timer' // §6.4.2: no advert from a master within Master_Down_Interval
  | 'higher-priority-advert' // §6.4.3: a better master exists
  | 'shutdown' // §6.4.2 / §6.4.3
  | 'link-down' // keepalived FAULT
  | 'tracker-fault' // keepalived FAULT: a weight-0 tracker failed
  | 'fault-cleared' // keepalived: back to Backup when the fault clears
  | 'sync-group'; // keepalived vrrp_sync_group: another member moved

/** Why a syntactically valid advertisement was not processed (RFC 3768 §7.1, RFC 2787 names). */
export type DropReason =
  | 'ip-ttl' // vrrpStatsIpTtlErrors
  | 'vrid' // vrrpRouterVrIdErrors: not our VRID
  | 'owner' // §7.1: we own the addresses (priority 255) and another router claims our VRID
  | 'auth-type-mismatch' // vrrpStatsAuthTypeMismatch
  | 'auth-failure' // vrrpStatsAuthFailures
  | 'interval-mismatch' // vrrpStatsAdvertiseIntervalErrors
  | 'address-list' // vrrpStatsAddressListErrors (only when addressMismatch is 'drop')
  | 'not-running'; // received in INIT or FAULT: nothing to do with it

/** Effects the caller performs, in order. */
export type Action =
  | { readonly kind: 'sendAdvert'; readonly advert: Advert }
  /** §6.4.3 shutdown / leaving for FAULT: tell backups to take over after Skew_Time. */
  | { readonly kind: 'sendPriorityZero'; readonly advert: Advert }
  | { readonly kind: 'addVips'; readonly vips: readonly Ipv4String[] }
  | { readonly kind: 'removeVips'; readonly vips: readonly Ipv4String[] }
  /** §6.4.1 / §6.4.2: broadcast a gratuitous ARP for each VIP. The caller owns the repeat schedule. */
  | { readonly kind: 'garp'; readonly vips: readonly Ipv4String[] }
  | {
      readonly kind: 'stateChanged';
      readonly from: RouterState;
      readonly to: RouterState;
      readonly reason: TransitionReason;
      /** Extra context (the advert's sender and priority, the tracker that failed...). */
      readonly detail: string;
    }
  | { readonly kind: 'dropped'; readonly reason: DropReason; readonly from: Ipv4String; readonly detail: string }
  /** Accepted but worth a log line: an address list differing from ours (keepalived logs it). */
  | { readonly kind: 'notice'; readonly code: 'address-list-mismatch'; readonly from: Ipv4String; readonly detail: string }
  | { readonly kind: 'priorityChanged'; readonly from: number; readonly to: number; readonly detail: string };

/** Per-instance counters, RFC 2787 VRRP-MIB style (vrrpStats*), plus transitions. */
export interface RouterCounters {
  becomeMaster: number;
  becomeBackup: number;
  becomeFault: number;
  advertiseRcvd: number;
  advertiseSent: number;
  priorityZeroPktsRcvd: number;
  priorityZeroPktsSent: number;
  ipTtlErrors: number;
  vrIdErrors: number;
  ownerConflicts: number;
  authTypeMismatch: number;
  authFailures: number;
  advertiseIntervalErrors: number;
  addressListErrors: number;
  discardedNotRunning: number;
}

/** A read-only picture of the router for status output and tests. */
export interface RouterSnapshot {
  readonly name: string;
  readonly vrid: number;
  readonly state: RouterState;
  readonly basePriority: number;
  readonly effectivePriority: number;
  /** The current master's address as far as we know (ours when MASTER), or undefined. */
  readonly masterIp: Ipv4String | undefined;
  readonly since: number;
  readonly linkUp: boolean;
  readonly faultReasons: readonly string[];
  readonly counters: Readonly<RouterCounters>;
}
