/**
 * Virtual addresses on and off an interface. Idempotent: adding an address already there and
 * deleting one already gone both succeed, so a retry after a partial failure is always safe. IPv6
 * addresses are added with `nodad`, as keepalived does: duplicate address detection would hold a
 * new master's address back (tentative) for a second or more, and VRRP already decides who holds
 * it. Every change goes through `changeAddresses`, which coalesces the changes of every instance
 * that fall due together into one batch, each address's outcome going back to the instance that
 * asked for it. The batch goes to the kernel over rtnetlink from the native addon
 * (addr-netlink.ts: no fork); without the addon, through one `ip -force -batch -` process
 * (ip-batch.ts), whose arguments (execFile, argument array) are validated first.
 */
import { err, ok, type Result } from '../result.js';
import { familyOf, type IpAddress } from '../wire/address.js';
import { changeWithNetlink, preparedRequest, type AheadRequests } from './addr-netlink.js';
import { getInterfaceInfo, type InterfaceAddress, type InterfaceAddress6 } from './interface-info.js';
import { IpBatcher } from './ip-batch.js';
import { NETLINK_FAULT_ENV, rtnlAddon } from './rtnl-socket.js';
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
  /** stderr of `ip`, when it ran; over rtnetlink, the kernel's error text, if it gave one. */
  readonly stderr: string;
}

export interface IpAddrOptions {
  /** The `ip` binary; default "ip". Naming one makes changeAddresses use `ip` rather than rtnetlink. */
  readonly ipPath?: string;
  /** `ip` only. */
  readonly timeoutMs?: number;
  /** In namespace NETNS (`ip -n NETNS ...`, or an rtnetlink socket opened there): tests, the lab, cleanup; default: our own. */
  readonly netns?: string;
  /** changeAddresses through `ip`: awaited before `ip` forks (see IpBatchOptions.gate). */
  readonly gate?: () => Promise<unknown>;
}

/** EEXIST, as iproute2 prints it without and with kernel extended ack messages ("ipv4: Address already assigned", "ipv6: address already assigned"). */
const ALREADY_PRESENT = /File exists|address already assigned/i;
/** EADDRNOTAVAIL, likewise; or the device is gone (a use_vmac macvlan removed first), so the address is too. */
const ALREADY_ABSENT = /Cannot assign requested address|address not found|Cannot find device/i;

/** A VIP's fields after validation: what both paths (rtnetlink, `ip`) build their request from. */
export interface CheckedVip {
  readonly verb: 'add' | 'del';
  readonly address: IpAddress;
  readonly prefixLen: number;
  readonly dev: string;
  /** add only: `brd` (an IPv4 address, or "+" / "-" as `ip addr` computes them). */
  readonly brd?: '+' | '-' | IpAddress;
  /** add only: a scope name or number (validate.ts checkScope). */
  readonly scope?: string;
  readonly label?: string;
}

/** Checks every field of `vip` for `verb` (a delete names only the address and the device, as `ip addr del` does). */
export function checkVip(verb: 'add' | 'del', vip: VipSpec): Result<CheckedVip, IpAddrError> {
  const bad = (detail: string): Result<CheckedVip, IpAddrError> => err({ kind: 'invalid', detail, stderr: '' });
  const dev = checkIfname(vip.dev);
  if (!dev.ok) return bad(dev.error.detail);
  const cidr = checkPrefix(vip.address);
  if (!cidr.ok) return bad(cidr.error.detail);
  const base = { verb, address: cidr.value.address, prefixLen: cidr.value.prefixLen, dev: vip.dev };
  if (verb === 'del') return ok(base);
  let brd: CheckedVip['brd'];
  if (vip.brd !== undefined) {
    const b: Result<'+' | '-' | IpAddress, { detail: string }> = vip.brd === '+' || vip.brd === '-' ? ok(vip.brd) : checkAddress(vip.brd);
    if (!b.ok) return bad(b.error.detail);
    // As `ip addr`: "Broadcast can be set only for IPv4 addresses".
    if (familyOf(base.address) !== 'ipv4' || (b.value !== '+' && b.value !== '-' && familyOf(b.value) !== 'ipv4')) return bad(`broadcast ${vip.brd}: IPv4 only`);
    brd = b.value;
  }
  const scope = vip.scope === undefined ? undefined : checkScope(vip.scope);
  if (scope !== undefined && !scope.ok) return bad(scope.error.detail);
  const label = vip.label === undefined ? undefined : checkLabel(vip.label);
  if (label !== undefined && !label.ok) return bad(label.error.detail);
  return ok({ ...base, ...(brd !== undefined ? { brd } : {}), ...(scope !== undefined ? { scope: scope.value } : {}), ...(label !== undefined ? { label: label.value } : {}) });
}

/** `ip addr add|del` arguments for a checked VIP; IPv6 addresses are added with `nodad`. */
function argsOf(c: CheckedVip): string[] {
  const args = ['addr', c.verb, `${c.address}/${c.prefixLen}`, 'dev', c.dev];
  if (c.verb === 'add' && familyOf(c.address) === 'ipv6') args.push('nodad');
  if (c.brd !== undefined) args.push('broadcast', c.brd);
  if (c.scope !== undefined) args.push('scope', c.scope);
  if (c.label !== undefined) args.push('label', c.label);
  return args;
}

/** Builds the validated argument list for `ip addr add|del` (exported for unit tests). */
export function ipAddrArgs(verb: 'add' | 'del', vip: VipSpec): Result<string[], IpAddrError> {
  const c = checkVip(verb, vip);
  return c.ok ? ok(argsOf(c.value)) : c;
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
  const [r] = await changeAddresses('add', [vip], opts);
  return r as Result<'added' | 'present', IpAddrError>;
}

/** Removes a VIP. 'absent' when it was not there (EADDRNOTAVAIL). */
export async function delVip(vip: VipSpec, opts: IpAddrOptions = {}): Promise<Result<'removed' | 'absent', IpAddrError>> {
  const [r] = await changeAddresses('del', [vip], opts);
  return r as Result<'removed' | 'absent', IpAddrError>;
}

/** Checked VIPs by spec: an instance's specs are validated once, not at every takeover. */
const checkCache = new WeakMap<VipSpec, { add?: Result<CheckedVip, IpAddrError>; del?: Result<CheckedVip, IpAddrError> }>();

function cachedCheck(verb: 'add' | 'del', vip: VipSpec): Result<CheckedVip, IpAddrError> {
  let entry = checkCache.get(vip);
  if (entry === undefined) checkCache.set(vip, (entry = {}));
  return (entry[verb] ??= checkVip(verb, vip));
}

/**
 * Validates `vips` for both verbs and builds their rtnetlink messages now, so that a takeover (or
 * a release) takes them ready; an invalid one is left for changeAddresses to report.
 */
export function prepareAddresses(vips: readonly VipSpec[]): void {
  for (const vip of vips) {
    for (const verb of ['add', 'del'] as const) {
      const c = cachedCheck(verb, vip);
      try {
        if (c.ok) preparedRequest(c.value);
      } catch {
        // A bug building it: the batch builds it again and reports the failure against this address.
      }
    }
  }
}

/**
 * The additions of `vips` as prepared rtnetlink messages, for a takeover to send ahead of its
 * batch (NetlinkBatcher.sendAhead); undefined unless they go over our own rtnetlink socket, every
 * one is valid and all are on one interface. Not while the fault hook is set: requests sent ahead
 * would take the faults meant for the keepers' own. Built once per list (`vips` by identity).
 */
export function aheadAdditions(vips: readonly VipSpec[]): AheadRequests | undefined {
  if (vips.length === 0 || process.env[NETLINK_FAULT_ENV] || vipPath().kind !== 'netlink') return undefined;
  const known = aheadCache.get(vips);
  if (known !== undefined) return known === null ? undefined : known;
  let built: AheadRequests | null = null;
  const dev = vips[0]!.dev;
  const messages: Uint8Array[] = [];
  for (const vip of vips) {
    const c = cachedCheck('add', vip);
    if (!c.ok || vip.dev !== dev) break;
    messages.push(preparedRequest(c.value));
  }
  if (messages.length === vips.length) built = { dev, messages };
  aheadCache.set(vips, built);
  return built === null ? undefined : built;
}

const aheadCache = new WeakMap<readonly VipSpec[], AheadRequests | null>();

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

/** How address changes reach the kernel: rtnetlink from the addon, or `ip` when the addon lacks it (and why). */
export type VipPath = { readonly kind: 'netlink' } | { readonly kind: 'ip'; readonly detail: string };

/** The path for `opts`: rtnetlink, unless the addon cannot do it or the caller names an `ip` binary. */
export function vipPath(opts: IpAddrOptions = {}): VipPath {
  if (opts.ipPath !== undefined) return { kind: 'ip', detail: `the caller asked for ${opts.ipPath}` };
  const a = rtnlAddon();
  return a.ok ? { kind: 'netlink' } : { kind: 'ip', detail: a.error.detail };
}

/** The outcomes of `checked` through `ip -force -batch -`. */
async function changeWithIp(checked: readonly CheckedVip[], opts: IpAddrOptions): Promise<AddrOutcome[]> {
  const done = await ipBatcher(opts).submit(checked.map((c) => argsOf(c).join(' ')));
  return checked.map((c, i) => {
    const r = done[i]!;
    return outcomeOf(c.verb, r.ok ? undefined : r.error);
  });
}

/**
 * Adds (or removes) every address of `vips`, in order, in the next shared batch with the changes
 * of every other caller (rtnetlink, or `ip -batch` without the addon); one outcome per address.
 * Idempotent like addVip/delVip.
 */
export async function changeAddresses(verb: 'add' | 'del', vips: readonly VipSpec[], opts: IpAddrOptions = {}): Promise<AddrOutcome[]> {
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return vips.map(() => err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' }));
  const checked = vips.map((v) => cachedCheck(verb, v));
  const valid = checked.flatMap((c) => (c.ok ? [c.value] : []));
  const done = valid.length === 0 ? [] : vipPath(opts).kind === 'netlink' ? await changeWithNetlink(valid, opts.netns) : await changeWithIp(valid, opts);
  let next = 0;
  return checked.map((c) => (c.ok ? done[next++]! : c));
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
