/** The wire layer's public API: bytes <-> values for VRRPv2, IPv4, AH and gratuitous ARP. */
export * from './types.js';
export { internetChecksum, onesComplementSum, checksumVerifies } from './checksum.js';
export {
  parseAdvert,
  emitAdvert,
  advertBufferLen,
  advertLenForCount,
  authDataFromPassword,
  ADVERT_FIELD,
  ADVERT_FIXED_LEN,
  AUTH_DATA_LEN,
  VRRP_VERSION,
  VRRP_TYPE_ADVERTISEMENT,
} from './advert.js';
export { emitRawAdvert, type RawAdvertFields } from './advert-raw.js';
export {
  parseIpv4,
  emitIpv4,
  ipv4BufferLen,
  isIpv4String,
  ipv4ToUint32,
  uint32ToIpv4,
  IPV4_FIELD,
  IPV4_MIN_HEADER_LEN,
  IPV4_MAX_HEADER_LEN,
  IPPROTO_VRRP,
  IPPROTO_AH,
  type Ipv4Packet,
  type Ipv4EmitFields,
} from './ipv4.js';
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
export { parseVrrpDatagram, type VrrpDatagram, type DatagramError } from './datagram.js';
