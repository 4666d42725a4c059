/**
 * Virtual addresses on and off an interface with `ip addr add|del` (execFile, argument array,
 * every argument validated first). Idempotent: adding an address already there and deleting one
 * already gone both succeed, so a retry after a partial failure is always safe. IPv6 addresses are
 * added with `nodad`, as keepalived does: duplicate address detection would hold a new master's
 * address back (tentative) for a second or more, and VRRP already decides who holds it.
 */
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';
import { familyOf } from '../wire/address.js';
import { getInterfaceInfo, type InterfaceAddress, type InterfaceAddress6 } from './interface-info.js';
import { checkAddress, checkIfname, checkLabel, checkPrefix, checkScope, isValidNetns } from './validate.js';

/** One virtual address as keepalived's `virtual_ipaddress` block describes it. */
export interface VipSpec {
  /** "A.B.C.D" or "A.B.C.D/LEN"; keepalived's default prefix is /32. */
  readonly address: string;
  readonly dev: string;
  /** Broadcast address (`brd`). */
  readonly brd?: string;
  /** `scope` name: global, site, link, host, nowhere. */
  readonly scope?: string;
  /** `label`, at most 15 characters (e.g. "eth0:vip"). */
  readonly label?: string;
}

export interface IpAddrError {
  readonly kind: 'invalid' | 'command-failed';
  readonly detail: string;
  /** stderr of `ip`, when it ran. */
  readonly stderr: string;
}

export interface IpAddrOptions {
  /** The `ip` binary; default "ip". */
  readonly ipPath?: string;
  readonly timeoutMs?: number;
  /** Run as `ip -n NETNS ...` (tests and the lab); default: our own namespace. */
  readonly netns?: string;
}

/** `ip` and its leading arguments for these options. */
function ipCommand(opts: IpAddrOptions, args: readonly string[]): [string, string[]] {
  return [opts.ipPath ?? 'ip', opts.netns === undefined ? [...args] : ['-n', opts.netns, ...args]];
}

/** EEXIST, as iproute2 prints it without and with kernel extended ack messages. */
const ALREADY_PRESENT = /File exists|Address already assigned/;
/** EADDRNOTAVAIL, likewise. */
const ALREADY_ABSENT = /Cannot assign requested address|Address not found/;

/** Builds the validated argument list for `ip addr add|del` (exported for unit tests). */
export function ipAddrArgs(verb: 'add' | 'del', vip: VipSpec): Result<string[], IpAddrError> {
  const bad = (detail: string): Result<string[], IpAddrError> => err({ kind: 'invalid', detail, stderr: '' });
  const dev = checkIfname(vip.dev);
  if (!dev.ok) return bad(dev.error.detail);
  const cidr = checkPrefix(vip.address);
  if (!cidr.ok) return bad(cidr.error.detail);
  const args = ['addr', verb, `${cidr.value.address}/${cidr.value.prefixLen}`, 'dev', vip.dev];
  if (verb === 'del') return ok(args);
  if (familyOf(cidr.value.address) === 'ipv6') args.push('nodad');
  if (vip.brd !== undefined) {
    const brd = vip.brd === '+' || vip.brd === '-' ? ok(vip.brd) : checkAddress(vip.brd);
    if (!brd.ok) return bad(brd.error.detail);
    args.push('broadcast', brd.value);
  }
  if (vip.scope !== undefined) {
    const scope = checkScope(vip.scope);
    if (!scope.ok) return bad(scope.error.detail);
    args.push('scope', scope.value);
  }
  if (vip.label !== undefined) {
    const label = checkLabel(vip.label);
    if (!label.ok) return bad(label.error.detail);
    args.push('label', label.value);
  }
  return ok(args);
}

/** Adds a VIP. 'present' when the kernel already had it (EEXIST). */
export async function addVip(vip: VipSpec, opts: IpAddrOptions = {}): Promise<Result<'added' | 'present', IpAddrError>> {
  const args = ipAddrArgs('add', vip);
  if (!args.ok) return args;
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' });
  const r = await run(...ipCommand(opts, args.value), { timeoutMs: opts.timeoutMs ?? 5000 });
  if (r.ok) return ok('added');
  if (ALREADY_PRESENT.test(r.error.stderr)) return ok('present');
  return err({ kind: 'command-failed', detail: r.error.detail, stderr: r.error.stderr });
}

/** Removes a VIP. 'absent' when it was not there (EADDRNOTAVAIL). */
export async function delVip(vip: VipSpec, opts: IpAddrOptions = {}): Promise<Result<'removed' | 'absent', IpAddrError>> {
  const args = ipAddrArgs('del', vip);
  if (!args.ok) return args;
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' });
  const r = await run(...ipCommand(opts, args.value), { timeoutMs: opts.timeoutMs ?? 5000 });
  if (r.ok) return ok('removed');
  if (ALREADY_ABSENT.test(r.error.stderr)) return ok('absent');
  return err({ kind: 'command-failed', detail: r.error.detail, stderr: r.error.stderr });
}

/** The addresses (IPv4, then IPv6) currently on `ifname`. */
export async function listAddresses(ifname: string, opts: IpAddrOptions = {}): Promise<Result<readonly (InterfaceAddress | InterfaceAddress6)[], IpAddrError>> {
  const info = await getInterfaceInfo(ifname, opts);
  if (!info.ok) return err({ kind: info.error.kind === 'bad-ifname' ? 'invalid' : 'command-failed', detail: info.error.detail, stderr: '' });
  return ok([...info.value.ipv4, ...info.value.ipv6]);
}

/**
 * Startup cleanup after a crash: removes those of `vips` that are still on their interface.
 * Only addresses we would own are touched; returns the ones removed.
 */
export async function removeStale(ifname: string, vips: readonly VipSpec[], opts: IpAddrOptions = {}): Promise<Result<string[], IpAddrError>> {
  const present = await listAddresses(ifname, opts);
  if (!present.ok) return present;
  const removed: string[] = [];
  for (const vip of vips.filter((v) => v.dev === ifname)) {
    const cidr = checkPrefix(vip.address);
    if (!cidr.ok) return err({ kind: 'invalid', detail: cidr.error.detail, stderr: '' });
    const hit = present.value.find((a) => a.address === cidr.value.address && a.prefixLen === cidr.value.prefixLen);
    if (hit === undefined) continue;
    const r = await delVip(vip, opts);
    if (!r.ok) return r;
    if (r.value === 'removed') removed.push(`${cidr.value.address}/${cidr.value.prefixLen}`);
  }
  return ok(removed);
}
