/**
 * One interface as rtnetlink describes it, for io/interface-info.ts: the RTM_NEWLINK answering an
 * RTM_GETLINK by name (struct ifinfomsg with IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_OPERSTATE)
 * and the RTM_NEWADDR parts of an RTM_GETADDR dump (struct ifaddrmsg with IFA_LOCAL / IFA_ADDRESS,
 * IFA_BROADCAST, IFA_LABEL, IFA_FLAGS), up to the dump's NLMSG_DONE (rtnetlink(7),
 * linux/if_link.h, linux/if_addr.h). What `ip -j addr show dev IF` prints is made of the same
 * messages; io/interface-info.ts turns these values into its JSON's fields, so both paths share
 * one mapping. Parsing is bounded by the input and never throws; a malformed message is counted.
 */
import { familyOf, readAddress, type IpAddress } from './address.js';
import { align4, HOST_LE, NLMSG_ERROR, NLMSG_HDRLEN, RTM_NEWADDR } from './rtnl.js';
import { addrHead, IFINFOMSG_LEN, IFLA_IFNAME, linkHead, NLMSG_DONE, RTM_GETLINK, RTM_NEWLINK, u32Attr, walkMessages } from './rtnl-monitor.js';

const IFLA_ADDRESS = 1;
const IFLA_MTU = 4;
const IFLA_OPERSTATE = 16;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
/** nlmsg_flags: the dump raced a change and may be inconsistent (netlink(7), linux/netlink.h). */
export const NLM_F_DUMP_INTR = 0x10;

/** RTM_NEWLINK's facts: `flags` ifi_flags, `operstate` IF_OPER_* (undefined without IFLA_OPERSTATE), `lladdr` IFLA_ADDRESS. */
export interface LinkDetails {
  readonly index: number;
  readonly ifname: string;
  readonly flags: number;
  readonly mtu: number | undefined;
  readonly operstate: number | undefined;
  readonly lladdr: Uint8Array | undefined;
}

/** RTM_NEWADDR's facts; `flags` from IFA_FLAGS when present (32 bits), else ifa_flags. */
export interface AddrDetails {
  readonly index: number;
  readonly address: IpAddress;
  readonly prefixLen: number;
  readonly scope: number;
  readonly flags: number;
  /** IFA_BROADCAST (IPv4). */
  readonly broadcast: IpAddress | undefined;
  /** IFA_LABEL (IPv4). */
  readonly label: string | undefined;
}

/** What one read of the socket held, for the request numbered `seq`. */
export interface IfinfoRead {
  readonly links: LinkDetails[];
  readonly addrs: AddrDetails[];
  /** NLMSG_DONE of the dump was read. */
  readonly done: boolean;
  /** The kernel refused the request (NLMSG_ERROR): its errno, else 0. */
  readonly errno: number;
  /** A message of the dump carried NLM_F_DUMP_INTR: read the dump again. */
  readonly interrupted: boolean;
  readonly dropped: number;
}

/** IFA_LABEL: a NUL-terminated string. */
function label(v: Uint8Array | undefined): string | undefined {
  if (v === undefined) return undefined;
  const nul = v.indexOf(0);
  return new TextDecoder().decode(v.subarray(0, nul < 0 ? v.length : nul));
}

function linkDetails(bytes: Uint8Array, view: DataView, at: number, end: number): LinkDetails | undefined {
  const head = linkHead(bytes, view, at, end);
  if (head === undefined) return undefined;
  const { index, ifname, flags, attrs } = head;
  const oper = attrs.get(IFLA_OPERSTATE);
  return { index, ifname, flags, mtu: u32Attr(attrs.get(IFLA_MTU)), operstate: oper !== undefined && oper.length >= 1 ? oper[0] : undefined, lladdr: attrs.get(IFLA_ADDRESS)?.slice() };
}

/** Null for an address of another family than IPv4 and IPv6 (addrHead). */
function addrDetails(bytes: Uint8Array, view: DataView, at: number, end: number): AddrDetails | null | undefined {
  const head = addrHead(bytes, view, at, end);
  if (!head) return head;
  const { attrs, ...fields } = head;
  const brd = attrs.get(IFA_BROADCAST);
  const family = familyOf(fields.address);
  return { ...fields, broadcast: brd !== undefined && brd.length === (family === 'ipv4' ? 4 : 16) ? readAddress(brd, 0, family) : undefined, label: label(attrs.get(IFA_LABEL)) };
}

/**
 * Every link, address and end-of-dump message numbered `seq` in `bytes` (datagrams concatenated);
 * others are skipped, and so is an address of a family other than IPv4 and IPv6 (addrHead).
 */
export function parseIfinfoMessages(bytes: Uint8Array, seq: number): IfinfoRead {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const links: LinkDetails[] = [];
  const addrs: AddrDetails[] = [];
  let done = false;
  let errno = 0;
  let dropped = 0;
  let interrupted = false;
  const broken = walkMessages(bytes, view, (type, body, end, header) => {
    if (view.getUint32(header + 8, HOST_LE) !== seq >>> 0) return;
    if ((view.getUint16(header + 6, HOST_LE) & NLM_F_DUMP_INTR) !== 0) interrupted = true;
    if (type === RTM_NEWLINK) {
      const l = linkDetails(bytes, view, body, end);
      if (l === undefined) dropped++;
      else links.push(l);
    } else if (type === RTM_NEWADDR) {
      const a = addrDetails(bytes, view, body, end);
      if (a === undefined) dropped++;
      else if (a !== null) addrs.push(a);
    } else if (type === NLMSG_DONE) {
      done = true;
    } else if (type === NLMSG_ERROR) {
      if (end - body < 4) dropped++;
      else if (view.getInt32(body, HOST_LE) !== 0) errno = -view.getInt32(body, HOST_LE);
    }
  });
  return { links, addrs, done, errno, interrupted, dropped: dropped + broken };
}

/** RTM_GETLINK for the interface named `name` (not a dump: one RTM_NEWLINK, or NLMSG_ERROR ENODEV), numbered `seq`. */
export function emitGetLinkRequest(name: string, seq: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const attrLen = 4 + nameBytes.length + 1;
  const len = NLMSG_HDRLEN + IFINFOMSG_LEN + align4(attrLen);
  const buf = new Uint8Array(len);
  const view = new DataView(buf.buffer);
  view.setUint32(0, len, HOST_LE);
  view.setUint16(4, RTM_GETLINK, HOST_LE);
  view.setUint16(6, 0x1, HOST_LE); // NLM_F_REQUEST
  view.setUint32(8, seq >>> 0, HOST_LE);
  const attr = NLMSG_HDRLEN + IFINFOMSG_LEN; // ifinfomsg zeroed: AF_UNSPEC, index 0 (look up by name)
  view.setUint16(attr, attrLen, HOST_LE);
  view.setUint16(attr + 2, IFLA_IFNAME, HOST_LE);
  buf.set(nameBytes, attr + 4);
  return buf;
}
