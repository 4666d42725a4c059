/**
 * rtnetlink address requests and their acknowledgements as bytes (netlink(7), rtnetlink(7)):
 * RTM_NEWADDR / RTM_DELADDR (a struct nlmsghdr, a struct ifaddrmsg, IFA_* attributes) out,
 * NLMSG_ERROR acknowledgements in. Netlink integers are in the host's byte order (these bytes
 * never leave the machine); addresses are in network order. What goes into a request mirrors
 * iproute2's `ip addr add|del` (io/addr-netlink.ts says which fields); the native side only moves
 * the bytes (native/packet/rtnl.c). Parsing never throws: it stops at the first malformed message.
 */
import { addressBytes, familyOf, type IpAddress, type Ipv4Address } from './address.js';

export const NLMSG_HDRLEN = 16;
export const NLMSG_ERROR = 2;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const NLM_F_REQUEST = 0x1;
export const NLM_F_ACK = 0x4;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Set by the kernel on an acknowledgement carrying NLMSGERR_ATTR_* (extended ack). */
const NLM_F_ACK_TLVS = 0x200;
/** Set by the kernel on an acknowledgement without the request's payload (NETLINK_CAP_ACK). */
const NLM_F_CAPPED = 0x100;
const NLMSGERR_ATTR_MSG = 1;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
/** ifa_flags: no duplicate address detection (IPv6). */
export const IFA_F_NODAD = 0x02;
export const AF_INET = 2;
export const AF_INET6 = 10;
const IFADDRMSG_LEN = 8;

export const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const align4 = (n: number): number => (n + 3) & ~3;

/** One address change, as the kernel is asked for it. */
export interface AddrRequest {
  readonly op: 'add' | 'del';
  readonly address: IpAddress;
  readonly prefixLen: number;
  readonly ifindex: number;
  /** ifa_scope: 0 global, 200 site, 253 link, 254 host, 255 nowhere. */
  readonly scope: number;
  /** ifa_flags (IFA_F_NODAD); all of them fit its 8 bits. */
  readonly flags: number;
  /** IFA_BROADCAST (IPv4). */
  readonly broadcast?: Ipv4Address;
  /** IFA_LABEL, ASCII, at most 15 characters. */
  readonly label?: string;
}

/** The request's attributes, in the order they are written. */
function attributes(r: AddrRequest): [number, Uint8Array][] {
  const local = addressBytes(r.address);
  const out: [number, Uint8Array][] = [[IFA_LOCAL, local]];
  // iproute2 sends the address as IFA_ADDRESS too (no peer): the kernel reads the prefix from it.
  out.push([IFA_ADDRESS, local]);
  if (r.broadcast !== undefined) out.push([IFA_BROADCAST, addressBytes(r.broadcast)]);
  if (r.label !== undefined) out.push([IFA_LABEL, new TextEncoder().encode(`${r.label}\0`)]);
  return out;
}

/** Bytes `r` takes as a netlink message. */
export function addrRequestLen(r: AddrRequest): number {
  return NLMSG_HDRLEN + IFADDRMSG_LEN + attributes(r).reduce((n, [, v]) => n + align4(4 + v.length), 0);
}

/** Writes `r` as one netlink message with sequence number `seq` at `offset`; returns its length. */
export function emitAddrRequest(r: AddrRequest, seq: number, buf: Uint8Array, offset: number): number {
  const attrs = attributes(r);
  const len = NLMSG_HDRLEN + IFADDRMSG_LEN + attrs.reduce((n, [, v]) => n + align4(4 + v.length), 0);
  const view = new DataView(buf.buffer, buf.byteOffset + offset, len);
  view.setUint32(0, len, HOST_LE);
  view.setUint16(4, r.op === 'add' ? RTM_NEWADDR : RTM_DELADDR, HOST_LE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_ACK | (r.op === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0), HOST_LE);
  view.setUint32(8, seq >>> 0, HOST_LE);
  view.setUint32(12, 0, HOST_LE); // nlmsg_pid 0: the kernel fills in our port
  view.setUint8(16, familyOf(r.address) === 'ipv4' ? AF_INET : AF_INET6);
  view.setUint8(17, r.prefixLen);
  view.setUint8(18, r.flags & 0xff);
  view.setUint8(19, r.scope);
  view.setUint32(20, r.ifindex, HOST_LE);
  let at = NLMSG_HDRLEN + IFADDRMSG_LEN;
  for (const [type, value] of attrs) {
    view.setUint16(at, 4 + value.length, HOST_LE);
    view.setUint16(at + 2, type, HOST_LE);
    buf.set(value, offset + at + 4);
    buf.fill(0, offset + at + 4 + value.length, offset + at + align4(4 + value.length));
    at += align4(4 + value.length);
  }
  return len;
}

/** `requests` as consecutive messages, numbered from `firstSeq`. */
export function emitAddrRequests(requests: readonly AddrRequest[], firstSeq: number): Uint8Array {
  const buf = new Uint8Array(requests.reduce((n, r) => n + addrRequestLen(r), 0));
  let at = 0;
  requests.forEach((r, i) => {
    at += emitAddrRequest(r, firstSeq + i, buf, at);
  });
  return buf;
}

/** Where a message keeps the two fields `joinPrepared` fills in: nlmsg_seq, ifa_index. */
const SEQ_AT = 8;
const IFINDEX_AT = 20;

/**
 * `r` as one message whose sequence number and interface index are left 0, to be filled in by
 * `joinPrepared` when it is sent: a request is built once, not at every takeover.
 */
export function prepareAddrRequest(r: Omit<AddrRequest, 'ifindex'>): Uint8Array {
  const whole: AddrRequest = { ...r, ifindex: 0 };
  const buf = new Uint8Array(addrRequestLen(whole));
  emitAddrRequest(whole, 0, buf, 0);
  return buf;
}

/** Prepared messages back to back, the i-th with `ifindexes[i]`, numbered from `firstSeq` (as emitAddrRequests). */
export function joinPrepared(messages: readonly Uint8Array[], ifindexes: readonly number[], firstSeq: number): Uint8Array {
  let len = 0;
  for (let i = 0; i < messages.length; i++) len += messages[i]!.length;
  const buf = new Uint8Array(len);
  const view = new DataView(buf.buffer);
  let at = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    buf.set(m, at);
    view.setUint32(at + SEQ_AT, (firstSeq + i) >>> 0, HOST_LE);
    view.setUint32(at + IFINDEX_AT, ifindexes[i]! >>> 0, HOST_LE);
    at += m.length;
  }
  return buf;
}

/** An acknowledgement: the request's sequence number, 0 or a positive errno, the kernel's text. */
export interface Ack {
  readonly seq: number;
  readonly errno: number;
  readonly message?: string;
}

/** The NLMSGERR_ATTR_MSG text among an extended ack's attributes, if any. */
function ackMessage(bytes: Uint8Array, view: DataView, from: number, end: number): string | undefined {
  for (let at = from; at + 4 <= end; ) {
    const len = view.getUint16(at, HOST_LE);
    if (len < 4 || at + len > end) return undefined;
    if ((view.getUint16(at + 2, HOST_LE) & 0x3fff) === NLMSGERR_ATTR_MSG) {
      const text = bytes.subarray(at + 4, at + len);
      const nul = text.indexOf(0);
      return String.fromCharCode(...text.subarray(0, nul < 0 ? text.length : nul));
    }
    at += align4(len);
  }
  return undefined;
}

/** Every NLMSG_ERROR message in `bytes` (one or more datagrams, concatenated); others are skipped. */
export function parseAcks(bytes: Uint8Array): Ack[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const acks: Ack[] = [];
  for (let at = 0; at + NLMSG_HDRLEN <= bytes.length; ) {
    const len = view.getUint32(at, HOST_LE);
    if (len < NLMSG_HDRLEN || at + len > bytes.length) break;
    const type = view.getUint16(at + 4, HOST_LE);
    const flags = view.getUint16(at + 6, HOST_LE);
    // struct nlmsgerr: int error, then the request's header (and its payload unless capped).
    if (type === NLMSG_ERROR && len >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN) {
      const error = view.getInt32(at + NLMSG_HDRLEN, HOST_LE);
      const seq = view.getUint32(at + NLMSG_HDRLEN + 4 + 8, HOST_LE);
      const requestLen = view.getUint32(at + NLMSG_HDRLEN + 4, HOST_LE);
      const tlvs = at + NLMSG_HDRLEN + 4 + ((flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : align4(requestLen));
      const message = (flags & NLM_F_ACK_TLVS) !== 0 ? ackMessage(bytes, view, tlvs, at + len) : undefined;
      acks.push({ seq, errno: error < 0 ? -error : error, ...(message !== undefined ? { message } : {}) });
    }
    at += align4(len);
  }
  return acks;
}
