/**
 * The counter model, defined once: every counter vrrpd keeps about VRRP traffic and transitions,
 * named after the MIBs (RFC 2787 VRRP-MIB for VRRPv2, RFC 6527 VRRPv3-MIB), at the level where the
 * event happens:
 *   - router-wide: what is known before a packet is matched to a virtual router (malformed IP,
 *     version, checksum, unknown VRID). vrrpd keeps one set per interface; the router-wide MIB
 *     value is their sum.
 *   - per virtual router (one vrrp_instance): transitions, adverts sent and received, and every
 *     reason an advert addressed to it was dropped.
 * Every received packet moves exactly one counter of `DROP_REASONS` or is accepted (moving
 * `advertiseRcvd`): the receive path (receive-path.ts) and the router (router.ts) each own a
 * disjoint part of the checks. The other counters (transitions, sent, priority 0, old-style
 * checksums) describe packets or events beside that one count, never instead of it. Status, the
 * dumps and the metrics read these records.
 */

/** One counter's documentation: the MIB object it mirrors (or none: a vrrpd counter) and what it counts. */
export interface CounterSpec {
  readonly mib?: string;
  readonly help: string;
  /**
   * A drop that is expected, not a fault of the sender or the network (our own adverts looped
   * back, adverts heard while in FAULT): status and metrics show it apart from the drops.
   */
  readonly benign?: true;
}

/** Router-wide counters (one set per interface; RFC 2787 vrrpRouterStatistics, plus vrrpd's). */
export const ROUTER_COUNTERS = {
  received: { help: 'VRRP packets received (every datagram the sockets delivered)' },
  ipErrors: { help: 'dropped: malformed IPv4 or IP Authentication Header' },
  otherProtocol: { help: 'dropped: neither VRRP (112) nor AH wrapping VRRP' },
  ownPackets: { help: 'ignored: sent from one of our own addresses', benign: true },
  truncatedPackets: { help: 'dropped: shorter than the 8-byte VRRP header' },
  versionErrors: { mib: 'vrrpRouterVersionErrors', help: 'dropped: VRRP version neither 2 nor 3 (or 2 over IPv6)' },
  checksumErrors: { mib: 'vrrpRouterChecksumErrors', help: 'dropped: VRRP checksum does not verify' },
  vrIdErrors: { mib: 'vrrpRouterVrIdErrors', help: 'dropped: no virtual router with this VRID on the interface' },
} as const satisfies Record<string, CounterSpec>;

/** Per virtual router counters (RFC 2787 vrrpStatsTable, RFC 6527 vrrpv3StatisticsTable, plus vrrpd's). */
export const INSTANCE_COUNTERS = {
  becomeMaster: { mib: 'vrrpStatsBecomeMaster / vrrpv3StatisticsMasterTransitions', help: 'transitions to MASTER' },
  becomeBackup: { help: 'transitions to BACKUP' },
  becomeFault: { help: 'transitions to FAULT' },
  advertiseRcvd: { mib: 'vrrpStatsAdvertiseRcvd / vrrpv3StatisticsRcvdAdvertisements', help: 'adverts accepted' },
  advertiseSent: { help: 'adverts sent (priority 0 ones included)' },
  priorityZeroPktsRcvd: { mib: 'vrrpStatsPriorityZeroPktsRcvd / vrrpv3StatisticsRcvdPriZeroPackets', help: 'accepted adverts with priority 0' },
  priorityZeroPktsSent: { mib: 'vrrpStatsPriorityZeroPktsSent / vrrpv3StatisticsSentPriZeroPackets', help: 'adverts sent with priority 0' },
  versionMismatch: { help: 'dropped: a VRRPv2 advert for a v3 instance or the reverse' },
  ipTtlErrors: { mib: 'vrrpStatsIpTtlErrors / vrrpv3StatisticsIpTtlErrors', help: 'dropped: TTL or hop limit not 255' },
  invalidTypePktsRcvd: { mib: 'vrrpStatsInvalidTypePktsRcvd / vrrpv3StatisticsRcvdInvalidTypePackets', help: 'dropped: type not ADVERTISEMENT' },
  packetLengthErrors: { mib: 'vrrpStatsPacketLengthErrors / vrrpv3StatisticsPacketLengthErrors', help: 'dropped: length does not match the address count' },
  invalidAuthType: { mib: 'vrrpStatsInvalidAuthType', help: 'dropped: unknown VRRPv2 auth type (or AH)' },
  authTypeMismatch: { mib: 'vrrpStatsAuthTypeMismatch', help: 'dropped: VRRPv2 auth type differs from ours' },
  authFailures: { mib: 'vrrpStatsAuthFailures', help: 'dropped: VRRPv2 password does not match' },
  advertiseIntervalErrors: { mib: 'vrrpStatsAdvertiseIntervalErrors / vrrpv3StatisticsAdvIntervalErrors', help: 'dropped: VRRPv2 interval differs from ours (v3: interval 0)' },
  addressListErrors: { mib: 'vrrpStatsAddressListErrors / vrrpv3StatisticsAddressListErrors', help: 'address list differs from ours (dropped unless from the owner)' },
  ownerConflicts: { help: 'dropped: we own the addresses (priority 255) and another router advertises the VRID' },
  unicastPeerRejects: { help: 'dropped: unicast mode and the source is not a unicast_peer' },
  oldUnicastChecksumRcvd: { help: 'passed the receive path with an old-style VRRPv3 unicast checksum (as if sent to the multicast group: keepalived <= 1.3.6, old_unicast_checksum)' },
  discardedNotRunning: { help: 'dropped: received in INIT or FAULT', benign: true },
} as const satisfies Record<string, CounterSpec>;

export type RouterCounterName = keyof typeof ROUTER_COUNTERS;
export type InstanceCounterName = keyof typeof INSTANCE_COUNTERS;
export type RouterCounters = Record<RouterCounterName, number>;
export type InstanceCounters = Record<InstanceCounterName, number>;

/** Why a received packet was not accepted; each reason moves exactly one counter. */
export const DROP_REASONS = {
  'ip-malformed': { scope: 'router', counter: 'ipErrors' },
  'not-vrrp': { scope: 'router', counter: 'otherProtocol' },
  'own-packet': { scope: 'router', counter: 'ownPackets' },
  truncated: { scope: 'router', counter: 'truncatedPackets' },
  version: { scope: 'router', counter: 'versionErrors' },
  checksum: { scope: 'router', counter: 'checksumErrors' },
  vrid: { scope: 'router', counter: 'vrIdErrors' },
  'version-mismatch': { scope: 'instance', counter: 'versionMismatch' },
  'ip-ttl': { scope: 'instance', counter: 'ipTtlErrors' },
  type: { scope: 'instance', counter: 'invalidTypePktsRcvd' },
  'packet-length': { scope: 'instance', counter: 'packetLengthErrors' },
  'auth-type-invalid': { scope: 'instance', counter: 'invalidAuthType' },
  'auth-type-mismatch': { scope: 'instance', counter: 'authTypeMismatch' },
  'auth-failure': { scope: 'instance', counter: 'authFailures' },
  'interval-mismatch': { scope: 'instance', counter: 'advertiseIntervalErrors' },
  'address-list': { scope: 'instance', counter: 'addressListErrors' },
  owner: { scope: 'instance', counter: 'ownerConflicts' },
  'unicast-peer': { scope: 'instance', counter: 'unicastPeerRejects' },
  'not-running': { scope: 'instance', counter: 'discardedNotRunning' },
} as const satisfies Record<string, { scope: 'router'; counter: RouterCounterName } | { scope: 'instance'; counter: InstanceCounterName }>;

export type DropReason = keyof typeof DROP_REASONS;
export type RouterDropReason = { [R in DropReason]: (typeof DROP_REASONS)[R]['scope'] extends 'router' ? R : never }[DropReason];
export type InstanceDropReason = Exclude<DropReason, RouterDropReason>;

/** All router-wide counters at zero. */
export function zeroRouterCounters(): RouterCounters {
  return zeroOf(ROUTER_COUNTERS);
}

/** All per virtual router counters at zero. */
export function zeroInstanceCounters(): InstanceCounters {
  return zeroOf(INSTANCE_COUNTERS);
}

/** Move the counter of a per-instance drop reason. */
export function countInstanceDrop(c: InstanceCounters, reason: InstanceDropReason): void {
  c[DROP_REASONS[reason].counter]++;
}

/** Move the counter of a router-wide drop reason. */
export function countRouterDrop(c: RouterCounters, reason: RouterDropReason): void {
  c[DROP_REASONS[reason].counter]++;
}

/** Element-wise sum (router-wide figures from per-interface ones). */
export function sumRouterCounters(all: readonly RouterCounters[]): RouterCounters {
  const out = zeroRouterCounters();
  for (const c of all) for (const k of Object.keys(out) as RouterCounterName[]) out[k] += c[k];
  return out;
}

/**
 * Built in one go: an object given more than ~16 properties by `out[k] = 0` one at a time is
 * turned into a hash table by V8 (dictionary mode: 0.8 KB per set of counters instead of 0.2, and
 * a slower `counters.x++` on the advert path).
 */
function zeroOf<K extends string>(spec: Record<K, CounterSpec>): Record<K, number> {
  return Object.fromEntries(Object.keys(spec).map((k) => [k, 0])) as Record<K, number>;
}
