/**
 * What vrrpd needs to know about an interface: index, MAC, operstate, its IPv4 addresses and the
 * primary one (source of IPv4 adverts, RFC 3768 §6.4.3 tie-break), its IPv6 addresses and the
 * usable link-local one (source of IPv6 adverts, RFC 5798 §5.1.2.1).
 *
 * Read over rtnetlink from the packet addon's socket (an RTM_GETLINK by name, then an RTM_GETADDR
 * dump, both answered inside the calls: native-notes/netlink.md): the messages `ip -j addr show
 * dev IF` prints, turned into the fields of its JSON (ipJsonOf) and mapped by the same code as
 * that JSON, so both paths give the same InterfaceInfo. `ip` (through exec.ts, so
 * node:child_process is loaded then) only when the caller names an `ip` binary or the addon lacks
 * the socket: no fork and no child_process at a daemon's start (native-notes/memory.md).
 */
import { err, ok, type Result } from '../result.js';
import { familyOf, isLinkLocal6, parseIpAddress, readIpv6, type Ipv4Address, type Ipv6Address } from '../wire/address.js';
import { emitDumpRequest, IFA_F_DADFAILED, IFA_F_SECONDARY, IFA_F_TENTATIVE, IFF_LOWER_UP, IFF_UP, RTM_GETADDR } from '../wire/rtnl-monitor.js';
import { emitGetLinkRequest, parseIfinfoMessages, type AddrDetails, type LinkDetails } from '../wire/rtnl-ifinfo.js';
import { run } from './exec.js';
import { loadPacketAddon, type PacketAddon, type RtnlHandle } from './packet-addon.js';
import { scopeName } from './rtnl-monitor.js';
import { errnoName, errnoNumber } from './rtnl-socket.js';
import { checkIfname, isValidNetns } from './validate.js';

/** One IPv4 address on an interface, as `ip` reports it. */
export interface InterfaceAddress {
  readonly address: Ipv4Address;
  readonly prefixLen: number;
  readonly broadcast: string | undefined;
  readonly scope: string;
  readonly label: string | undefined;
  /** The kernel marks the 2nd.. address of a subnet secondary. */
  readonly secondary: boolean;
}

/** One IPv6 address on an interface, as `ip` reports it. */
export interface InterfaceAddress6 {
  readonly address: Ipv6Address;
  readonly prefixLen: number;
  readonly scope: string;
  /** Neither tentative (duplicate address detection still running) nor dadfailed: the kernel sends from it. */
  readonly usable: boolean;
}

export interface InterfaceInfo {
  readonly name: string;
  readonly index: number;
  /** "aa:bb:cc:dd:ee:ff". */
  readonly mac: string;
  readonly mtu: number;
  /** Kernel operstate: "UP", "DOWN", "LOWERLAYERDOWN", "UNKNOWN"... */
  readonly operstate: string;
  /** Administratively up and carrier present (flags UP and LOWER_UP). */
  readonly running: boolean;
  /** IPv4 addresses in kernel order. */
  readonly ipv4: readonly InterfaceAddress[];
  /** The first non-secondary IPv4 address, if any. */
  readonly primaryIpv4: Ipv4Address | undefined;
  /** IPv6 addresses in kernel order. */
  readonly ipv6: readonly InterfaceAddress6[];
  /** The first usable link-local IPv6 address (fe80::/10) in kernel order (newest first), if any. */
  readonly linkLocal6: Ipv6Address | undefined;
}

export interface InfoError {
  readonly kind: 'bad-ifname' | 'no-such-interface' | 'command-failed' | 'bad-output';
  readonly detail: string;
}

/** Reads not started yet, by ip binary, namespace and interface: callers until then share them. */
const nextReads = new Map<string, Promise<Result<InterfaceInfo, InfoError>>>();

/**
 * Reads the interface over rtnetlink, or with `ip -j addr show dev IFNAME` when `ipPath` names
 * an `ip` (or the addon cannot). Options: `ipPath`, `netns` (`ip -n`).
 * Calls made in the same turn of the event loop share one read, which starts after all of them
 * (so it is never older than the call): 255 instances starting together cost one fork, not 255.
 */
export function getInterfaceInfo(ifname: string, opts: { ipPath?: string; netns?: string } = {}): Promise<Result<InterfaceInfo, InfoError>> {
  const name = checkIfname(ifname);
  if (!name.ok) return Promise.resolve(err({ kind: 'bad-ifname', detail: name.error.detail }));
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return Promise.resolve(err({ kind: 'bad-ifname', detail: `bad netns ${opts.netns}` }));
  // No ipPath (rtnetlink first) and ipPath 'ip' are two ways to read: one key each.
  const key = `${opts.ipPath ?? ''}\0${opts.netns ?? ''}\0${ifname}`;
  let read = nextReads.get(key);
  if (read === undefined) {
    read = new Promise((resolve) =>
      setImmediate(() => {
        nextReads.delete(key);
        resolve(readInterfaceInfo(ifname, opts));
      }),
    );
    nextReads.set(key, read);
  }
  return read;
}

async function readInterfaceInfo(ifname: string, opts: { ipPath?: string; netns?: string }): Promise<Result<InterfaceInfo, InfoError>> {
  if (opts.ipPath === undefined) {
    const a = ifinfoAddon();
    if (a !== undefined) {
      const r = readWithNetlink(a, ifname, opts.netns);
      if (r !== undefined) return r;
    }
  }
  return readWithIp(ifname, opts);
}

async function readWithIp(ifname: string, opts: { ipPath?: string; netns?: string }): Promise<Result<InterfaceInfo, InfoError>> {
  const ns = opts.netns === undefined ? [] : ['-n', opts.netns];
  const r = await run(opts.ipPath ?? 'ip', [...ns, '-j', 'addr', 'show', 'dev', ifname]);
  if (!r.ok) {
    const missing = /does not exist|Cannot find device/i.test(r.error.stderr);
    return err({ kind: missing ? 'no-such-interface' : 'command-failed', detail: r.error.detail });
  }
  return parseIpAddrJson(r.value.stdout, ifname);
}

type IfinfoAddon = Required<Pick<PacketAddon, 'rtnlOpen' | 'rtnlSend' | 'rtnlRead' | 'rtnlClose'>> & Pick<PacketAddon, 'rtnlStrict'>;

/** The addon's socket functions a read needs, or undefined (not built, or built before the link monitor's socket). */
function ifinfoAddon(): IfinfoAddon | undefined {
  const loaded = loadPacketAddon();
  if (!loaded.ok) return undefined;
  const { rtnlOpen, rtnlSend, rtnlRead, rtnlClose, rtnlStrict } = loaded.value;
  return rtnlOpen && rtnlSend && rtnlRead && rtnlClose ? { rtnlOpen, rtnlSend, rtnlRead, rtnlClose, rtnlStrict } : undefined;
}

/** Receive buffer of the reading socket: the kernel sizes each dump part from our reads, and queues the next one at each. */
const RCVBUF = 256 * 1024;
/** Reads of a dump before it counts as stuck (each takes up to 1 MB: rtnl.c READ_CAP). */
const MAX_READS = 64;
/** Dumps interrupted by a change (NLM_F_DUMP_INTR) before the read gives up. */
const DUMP_TRIES = 3;
const ENODEV = errnoNumber('ENODEV') ?? 19;
let seq = Math.floor(Math.random() * 0x7fffffff);

type InfoResult = Result<InterfaceInfo, InfoError>;

/**
 * The interface read over a socket of its own (in `netns` when given), synchronously: the kernel
 * answers an RTM_GETLINK inside sendmsg and queues each part of a dump inside the read before it.
 * The address dump is of this interface alone (a strict socket and ifa_index, as `ip` asks it):
 * a host's every address (thousands on a kube-proxy IPVS node) would hold the event loop for as
 * long as it takes to parse them. Undefined when the socket cannot be opened or cannot filter
 * (an addon or a kernel before NETLINK_GET_STRICT_CHK): the caller asks `ip`.
 */
export function readWithNetlink(addon: IfinfoAddon, ifname: string, netns?: string): InfoResult | undefined {
  if (addon.rtnlStrict === undefined) return undefined;
  let h: RtnlHandle;
  try {
    h = addon.rtnlOpen(netns === undefined ? null : `/var/run/netns/${netns}`, RCVBUF);
  } catch {
    return undefined;
  }
  const failed = (what: string, e: unknown): InfoResult => err({ kind: 'command-failed', detail: `rtnetlink ${what} for ${ifname}: ${e instanceof Error ? e.message : String(e)}` });
  try {
    if (!addon.rtnlStrict(h)) return undefined;
    // The link, by name: one RTM_NEWLINK, or ENODEV.
    const linkSeq = (seq = (seq + 1) >>> 0);
    try {
      addon.rtnlSend(h, emitGetLinkRequest(ifname, linkSeq));
    } catch (e) {
      return failed('RTM_GETLINK', e);
    }
    const linkRead = parseIfinfoMessages(addon.rtnlRead(h).bytes, linkSeq);
    const link = linkRead.links.find((l) => l.ifname === ifname);
    if (link === undefined) {
      if (linkRead.errno === ENODEV) return err({ kind: 'no-such-interface', detail: `interface ${ifname} does not exist` });
      // The kernel finds a link by an altname too (Linux 5.5), and answers with its name: `ip -j` has no such interface either.
      const other = linkRead.links[0];
      if (other !== undefined) return err({ kind: 'no-such-interface', detail: `${ifname} is an altname of ${other.ifname}: name the interface by its name` });
      return failed('RTM_GETLINK', linkRead.errno !== 0 ? errnoName(linkRead.errno) : 'no answer');
    }
    for (let tries = 1; ; tries++) {
      const addrs = dumpAddresses(addon, h, link.index);
      if (addrs === 'interrupted' && tries < DUMP_TRIES) continue;
      if (addrs === 'interrupted') return failed('RTM_GETADDR', `the dump was interrupted by changes ${DUMP_TRIES} times`);
      if (typeof addrs === 'number') return addrs === ENODEV ? err({ kind: 'no-such-interface', detail: `interface ${ifname} is gone` }) : failed('RTM_GETADDR', errnoName(addrs));
      if (typeof addrs === 'string') return failed('RTM_GETADDR', addrs);
      return infoFromIpJson(ipJsonOf(link, addrs.value), ifname);
    }
  } catch (e) {
    return failed('read', e);
  } finally {
    addon.rtnlClose(h);
  }
}

/**
 * One RTM_GETADDR dump of the interface `index`, read to its NLMSG_DONE: its addresses, the
 * kernel's errno, 'interrupted' (NLM_F_DUMP_INTR: a change raced it) or why it failed.
 */
function dumpAddresses(addon: IfinfoAddon, h: RtnlHandle, index: number): { value: AddrDetails[] } | 'interrupted' | number | string {
  const addrSeq = (seq = (seq + 1) >>> 0);
  try {
    addon.rtnlSend(h, emitDumpRequest(RTM_GETADDR, addrSeq, index));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  // Its addresses, in the kernel's order (IPv4, then IPv6); the index is checked again in case the kernel did not filter.
  const addrs: AddrDetails[] = [];
  let interrupted = false;
  for (let reads = 0; ; reads++) {
    const r = addon.rtnlRead(h);
    const part = parseIfinfoMessages(r.bytes, addrSeq);
    for (const a of part.addrs) if (a.index === index) addrs.push(a);
    interrupted ||= part.interrupted;
    if (part.errno !== 0) return part.errno;
    if (r.lost || part.dropped > 0) return r.lost ? 'part of the dump was lost' : 'malformed message';
    if (part.done) return interrupted ? 'interrupted' : { value: addrs };
    if (r.bytes.length === 0 || reads >= MAX_READS) return 'the dump did not end';
  }
}

/** IF_OPER_* as `ip` names them (linux/if.h, RFC 2863 ifOperStatus). */
const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

/** A link-layer address as `ip` prints it: 4 bytes (IPv4 tunnels) dotted, 16 (IPv6 tunnels: ip6tnl, ip6gre) as IPv6 text, else hex bytes joined by colons. */
function lladdrText(b: Uint8Array): string {
  if (b.length === 4) return b.join('.');
  if (b.length === 16) return readIpv6(b, 0);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/**
 * The netlink messages as the fields of `ip -j addr show dev IF`'s JSON that infoFromIpJson reads
 * (exported for unit tests): flags only UP and LOWER_UP (the rest are not read), an address's
 * secondary, tentative and dadfailed as `ip` prints them (IFA_F_SECONDARY is "temporary" on IPv6).
 */
export function ipJsonOf(link: LinkDetails, addrs: readonly AddrDetails[]): Record<string, unknown> {
  const flags: string[] = [];
  if ((link.flags & IFF_UP) !== 0) flags.push('UP');
  if ((link.flags & IFF_LOWER_UP) !== 0) flags.push('LOWER_UP');
  return {
    ifindex: link.index,
    ifname: link.ifname,
    flags,
    ...(link.mtu !== undefined ? { mtu: link.mtu } : {}),
    operstate: link.operstate !== undefined ? (OPERSTATES[link.operstate] ?? 'UNKNOWN') : 'UNKNOWN',
    ...(link.lladdr !== undefined && link.lladdr.length > 0 ? { address: lladdrText(link.lladdr) } : {}),
    addr_info: addrs.map((a) => {
      const v4 = familyOf(a.address) === 'ipv4';
      return {
        family: v4 ? 'inet' : 'inet6',
        local: a.address,
        prefixlen: a.prefixLen,
        ...(a.broadcast !== undefined ? { broadcast: a.broadcast } : {}),
        scope: scopeName(a.scope),
        ...(v4 && (a.flags & IFA_F_SECONDARY) !== 0 ? { secondary: true } : {}),
        ...((a.flags & IFA_F_TENTATIVE) !== 0 ? { tentative: true } : {}),
        ...((a.flags & IFA_F_DADFAILED) !== 0 ? { dadfailed: true } : {}),
        ...(a.label !== undefined ? { label: a.label } : {}),
      };
    }),
  };
}

/** Parses the JSON of `ip -j addr show dev IFNAME` (exported for unit tests). */
export function parseIpAddrJson(text: string, ifname: string): Result<InterfaceInfo, InfoError> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return err({ kind: 'bad-output', detail: 'ip -j output is not JSON' });
  }
  const link = Array.isArray(data) ? (data as unknown[]).find((l) => isObj(l) && l['ifname'] === ifname) : undefined;
  if (!isObj(link)) return err({ kind: 'no-such-interface', detail: `interface ${ifname} not in ip output` });
  return infoFromIpJson(link, ifname);
}

/** One link of `ip -j addr show`'s JSON (or the same fields read over netlink: ipJsonOf) as an InterfaceInfo. */
function infoFromIpJson(link: Record<string, unknown>, ifname: string): Result<InterfaceInfo, InfoError> {
  const index = link['ifindex'];
  if (typeof index !== 'number') return err({ kind: 'bad-output', detail: 'no ifindex' });
  const flags = Array.isArray(link['flags']) ? (link['flags'] as unknown[]) : [];
  const infos = Array.isArray(link['addr_info']) ? (link['addr_info'] as unknown[]) : [];
  const ipv4 = infos.filter(isObj).flatMap((a) => (a['family'] === 'inet' ? toAddress(a) : []));
  const ipv6 = infos.filter(isObj).flatMap((a) => (a['family'] === 'inet6' ? toAddress6(a) : []));
  return ok({
    name: ifname,
    index,
    mac: typeof link['address'] === 'string' ? link['address'] : '00:00:00:00:00:00',
    mtu: typeof link['mtu'] === 'number' ? link['mtu'] : 0,
    operstate: typeof link['operstate'] === 'string' ? link['operstate'] : 'UNKNOWN',
    running: flags.includes('UP') && flags.includes('LOWER_UP'),
    ipv4,
    primaryIpv4: ipv4.find((a) => !a.secondary)?.address,
    ipv6,
    linkLocal6: ipv6.find((a) => a.usable && isLinkLocal6(a.address))?.address,
  });
}

/** One `addr_info` entry of family inet; none when its address does not parse. */
function toAddress(a: Record<string, unknown>): InterfaceAddress[] {
  const local = parseIpAddress(typeof a['local'] === 'string' ? a['local'] : '', 'ipv4');
  if (!local.ok) return [];
  return [{
    address: local.value,
    prefixLen: typeof a['prefixlen'] === 'number' ? a['prefixlen'] : 32,
    broadcast: typeof a['broadcast'] === 'string' ? a['broadcast'] : undefined,
    scope: typeof a['scope'] === 'string' ? a['scope'] : 'global',
    label: typeof a['label'] === 'string' ? a['label'] : undefined,
    secondary: a['secondary'] === true,
  }];
}

/** One `addr_info` entry of family inet6; none when its address does not parse. */
function toAddress6(a: Record<string, unknown>): InterfaceAddress6[] {
  const local = parseIpAddress(typeof a['local'] === 'string' ? a['local'] : '', 'ipv6');
  if (!local.ok) return [];
  return [{
    address: local.value,
    prefixLen: typeof a['prefixlen'] === 'number' ? a['prefixlen'] : 128,
    scope: typeof a['scope'] === 'string' ? a['scope'] : 'global',
    usable: a['tentative'] !== true && a['dadfailed'] !== true,
  }];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
