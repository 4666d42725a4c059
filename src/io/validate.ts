/**
 * Checks for every value that reaches a command line or a socket option: interface names,
 * address labels, IPv4 addresses and prefixes. `ip` gets an argument only after it passed here.
 */
import { Address4 } from 'ip-address';
import { err, ok, type Result } from '../result.js';

/** Linux interface names: 1..15 bytes (IFNAMSIZ - 1), no '/', no whitespace, not starting with '-'. */
const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;
/** Address labels (IFA_LABEL): like a name, ':' allowed (keepalived's "eth0:1" aliases). */
const LABEL = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;

export interface ValidationError {
  readonly kind: 'bad-ifname' | 'bad-label' | 'bad-address' | 'bad-scope';
  readonly detail: string;
}

/** True when `name` is a safe, valid Linux interface name. */
export function isValidIfname(name: string): boolean {
  return IFNAME.test(name) && name !== '.' && name !== '..';
}

/** Named network namespaces (`ip netns`): a file name under /run/netns. */
export function isValidNetns(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name) && name !== '.' && name !== '..';
}

/** Interface name check as a Result. */
export function checkIfname(name: string): Result<string, ValidationError> {
  return isValidIfname(name) ? ok(name) : err({ kind: 'bad-ifname', detail: `invalid interface name ${JSON.stringify(name)}` });
}

/** A label must be a valid name that starts with its interface's name (the kernel's rule). */
export function checkLabel(label: string, ifname: string): Result<string, ValidationError> {
  if (!LABEL.test(label) || !label.startsWith(ifname)) {
    return err({ kind: 'bad-label', detail: `invalid label ${JSON.stringify(label)} for ${ifname} (must start with it, <= 15 chars)` });
  }
  return ok(label);
}

/** A canonical dotted quad without prefix, e.g. "192.168.50.100". */
export function checkIpv4(s: string): Result<string, ValidationError> {
  const a = parseAddress4(s);
  if (a === undefined || a.subnetMask !== 32 || s.includes('/')) {
    return err({ kind: 'bad-address', detail: `invalid IPv4 address ${JSON.stringify(s)}` });
  }
  return ok(a.correctForm());
}

/** An address with optional "/len" (default 32): canonical address and prefix length. */
export function checkCidr(s: string): Result<{ address: string; prefixLen: number }, ValidationError> {
  const a = parseAddress4(s);
  if (a === undefined) return err({ kind: 'bad-address', detail: `invalid IPv4 address/prefix ${JSON.stringify(s)}` });
  return ok({ address: a.correctForm(), prefixLen: a.subnetMask });
}

/** Address scopes `ip addr` accepts by name. */
export const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;
export type Scope = (typeof SCOPES)[number];

export function checkScope(s: string): Result<Scope, ValidationError> {
  return (SCOPES as readonly string[]).includes(s) ? ok(s as Scope) : err({ kind: 'bad-scope', detail: `invalid scope ${JSON.stringify(s)}` });
}

function parseAddress4(s: string): Address4 | undefined {
  if (s.length > 18) return undefined;
  try {
    return new Address4(s);
  } catch {
    return undefined;
  }
}
