/**
 * Values carried on the wire: a VRRP advertisement (RFC 3768 §5.1 version 2, RFC 5798 §5.2
 * version 3), the IPv4 header a raw socket hands us, and the gratuitous ARP frame a new master
 * sends. Addresses are the branded, canonical `IpAddress` of ./address.ts.
 */
import type { Family, IpAddress, Ipv4Address } from './address.js';

/** RFC 3768 §5.3.6 Auth Type. 2 (IP Authentication Header, RFC 2338) is recognised, never accepted. */
export const AUTH_NONE = 0;
export const AUTH_SIMPLE = 1;
export const AUTH_AH = 2;
export type SupportedAuthType = typeof AUTH_NONE | typeof AUTH_SIMPLE;

/** RFC 3768 §5.3.1 / RFC 5798 §5.2.1: the protocol versions vrrpd speaks. */
export type VrrpVersion = 2 | 3;

/** RFC 3768 §5.3.6, §5.3.10: VRRPv2 authentication (VRRPv3 has none). */
export interface AdvertAuth {
  readonly type: SupportedAuthType;
  /** Exactly 8 bytes (zeros for type 0). */
  readonly data: Uint8Array;
}

/**
 * A VRRP advertisement of either version. Form only: meaning (is this our VRID, does the interval
 * match, is the password right) is checked by the receive path and the router.
 */
export interface Advert {
  /** RFC 3768 §5.3.1 / RFC 5798 §5.2.1. */
  readonly version: VrrpVersion;
  /** Always 1 (ADVERTISEMENT). */
  readonly type: 1;
  /** 1..255 on the wire is not enforced by the parser (0 parses; no instance owns it). */
  readonly vrid: number;
  /** 0..255. 0 = master is leaving, 255 = address owner. */
  readonly priority: number;
  /**
   * The advertisement interval in centiseconds: v2's Adver Int (whole seconds, RFC 3768 §5.3.7)
   * times 100; v3's 12-bit Max Adver Int (RFC 5798 §5.2.7).
   */
  readonly adverIntervalCs: number;
  /** RFC 3768 §5.3.9 / RFC 5798 §5.2.9: the virtual addresses, in packet order, all of one family. */
  readonly addresses: readonly IpAddress[];
  /** VRRPv2 only (undefined for v3): when absent on a v2 advert, type 0 with zero data is sent. */
  readonly auth?: AdvertAuth | undefined;
}

/**
 * keepalived's `old_unicast_checksum` (VRRPv3 over IPv4, unicast mode only). keepalived up to 1.3.6
 * computed the RFC 5798 §5.2.8 pseudo-header of a unicast advert as if its destination were the
 * multicast group; later versions use the real destination, as the RFC says, and follow a peer that
 * still sends the old style. Multicast adverts carry the same checksum either way.
 *   'auto'   send the RFC checksum; accept an old-style one from a unicast peer and from then on
 *            send old-style too (keepalived's default)
 *   'never'  RFC checksums only (`old_unicast_checksum never`)
 *   'always' send old-style (`old_unicast_checksum`); accept both
 */
export type OldUnicastChecksum = 'auto' | 'never' | 'always';

/** What the advert codec needs from the IP layer: the family, and for v3's pseudo-header checksum the addresses. */
export interface AdvertIpContext {
  readonly family: Family;
  readonly src: IpAddress;
  readonly dst: IpAddress;
}

/** Why bytes are not an advertisement. Every kind maps to one drop counter. */
export type AdvertErrorKind =
  | 'truncated' // shorter than the fixed part, or than the addresses (+ v2 auth data) it announces
  | 'bad-version' // version field is not 2 or 3 (or 2 over IPv6)
  | 'bad-type' // type field is not 1
  | 'bad-checksum' // RFC 3768 §5.3.8 / RFC 5798 §5.2.8 checksum does not verify
  | 'bad-length' // longer than the announced content (oversized) or not a whole packet
  | 'count-mismatch' // addr count is 0
  | 'unsupported-auth'; // v2 auth type 2 (AH) or any unknown auth type

export interface WireError<K extends string = string> {
  readonly kind: K;
  readonly detail: string;
}

/** The IPv4 header of a received packet (RFC 791), as a raw socket delivers it. */
export interface Ipv4Header {
  readonly version: 4;
  /** Header length in bytes, options included (IHL * 4). */
  readonly headerLen: number;
  /** Type of service byte; keepalived sends 0xc0 (precedence "internetwork control"). */
  readonly tos: number;
  readonly totalLength: number;
  readonly id: number;
  readonly flags: number;
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly checksum: number;
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  /** Raw option bytes, a view into the input (empty when headerLen is 20). */
  readonly options: Uint8Array;
}

export type Ipv4ErrorKind = 'truncated' | 'bad-version' | 'bad-header-length' | 'bad-total-length';

/** Ethernet + ARP frame fields (RFC 826), as in a gratuitous ARP. MACs as "aa:bb:cc:dd:ee:ff". */
export interface ArpFrame {
  readonly ethDst: string;
  readonly ethSrc: string;
  /** 1 = request, 2 = reply. keepalived's gratuitous ARP is a request. */
  readonly opcode: 1 | 2;
  readonly senderMac: string;
  readonly senderIp: Ipv4Address;
  readonly targetMac: string;
  readonly targetIp: Ipv4Address;
}

export type ArpErrorKind = 'truncated' | 'not-arp' | 'bad-format';
