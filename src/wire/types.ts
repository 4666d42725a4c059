/**
 * Values carried on the wire: a VRRPv2 advertisement (RFC 3768 §5.1), the IPv4 header a raw
 * socket hands us, and the gratuitous ARP frame a new master sends. Addresses are dotted quads.
 */

/** Dotted-quad IPv4 address, e.g. "192.168.50.100". */
export type Ipv4String = string;

/** RFC 3768 §5.3.6 Auth Type. 2 (IP Authentication Header, RFC 2338) is recognised, never accepted. */
export const AUTH_NONE = 0;
export const AUTH_SIMPLE = 1;
export const AUTH_AH = 2;
export type SupportedAuthType = typeof AUTH_NONE | typeof AUTH_SIMPLE;

/** A VRRPv2 advertisement, RFC 3768 §5.3. Form only: meaning is checked by the router (§7.1). */
export interface Advert {
  /** §5.3.1: always 2 here. */
  readonly version: 2;
  /** §5.3.2: always 1 (ADVERTISEMENT). */
  readonly type: 1;
  /** §5.3.3: 1..255 on the wire is not enforced by the parser (0 parses; the router drops it). */
  readonly vrid: number;
  /** §5.3.4: 0..255. 0 = master is leaving, 255 = address owner. */
  readonly priority: number;
  /** §5.3.6. */
  readonly authType: SupportedAuthType;
  /** §5.3.7: Adver_Int in whole seconds, 0..255. */
  readonly adverIntervalSec: number;
  /** §5.3.9: the virtual addresses, in packet order; the count is their length. */
  readonly addresses: readonly Ipv4String[];
  /** §5.3.10: exactly 8 bytes (zeros for auth type 0). */
  readonly authData: Uint8Array;
}

/** Why bytes are not a VRRPv2 advertisement. Every kind maps to one drop counter. */
export type AdvertErrorKind =
  | 'truncated' // shorter than the fixed part, or than the addresses + auth data it announces
  | 'bad-version' // version field is not 2
  | 'bad-type' // type field is not 1
  | 'bad-checksum' // §5.3.8 checksum does not verify
  | 'bad-length' // longer than the announced content (oversized) or not a whole packet
  | 'count-mismatch' // addr count is 0
  | 'unsupported-auth'; // auth type 2 (AH) or any unknown auth type

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
  readonly src: Ipv4String;
  readonly dst: Ipv4String;
  /** Raw option bytes (empty when headerLen is 20). */
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
  readonly senderIp: Ipv4String;
  readonly targetMac: string;
  readonly targetIp: Ipv4String;
}

export type ArpErrorKind = 'truncated' | 'not-arp' | 'bad-format';
