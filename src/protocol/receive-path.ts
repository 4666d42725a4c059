/**
 * The one receive path (RFC 3768 §7.1, RFC 5798 §7.1), as pure code: io hands it what a socket
 * received and it answers "deliver this advert to that virtual router" or "drop, because ...".
 * Every check runs once, here or in the router (receive-checks.ts), and moves exactly one counter
 * of the counter model (counters.ts). The order:
 *
 *   router-wide (nothing is known yet about which virtual router the packet is for)
 *   1. IP layer: malformed IPv4 or AH header ('ip-malformed'), not VRRP ('not-vrrp')
 *   2. sent from one of our own addresses ('own-packet': not an error, but not for us)
 *   3. shorter than the 8-byte VRRP header ('truncated')
 *   4. version neither 2 nor 3, or 2 over IPv6 ('version')
 *   5. checksum, by the packet's own version ('checksum'): a corrupt VRID byte is never trusted.
 *      A VRRPv3 unicast advert whose checksum verifies only as keepalived <= 1.3.6 computed it
 *      (pseudo-header destination = the multicast group) goes on when its virtual router accepts
 *      that style (`old_unicast_checksum`, unless `never`); the delivery says so.
 *   6. no virtual router with this VRID and family on the interface ('vrid')
 *   per virtual router
 *   7. version differs from the instance's ('version-mismatch', as keepalived counts it)
 *   8. TTL / hop limit not 255 ('ip-ttl'), unless the instance turned the check off
 *   9. wrapped in IP AH: vrrpd implements no AH ('auth-type-mismatch')
 *  10. type ('type'), count and length ('packet-length'), v2 auth type ('auth-type-invalid')
 *  11. unicast mode and the source is not a peer ('unicast-peer')
 *   then the router checks meaning: owner, authentication, interval, address list, running.
 */
import { err, ok, type Result } from '../result.js';
import type { Family, IpAddress, Ipv4Address } from '../wire/address.js';
import { advertChecksumOk, checksumDetail, checkVersion, decodeAdvert, peekAdvert, type AdvertHeader } from '../wire/advert.js';
import { VRRP_TTL } from '../wire/constants.js';
import { openDatagram, type OpenedDatagram, type RawDatagram } from '../wire/datagram.js';
import type { Advert, AdvertErrorKind, VrrpVersion } from '../wire/types.js';
import {
  countInstanceDrop,
  countRouterDrop,
  zeroRouterCounters,
  type InstanceCounters,
  type InstanceDropReason,
  type RouterCounters,
  type RouterDropReason,
} from './counters.js';

/** What the receive path needs to know of one virtual router on the interface. */
export interface ReceiverSpec {
  readonly vrid: number;
  readonly version: VrrpVersion;
  readonly family: Family;
  /** Unicast mode: accept only from these. Undefined: any source (multicast). */
  readonly unicastPeers?: readonly IpAddress[] | undefined;
  /** RFC 3768 §7.1 / RFC 5798 §7.1 TTL check; default true. */
  readonly checkTtl?: boolean;
  /** The virtual router's counters (the router's own record, so both stages count in one place). */
  readonly counters: InstanceCounters;
  /**
   * keepalived's unicast checksum rule (VRRPv3 over IPv4 with unicast peers): the multicast group an
   * old-style checksum is computed with, and whether one is accepted. Undefined: RFC 5798 only.
   */
  readonly oldChecksum?: OldChecksumRule | undefined;
}

/** See `ReceiverSpec.oldChecksum`. */
export interface OldChecksumRule {
  readonly group: Ipv4Address;
  readonly accept: boolean;
}

/** How a delivered advert's checksum verified: RFC 5798 §5.2.8, or keepalived's old unicast style. */
export type ChecksumStyle = 'rfc' | 'old-unicast';

export type Verdict<K> =
  | { readonly kind: 'deliver'; readonly key: K; readonly advert: Advert; readonly ip: OpenedDatagram; readonly checksum: ChecksumStyle }
  | {
      readonly kind: 'drop';
      readonly reason: RouterDropReason | InstanceDropReason;
      /** The virtual router it was for, when known. */
      readonly key: K | undefined;
      readonly vrid: number | undefined;
      readonly from: IpAddress | undefined;
      /**
       * Why, in words, for the log. A function: forged packets arrive by the thousand and most
       * drops are never logged (rate limit), so the text is only built when asked for.
       */
      readonly detail: () => string;
    };

interface Entry<K> {
  readonly key: K;
  readonly spec: ReceiverSpec;
  readonly peers: ReadonlySet<string> | undefined;
}

const FORM_REASON: Readonly<Record<AdvertErrorKind, InstanceDropReason>> = {
  'bad-type': 'type',
  'count-mismatch': 'packet-length',
  truncated: 'packet-length',
  'bad-length': 'packet-length',
  'unsupported-auth': 'auth-type-invalid',
  // decodeAdvert never returns these two (checked before it runs); listed for completeness.
  'bad-version': 'version-mismatch',
  'bad-checksum': 'packet-length',
};

/** The receive path of one interface: its router-wide counters and the virtual routers on it. */
export class ReceivePath<K> {
  readonly counters: RouterCounters = zeroRouterCounters();
  readonly #entries = new Map<string, Entry<K>>();
  #local: ReadonlySet<string> = new Set();

  constructor(localAddresses: readonly IpAddress[] = []) {
    this.setLocalAddresses(localAddresses);
  }

  /** Our own addresses on the interface: packets from them are ours (multicast loop, a second socket). */
  setLocalAddresses(addresses: readonly IpAddress[]): void {
    this.#local = new Set(addresses);
  }

  /** Claims (family, VRID) on this interface for `key`; an error if another holds it. */
  register(key: K, spec: ReceiverSpec): Result<void, { kind: 'vrid-taken'; detail: string }> {
    const id = entryId(spec.family, spec.vrid);
    if (this.#entries.has(id)) return err({ kind: 'vrid-taken', detail: `VRID ${spec.vrid} (${spec.family}) is already registered on this interface` });
    const peers = spec.unicastPeers === undefined ? undefined : new Set<string>(spec.unicastPeers);
    this.#entries.set(id, { key, spec, peers });
    return ok(undefined);
  }

  /** Releases what `key` registered. */
  unregister(key: K): void {
    for (const [id, e] of this.#entries) if (e.key === key) this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Sorts one received packet. Never throws; moves exactly one counter unless it delivers. */
  handle(raw: RawDatagram): Verdict<K> {
    this.counters.received++;
    const opened = openDatagram(raw);
    if (!opened.ok) {
      const reason = opened.error.kind === 'not-vrrp' ? 'not-vrrp' : 'ip-malformed';
      const e = opened.error;
      return this.#routerDrop(reason, undefined, undefined, () => e.detail);
    }
    const ip = opened.value;
    if (this.#local.has(ip.src)) return this.#routerDrop('own-packet', undefined, ip.src, () => 'sent from one of our addresses');
    const header = peekAdvert(ip.vrrp);
    if (!header.ok) {
      const e = header.error;
      return this.#routerDrop('truncated', undefined, ip.src, () => e.detail);
    }
    const h = header.value;
    const version = checkVersion(h.version, ip.family);
    if (!version.ok) {
      const e = version.error;
      return this.#routerDrop('version', h.vrid, ip.src, () => e.detail);
    }
    const v = version.value;
    if (!advertChecksumOk(ip.vrrp, v, ip)) {
      const old = this.#oldStyle(ip, h.vrid, v);
      if (old !== undefined && old.rule.accept) return this.#forInstance(old.entry, ip, h, v, 'old-unicast');
      const refused = old === undefined ? '' : `; it verifies as an old-style unicast checksum (as if sent to ${old.rule.group}: keepalived <= 1.3.6, old_unicast_checksum), which old_unicast_checksum never refuses`;
      return this.#routerDrop('checksum', h.vrid, ip.src, () => `${checksumDetail(ip.vrrp, v, ip)}${refused}`);
    }
    const entry = this.#entries.get(entryId(ip.family, h.vrid));
    if (entry === undefined) return this.#routerDrop('vrid', h.vrid, ip.src, () => `VRID ${h.vrid} (${ip.family}) is not configured on this interface`);
    return this.#forInstance(entry, ip, h, v, 'rfc');
  }

  /**
   * The virtual router a VRRPv3 unicast advert is for when its checksum verifies as keepalived
   * <= 1.3.6 computed it (the multicast group in place of the destination); the checksum covers
   * the VRID byte, so the lookup trusts nothing unverified.
   */
  #oldStyle(ip: OpenedDatagram, vrid: number, version: VrrpVersion): { entry: Entry<K>; rule: OldChecksumRule } | undefined {
    if (version !== 3 || ip.family !== 'ipv4') return undefined;
    const entry = this.#entries.get(entryId('ipv4', vrid));
    const rule = entry?.spec.oldChecksum;
    if (entry === undefined || rule === undefined || entry.peers === undefined || ip.dst === rule.group) return undefined;
    return advertChecksumOk(ip.vrrp, 3, { ...ip, dst: rule.group }) ? { entry, rule } : undefined;
  }

  #forInstance(entry: Entry<K>, ip: OpenedDatagram, h: AdvertHeader, version: VrrpVersion, checksum: ChecksumStyle): Verdict<K> {
    const spec = entry.spec;
    const drop = (reason: InstanceDropReason, detail: () => string): Verdict<K> => {
      countInstanceDrop(spec.counters, reason);
      return { kind: 'drop', reason, key: entry.key, vrid: h.vrid, from: ip.src, detail };
    };
    if (version !== spec.version) return drop('version-mismatch', () => `VRRPv${version} advert, this virtual router speaks VRRPv${spec.version}`);
    if (spec.checkTtl !== false && ip.ttl !== VRRP_TTL) {
      return drop('ip-ttl', () => `${ip.family === 'ipv4' ? 'TTL' : 'hop limit'} ${ip.ttl}, must be ${VRRP_TTL}`);
    }
    if (ip.ah) return drop('auth-type-mismatch', () => 'advert wrapped in IP Authentication Header (auth_type AH): vrrpd implements no AH');
    const advert = decodeAdvert(ip.vrrp, h, version, ip.family);
    if (!advert.ok) {
      const e = advert.error;
      return drop(FORM_REASON[e.kind], () => e.detail);
    }
    if (entry.peers !== undefined && !entry.peers.has(ip.src)) return drop('unicast-peer', () => `${ip.src} is not a unicast_peer`);
    if (checksum === 'old-unicast') spec.counters.oldUnicastChecksumRcvd++;
    return { kind: 'deliver', key: entry.key, advert: advert.value, ip, checksum };
  }

  #routerDrop(reason: RouterDropReason, vrid: number | undefined, from: IpAddress | undefined, detail: () => string): Verdict<K> {
    countRouterDrop(this.counters, reason);
    return { kind: 'drop', reason, key: undefined, vrid, from, detail };
  }
}

function entryId(family: Family, vrid: number): string {
  return `${family}:${vrid}`;
}
