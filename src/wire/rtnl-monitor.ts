/**
 * rtnetlink link and address messages as values, for the link monitor (io/link-monitor.ts):
 * RTM_NEWLINK / RTM_DELLINK (struct ifinfomsg, IFLA_IFNAME) and RTM_NEWADDR / RTM_DELADDR
 * (struct ifaddrmsg, IFA_LOCAL / IFA_ADDRESS, IFA_FLAGS), as notifications of the multicast groups
 * RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR or as parts of an RTM_GETLINK /
 * RTM_GETADDR dump (rtnetlink(7), linux/rtnetlink.h, linux/if_addr.h; RFC 3549 section 3.1).
 * Parsing is bounded by the input and never throws: a message too short for its header or with a
 * length running past the buffer ends the walk (the rest of that read is counted as one drop), a
 * message of a known type that is malformed inside is one counted drop, other types are skipped.
 */
import { readAddress, type IpAddress } from './address.js';
import { AF_INET, AF_INET6, align4, HOST_LE, NLMSG_ERROR, NLMSG_HDRLEN, RTM_DELADDR, RTM_NEWADDR } from './rtnl.js';

export const NLMSG_DONE = 3;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_GETADDR = 22;
export const NLM_F_MULTI = 0x2;
export const NLM_F_DUMP = 0x300;
/** linux/rtnetlink.h enum rtnetlink_groups. */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;
/** ifi_flags (linux/if.h): administratively up, and the carrier (what parseLinkLine calls UP and LOWER_UP). */
export const IFF_UP = 0x1;
export const IFF_LOWER_UP = 0x10000;
/** ifa_flags / IFA_FLAGS (linux/if_addr.h). */
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_TENTATIVE = 0x40;
export const IFLA_IFNAME = 3;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_FLAGS = 8;
export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;
/** IFNAMSIZ - 1: the longest interface name. */
const IFNAME_MAX = 15;

/** RTM_NEWLINK / RTM_DELLINK. `up`: IFF_UP and IFF_LOWER_UP, never for a deleted link. */
export interface LinkMessage {
  readonly kind: 'link';
  readonly deleted: boolean;
  readonly index: number;
  readonly ifname: string;
  readonly flags: number;
  readonly up: boolean;
}

/** RTM_NEWADDR / RTM_DELADDR; `flags` from IFA_FLAGS when present (32 bits), else ifa_flags. */
export interface AddrMessage {
  readonly kind: 'addr';
  readonly deleted: boolean;
  readonly index: number;
  readonly address: IpAddress;
  readonly prefixLen: number;
  /** ifa_scope: 0 global, 200 site, 253 link, 254 host, 255 nowhere. */
  readonly scope: number;
  readonly flags: number;
}

/** The end of a dump (NLMSG_DONE), or the kernel's refusal of a request (NLMSG_ERROR, errno > 0). */
export interface DoneMessage {
  readonly kind: 'done';
  readonly errno: number;
}

/** One message, with the header fields that tell a dump part (NLM_F_MULTI, our seq) from a notification. */
export type MonitorMessage = (LinkMessage | AddrMessage | DoneMessage) & { readonly seq: number; readonly multi: boolean };

export interface MonitorRead {
  readonly messages: MonitorMessage[];
  /** Malformed messages (and a broken tail) skipped. */
  readonly dropped: number;
}

export type Attrs = Map<number, Uint8Array>;

/** rtattrs in [from, end): the last of each type; undefined when one is malformed. */
export function attributes(bytes: Uint8Array, view: DataView, from: number, end: number): Attrs | undefined {
  const out: Attrs = new Map();
  let at = from;
  while (at + 4 <= end) {
    const len = view.getUint16(at, HOST_LE);
    if (len < 4 || at + len > end) return undefined;
    out.set(view.getUint16(at + 2, HOST_LE) & 0x3fff, bytes.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

/** IFLA_IFNAME: a NUL-terminated name of 1..15 printable characters. */
export function ifname(value: Uint8Array | undefined): string | undefined {
  if (value === undefined) return undefined;
  const nul = value.indexOf(0);
  const name = value.subarray(0, nul < 0 ? value.length : nul);
  if (name.length === 0 || name.length > IFNAME_MAX || name.some((c) => c <= 0x20 || c >= 0x7f || c === 0x2f)) return undefined;
  return String.fromCharCode(...name);
}

/** The parts of an RTM_NEWLINK / RTM_DELLINK both readers use (struct ifinfomsg, IFLA_IFNAME), with its attributes; undefined when malformed. */
export function linkHead(bytes: Uint8Array, view: DataView, at: number, end: number): { index: number; flags: number; ifname: string; attrs: Attrs } | undefined {
  if (end - at < IFINFOMSG_LEN) return undefined;
  const index = view.getInt32(at + 4, HOST_LE);
  const attrs = attributes(bytes, view, at + IFINFOMSG_LEN, end);
  const name = ifname(attrs?.get(IFLA_IFNAME));
  if (attrs === undefined || index <= 0 || name === undefined) return undefined;
  return { index, flags: view.getUint32(at + 8, HOST_LE), ifname: name, attrs };
}

/** A 4-byte attribute in host order (IFA_FLAGS, IFLA_MTU); undefined when absent or of another size. */
export function u32Attr(v: Uint8Array | undefined): number | undefined {
  return v !== undefined && v.length === 4 ? new DataView(v.buffer, v.byteOffset, 4).getUint32(0, HOST_LE) : undefined;
}

/**
 * The parts of an RTM_NEWADDR / RTM_DELADDR both readers use (struct ifaddrmsg, IFA_LOCAL or
 * IFA_ADDRESS, IFA_FLAGS), with its attributes; null for a family other than IPv4 and IPv6 (an
 * AF_UNSPEC dump has AF_MCTP's too: not ours, not malformed); undefined when malformed.
 */
export function addrHead(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  end: number,
): { index: number; address: IpAddress; prefixLen: number; scope: number; flags: number; attrs: Attrs } | null | undefined {
  if (end - at < IFADDRMSG_LEN) return undefined;
  const family = view.getUint8(at);
  if (family !== AF_INET && family !== AF_INET6) return null;
  const size = family === AF_INET ? 4 : 16;
  const prefixLen = view.getUint8(at + 1);
  const index = view.getUint32(at + 4, HOST_LE);
  const attrs = attributes(bytes, view, at + IFADDRMSG_LEN, end);
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer's on a point-to-point link (iproute2 prints the local one).
  const raw = attrs?.get(IFA_LOCAL) ?? attrs?.get(IFA_ADDRESS);
  if (attrs === undefined || raw === undefined || raw.length !== size || prefixLen > size * 8 || index === 0) return undefined;
  const address = readAddress(raw, 0, size === 4 ? 'ipv4' : 'ipv6');
  return { index, address, prefixLen, scope: view.getUint8(at + 3), flags: u32Attr(attrs.get(IFA_FLAGS)) ?? view.getUint8(at + 2), attrs };
}

/**
 * Walks the netlink messages in `bytes` (datagrams concatenated, as rtnlRead hands them over):
 * `visit(type, body, end, header)` for each, `header` the offset of its nlmsghdr. Returns 1 when a
 * broken length ended the walk early, else 0 (a count of what was dropped).
 */
export function walkMessages(bytes: Uint8Array, view: DataView, visit: (type: number, body: number, end: number, header: number) => void): number {
  let at = 0;
  while (at < bytes.length) {
    const len = at + NLMSG_HDRLEN <= bytes.length ? view.getUint32(at, HOST_LE) : 0;
    if (len < NLMSG_HDRLEN || len > bytes.length - at) return 1;
    visit(view.getUint16(at + 4, HOST_LE), at + NLMSG_HDRLEN, at + len, at);
    at += align4(len);
  }
  return 0;
}

function linkMessage(type: number, bytes: Uint8Array, view: DataView, at: number, end: number): LinkMessage | undefined {
  const head = linkHead(bytes, view, at, end);
  if (head === undefined) return undefined;
  const { index, flags, ifname: name } = head;
  const deleted = type === RTM_DELLINK;
  return { kind: 'link', deleted, index, ifname: name, flags, up: !deleted && (flags & IFF_UP) !== 0 && (flags & IFF_LOWER_UP) !== 0 };
}

function addrMessage(type: number, bytes: Uint8Array, view: DataView, at: number, end: number): AddrMessage | null | undefined {
  const head = addrHead(bytes, view, at, end);
  if (!head) return head;
  const { index, address, prefixLen, scope, flags } = head;
  return { kind: 'addr', deleted: type === RTM_DELADDR, index, address, prefixLen, scope, flags };
}

/** One message's payload as a value; null for a type the monitor does not use, undefined when malformed. */
function messageValue(type: number, bytes: Uint8Array, view: DataView, at: number, end: number): LinkMessage | AddrMessage | DoneMessage | null | undefined {
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
      return linkMessage(type, bytes, view, at, end);
    case RTM_NEWADDR:
    case RTM_DELADDR:
      return addrMessage(type, bytes, view, at, end);
    case NLMSG_DONE:
      return { kind: 'done', errno: 0 };
    case NLMSG_ERROR: {
      if (end - at < 4) return undefined;
      const error = view.getInt32(at, HOST_LE);
      return error === 0 ? null : { kind: 'done', errno: -error };
    }
    default:
      return null;
  }
}

/** Every message in `bytes` (datagrams concatenated, as rtnlRead hands them over). */
export function parseMonitorMessages(bytes: Uint8Array): MonitorRead {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const messages: MonitorMessage[] = [];
  let dropped = 0;
  const broken = walkMessages(bytes, view, (type, body, end, header) => {
    const value = messageValue(type, bytes, view, body, end);
    if (value === undefined) dropped++;
    else if (value !== null) messages.push({ ...value, seq: view.getUint32(header + 8, HOST_LE), multi: (view.getUint16(header + 6, HOST_LE) & NLM_F_MULTI) !== 0 });
  });
  return { messages, dropped: dropped + broken };
}

/** An RTM_GETLINK or RTM_GETADDR dump request for every family, numbered `seq`; of the interface `ifindex` alone when not 0 (on a strict socket). */
export function emitDumpRequest(type: typeof RTM_GETLINK | typeof RTM_GETADDR, seq: number, ifindex = 0): Uint8Array {
  // struct rtgenmsg would do for the kernel; a whole ifinfomsg / ifaddrmsg (zeroed: AF_UNSPEC, no filter) is what it expects today.
  const len = NLMSG_HDRLEN + (type === RTM_GETLINK ? IFINFOMSG_LEN : IFADDRMSG_LEN);
  const buf = new Uint8Array(len);
  const view = new DataView(buf.buffer);
  view.setUint32(0, len, HOST_LE);
  view.setUint16(4, type, HOST_LE);
  view.setUint16(6, 0x1 | NLM_F_DUMP, HOST_LE); // NLM_F_REQUEST | NLM_F_DUMP
  view.setUint32(8, seq >>> 0, HOST_LE);
  // ifi_index / ifa_index (both at offset 4): a filter the kernel honours on a strict socket (NETLINK_GET_STRICT_CHK).
  view.setInt32(NLMSG_HDRLEN + 4, ifindex, HOST_LE);
  return buf;
}
