/** The wire layer's public API: addresses, and bytes <-> values for VRRP v2/v3, IPv4, IPv6, AH, gratuitous ARP, unsolicited NA and rtnetlink address requests. */
export * from './types.js';
export * from './address.js';
export * from './constants.js';
export { internetChecksum, onesComplementSum, checksumVerifies, pseudoHeaderSum, foldSum } from './checksum.js';
export {
  parseAdvert,
  peekAdvert,
  checkVersion,
  advertChecksumOk,
  checksumDetail,
  advertChecksum,
  decodeAdvert,
  emitAdvert,
  advertBufferLen,
  advertLen,
  authDataFromPassword,
  ADVERT_FIELD,
  ADVERT_FIXED_LEN,
  AUTH_DATA_LEN,
  VRRP_TYPE_ADVERTISEMENT,
  MAX_ADVER_INT_V2_CS,
  MAX_ADVER_INT_V3_CS,
  type AdvertHeader,
} from './advert.js';
export { emitRawAdvert, type RawAdvertFields } from './advert-raw.js';
export {
  parseIpv4Packet,
  emitIpv4,
  ipv4BufferLen,
  IPV4_FIELD,
  IPV4_MIN_HEADER_LEN,
  IPV4_MAX_HEADER_LEN,
  type Ipv4Packet,
  type Ipv4EmitFields,
} from './ipv4.js';
export { parseIpv6Packet, emitIpv6, IPV6_HEADER_LEN, IPPROTO_ICMPV6, type Ipv6Header, type Ipv6EmitFields, type Ipv6ErrorKind } from './ipv6.js';
export { parseAh, AH_FIELD, AH_FIXED_LEN, type AhPacket, type AhErrorKind } from './ah.js';
export {
  parseArpFrame,
  emitArpFrame,
  emitGarp,
  garpFrame,
  parseMac,
  formatMac,
  ARP_FIELD,
  ARP_FRAME_LEN,
  ETH_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ARP_OP_REQUEST,
  ARP_OP_REPLY,
  BROADCAST_MAC,
  type MacErrorKind,
} from './arp.js';
export { openDatagram, parseVrrpDatagram, type RawDatagram, type OpenedDatagram, type VrrpDatagram, type DatagramError } from './datagram.js';
export {
  parseNaFrame,
  emitNaFrame,
  unsolicitedNa,
  emitUnsolicitedNa,
  ipv6MulticastMac,
  ETHERTYPE_IPV6,
  ICMPV6_NEIGHBOR_ADVERT,
  ND_OPT_TARGET_LINKADDR,
  ND_HOP_LIMIT,
  NA_FIELD,
  NA_LEN,
  NA_WITH_TLLA_LEN,
  UNSOLICITED_NA_FRAME_LEN,
  type NeighborAdvertFrame,
  type NdiscErrorKind,
} from './ndisc.js';
export { emitAddrRequest, emitAddrRequests, addrRequestLen, prepareAddrRequest, joinPrepared, parseAcks, IFA_F_NODAD, type AddrRequest, type Ack } from './rtnl.js';
