/**
 * What vrrpd needs to know about an interface: index, MAC, operstate, its IPv4 addresses and the
 * primary one (source of IPv4 adverts, RFC 3768 §6.4.3 tie-break), its IPv6 addresses and the
 * usable link-local one (source of IPv6 adverts, RFC 5798 §5.1.2.1). Read from `ip -j addr show`.
 */
import { err, ok, type Result } from '../result.js';
import { isLinkLocal6, parseIpAddress, type Ipv4Address, type Ipv6Address } from '../wire/address.js';
import { run } from './exec.js';
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
 * Reads `ip -j addr show dev IFNAME`. Options: `ipPath` (default "ip"), `netns` (`ip -n`).
 * Calls made in the same turn of the event loop share one read, which starts after all of them
 * (so it is never older than the call): 255 instances starting together cost one fork, not 255.
 */
export function getInterfaceInfo(ifname: string, opts: { ipPath?: string; netns?: string } = {}): Promise<Result<InterfaceInfo, InfoError>> {
  const name = checkIfname(ifname);
  if (!name.ok) return Promise.resolve(err({ kind: 'bad-ifname', detail: name.error.detail }));
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return Promise.resolve(err({ kind: 'bad-ifname', detail: `bad netns ${opts.netns}` }));
  const key = `${opts.ipPath ?? 'ip'}\0${opts.netns ?? ''}\0${ifname}`;
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
  const ns = opts.netns === undefined ? [] : ['-n', opts.netns];
  const r = await run(opts.ipPath ?? 'ip', [...ns, '-j', 'addr', 'show', 'dev', ifname]);
  if (!r.ok) {
    const missing = /does not exist|Cannot find device/i.test(r.error.stderr);
    return err({ kind: missing ? 'no-such-interface' : 'command-failed', detail: r.error.detail });
  }
  return parseIpAddrJson(r.value.stdout, ifname);
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
