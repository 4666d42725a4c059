/**
 * use_vmac: the virtual router MAC (RFC 3768 §7.3, 00:00:5e:00:01:<VRID>) on a macvlan interface,
 * set up as keepalived 2.2.7 does (vrrp_vmac.c; the vectors' v3-vmac capture): macvlan mode
 * private on the base interface, no IPv6 link-local (addrgenmode none), arp_ignore=1 and
 * arp_filter=1 on the base (so only the macvlan answers ARP for the VIPs, with the virtual MAC),
 * arp_ignore=1, accept_local=1 and promote_secondaries=1 on the macvlan; then up. `ip link`
 * through execFile with validated arguments; the sysctls through /proc/sys of our namespace.
 */
import { readFile, writeFile } from './fs-async.js';
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';
import { checkIfname, isValidNetns } from './validate.js';

export interface VmacSpec {
  /** The macvlan, e.g. "vrrp.51". */
  readonly ifname: string;
  /** Its base interface. */
  readonly base: string;
  /** "00:00:5e:00:01:33". */
  readonly mac: string;
}

export interface VmacError {
  readonly kind: 'invalid' | 'command-failed' | 'not-ours';
  readonly detail: string;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const MISSING = /does not exist|Cannot find device/;

/** What keepalived sets, per interface, and what we restore on the base when the last macvlan goes. */
export const BASE_SYSCTLS = { arp_ignore: '1', arp_filter: '1' } as const;
export const VMAC_SYSCTLS = { arp_ignore: '1', accept_local: '1', promote_secondaries: '1' } as const;

function checkSpec(v: VmacSpec): Result<VmacSpec, VmacError> {
  for (const name of [v.ifname, v.base]) {
    const c = checkIfname(name);
    if (!c.ok) return err({ kind: 'invalid', detail: c.error.detail });
  }
  if (!MAC.test(v.mac)) return err({ kind: 'invalid', detail: `bad MAC ${JSON.stringify(v.mac)}` });
  return ok(v);
}

/** The `ip link add` argument list (exported for unit tests). */
export function vmacAddArgs(v: VmacSpec): Result<string[], VmacError> {
  const c = checkSpec(v);
  if (!c.ok) return c;
  return ok(['link', 'add', 'link', v.base, 'name', v.ifname, 'address', v.mac, 'type', 'macvlan', 'mode', 'private']);
}

/** What is there now under the macvlan's name: nothing, our macvlan, or something else. */
async function existing(v: VmacSpec): Promise<Result<'absent' | 'ours' | 'other-macvlan', VmacError>> {
  const r = await run('ip', ['-j', '-d', 'link', 'show', 'dev', v.ifname]);
  if (!r.ok) return MISSING.test(r.error.stderr) ? ok('absent') : err({ kind: 'command-failed', detail: r.error.detail });
  let link: { address?: string; link?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } } | undefined;
  try {
    link = (JSON.parse(r.value.stdout) as (typeof link)[])[0];
  } catch {
    return err({ kind: 'command-failed', detail: `ip -j link show ${v.ifname}: not JSON` });
  }
  if (link?.linkinfo?.info_kind !== 'macvlan') return err({ kind: 'not-ours', detail: `${v.ifname} exists and is not a macvlan: use_vmac will not touch it` });
  const ours = link.address === v.mac && link.link === v.base && link.linkinfo.info_data?.mode === 'private';
  return ok(ours ? 'ours' : 'other-macvlan');
}

/** Writes one /proc/sys/net/ipv4/conf/IF/KEY; returns the old value. */
async function sysctl(ifname: string, key: string, value: string): Promise<Result<string, VmacError>> {
  const path = `/proc/sys/net/ipv4/conf/${ifname}/${key}`;
  try {
    const old = (await readFile(path, 'utf8')).trim();
    if (old !== value) await writeFile(path, `${value}\n`);
    return ok(old);
  } catch (e) {
    return err({ kind: 'command-failed', detail: `${path}: ${(e as Error).message}` });
  }
}

/** Sets `values` on `ifname`; the old values, to restore later. */
export async function setSysctls(ifname: string, values: Readonly<Record<string, string>>): Promise<Result<Record<string, string>, VmacError>> {
  const c = checkIfname(ifname);
  if (!c.ok) return err({ kind: 'invalid', detail: c.error.detail });
  const old: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    const r = await sysctl(ifname, k, v);
    if (!r.ok) return r;
    old[k] = r.value;
  }
  return ok(old);
}

/**
 * Creates the macvlan (or adopts ours, or replaces a macvlan of that name that is not right, as
 * keepalived does), sets its sysctls and brings it up. Idempotent.
 */
export async function ensureVmac(v: VmacSpec): Promise<Result<'created' | 'present', VmacError>> {
  const add = vmacAddArgs(v);
  if (!add.ok) return add;
  const now = await existing(v);
  if (!now.ok) return now;
  if (now.value === 'other-macvlan') {
    const del = await deleteVmac(v.ifname);
    if (!del.ok) return del;
  }
  if (now.value !== 'ours') {
    const r = await run('ip', add.value);
    if (!r.ok) return err({ kind: 'command-failed', detail: r.error.detail });
  }
  const gen = await run('ip', ['link', 'set', 'dev', v.ifname, 'addrgenmode', 'none']);
  if (!gen.ok) return err({ kind: 'command-failed', detail: gen.error.detail });
  const s = await setSysctls(v.ifname, VMAC_SYSCTLS);
  if (!s.ok) return s;
  const up = await run('ip', ['link', 'set', 'dev', v.ifname, 'up']);
  if (!up.ok) return err({ kind: 'command-failed', detail: up.error.detail });
  return ok(now.value === 'ours' ? 'present' : 'created');
}

/** Deletes the macvlan; 'absent' when it was gone. */
export async function deleteVmac(ifname: string, opts: { timeoutMs?: number; netns?: string } = {}): Promise<Result<'removed' | 'absent', VmacError>> {
  const c = checkIfname(ifname);
  if (!c.ok) return err({ kind: 'invalid', detail: c.error.detail });
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}` });
  const ns = opts.netns === undefined ? [] : ['-n', opts.netns];
  const r = await run('ip', [...ns, 'link', 'del', 'dev', ifname], { timeoutMs: opts.timeoutMs ?? 5000 });
  if (r.ok) return ok('removed');
  return MISSING.test(r.error.stderr) ? ok('absent') : err({ kind: 'command-failed', detail: r.error.detail });
}
