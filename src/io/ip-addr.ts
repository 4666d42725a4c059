/**
 * Virtual addresses on and off an interface with `ip addr add|del` (execFile, argument array,
 * every argument validated first). Idempotent: adding an address already there and deleting one
 * already gone both succeed, so a retry after a partial failure is always safe. IPv6 addresses are
 * added with `nodad`, as keepalived does: duplicate address detection would hold a new master's
 * address back (tentative) for a second or more, and VRRP already decides who holds it. The
 * daemon's changes go through `changeAddresses`, which coalesces the changes of every instance
 * that fall due together into one `ip -force -batch -` process (one fork for 255 VIPs, not 255),
 * each line's outcome going back to the instance that asked for it.
 */
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';
import { familyOf } from '../wire/address.js';
import { getInterfaceInfo, type InterfaceAddress, type InterfaceAddress6 } from './interface-info.js';
import { IpBatcher } from './ip-batch.js';
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
  /** changeAddresses: awaited before `ip` forks (see IpBatchOptions.gate). */
  readonly gate?: () => Promise<unknown>;
}

/** `ip` and its leading arguments for these options. */
function ipCommand(opts: IpAddrOptions, args: readonly string[]): [string, string[]] {
  return [opts.ipPath ?? 'ip', opts.netns === undefined ? [...args] : ['-n', opts.netns, ...args]];
}

/** EEXIST, as iproute2 prints it without and with kernel extended ack messages ("ipv4: Address already assigned", "ipv6: address already assigned"). */
const ALREADY_PRESENT = /File exists|address already assigned/i;
/** EADDRNOTAVAIL, likewise; or the device is gone (a use_vmac macvlan removed first), so the address is too. */
const ALREADY_ABSENT = /Cannot assign requested address|address not found|Cannot find device/i;

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

/** The outcome of one address change: done, or already so (idempotent), or why not. */
export type AddrOutcome = Result<'added' | 'present' | 'removed' | 'absent', IpAddrError>;

/** What a failed `ip addr add|del` printed means for that change. */
function outcomeOf(verb: 'add' | 'del', failure: { detail: string; stderr: string } | undefined): AddrOutcome {
  if (failure === undefined) return ok(verb === 'add' ? 'added' : 'removed');
  if (verb === 'add' && ALREADY_PRESENT.test(failure.stderr)) return ok('present');
  if (verb === 'del' && ALREADY_ABSENT.test(failure.stderr)) return ok('absent');
  return err({ kind: 'command-failed', detail: failure.detail, stderr: failure.stderr });
}

/** Adds a VIP. 'present' when the kernel already had it (EEXIST). */
export async function addVip(vip: VipSpec, opts: IpAddrOptions = {}): Promise<Result<'added' | 'present', IpAddrError>> {
  const args = ipAddrArgs('add', vip);
  if (!args.ok) return args;
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' });
  const r = await run(...ipCommand(opts, args.value), { timeoutMs: opts.timeoutMs ?? 5000 });
  return outcomeOf('add', r.ok ? undefined : r.error) as Result<'added' | 'present', IpAddrError>;
}

/** Removes a VIP. 'absent' when it was not there (EADDRNOTAVAIL). */
export async function delVip(vip: VipSpec, opts: IpAddrOptions = {}): Promise<Result<'removed' | 'absent', IpAddrError>> {
  const args = ipAddrArgs('del', vip);
  if (!args.ok) return args;
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' });
  const r = await run(...ipCommand(opts, args.value), { timeoutMs: opts.timeoutMs ?? 5000 });
  return outcomeOf('del', r.ok ? undefined : r.error) as Result<'removed' | 'absent', IpAddrError>;
}

/** Validated `ip addr` arguments by spec: an instance's specs are checked once, not at every takeover. */
const argsCache = new WeakMap<VipSpec, { add?: Result<string[], IpAddrError>; del?: Result<string[], IpAddrError> }>();

function cachedArgs(verb: 'add' | 'del', vip: VipSpec): Result<string[], IpAddrError> {
  let entry = argsCache.get(vip);
  if (entry === undefined) argsCache.set(vip, (entry = {}));
  return (entry[verb] ??= ipAddrArgs(verb, vip));
}

const batchers = new Map<string, IpBatcher>();

/** The shared batcher for an `ip` binary and namespace. */
export function ipBatcher(opts: IpAddrOptions = {}): IpBatcher {
  const key = `${opts.ipPath ?? 'ip'}\0${opts.netns ?? ''}`;
  let b = batchers.get(key);
  if (b === undefined) {
    b = new IpBatcher({ ...(opts.ipPath !== undefined ? { ipPath: opts.ipPath } : {}), ...(opts.netns !== undefined ? { netns: opts.netns } : {}), timeoutMs: opts.timeoutMs ?? 5000 });
    batchers.set(key, b);
  }
  if (opts.gate !== undefined) b.gate = opts.gate;
  return b;
}

/**
 * Adds (or removes) every address of `vips`, in order, in the next shared `ip -batch` run with
 * the changes of every other caller; one outcome per address. Idempotent like addVip/delVip.
 */
export async function changeAddresses(verb: 'add' | 'del', vips: readonly VipSpec[], opts: IpAddrOptions = {}): Promise<AddrOutcome[]> {
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return vips.map(() => err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' }));
  const args = vips.map((v) => cachedArgs(verb, v));
  const lines = args.flatMap((a) => (a.ok ? [a.value.join(' ')] : []));
  const done = lines.length > 0 ? await ipBatcher(opts).submit(lines) : [];
  let next = 0;
  return args.map((a) => {
    if (!a.ok) return a;
    const r = done[next++]!;
    return outcomeOf(verb, r.ok ? undefined : r.error);
  });
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
  const stale: { vip: VipSpec; cidr: string }[] = [];
  for (const vip of vips.filter((v) => v.dev === ifname)) {
    const cidr = checkPrefix(vip.address);
    if (!cidr.ok) return err({ kind: 'invalid', detail: cidr.error.detail, stderr: '' });
    const hit = present.value.find((a) => a.address === cidr.value.address && a.prefixLen === cidr.value.prefixLen);
    if (hit !== undefined) stale.push({ vip, cidr: `${cidr.value.address}/${cidr.value.prefixLen}` });
  }
  const outcomes = await changeAddresses('del', stale.map((s) => s.vip), opts);
  const failed = outcomes.find((r) => !r.ok);
  if (failed !== undefined && !failed.ok) return failed;
  return ok(stale.filter((_, i) => outcomes[i]?.ok && outcomes[i].value === 'removed').map((s) => s.cidr));
}
