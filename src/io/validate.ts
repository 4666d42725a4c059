/**
 * Checks for every value that reaches a command line or a socket option: interface names,
 * address labels and scopes (the pure rules of src/config/values.ts, which `vrrpd check` applies
 * too, so what check accepts run can apply), IP addresses and prefixes (src/wire/address.ts, the
 * one address parser). `ip` gets an argument only after it passed here.
 */
import { isValidIfname as ifnameOk, labelProblem, parseScope } from '../config/values.js';
import { err, ok, type Result } from '../result.js';
import { parseIpAddress, parsePrefix, type IpAddress, type Prefix } from '../wire/address.js';

export interface ValidationError {
  readonly kind: 'bad-ifname' | 'bad-label' | 'bad-address' | 'bad-scope';
  readonly detail: string;
}

/** True when `name` is a safe, valid Linux interface name. */
export function isValidIfname(name: string): boolean {
  return ifnameOk(name);
}

/** Named network namespaces (`ip netns`): a file name under /run/netns. */
export function isValidNetns(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name) && name !== '.' && name !== '..';
}

/** Interface name check as a Result. */
export function checkIfname(name: string): Result<string, ValidationError> {
  return ifnameOk(name) ? ok(name) : err({ kind: 'bad-ifname', detail: `invalid interface name ${JSON.stringify(name)}` });
}

/** An address label `ip addr` and the kernel accept. */
export function checkLabel(label: string): Result<string, ValidationError> {
  const problem = labelProblem(label);
  return problem === undefined ? ok(label) : err({ kind: 'bad-label', detail: problem });
}

/** An address of either family, canonical, without prefix. */
export function checkAddress(s: string): Result<IpAddress, ValidationError> {
  const a = parseIpAddress(s);
  return a.ok ? ok(a.value) : err({ kind: 'bad-address', detail: a.error.detail });
}

/** An address with optional "/len" (default the whole address): canonical address and prefix length. */
export function checkPrefix(s: string): Result<Prefix, ValidationError> {
  const p = parsePrefix(s);
  return p.ok ? ok(p.value) : err({ kind: 'bad-address', detail: p.error.detail });
}

/** A scope name or number 0..255. */
export function checkScope(s: string): Result<string, ValidationError> {
  const scope = parseScope(s);
  return scope !== undefined ? ok(scope) : err({ kind: 'bad-scope', detail: `invalid scope ${JSON.stringify(s)}` });
}
