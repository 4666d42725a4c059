/**
 * The value blocks of a vrrp_instance: virtual_ipaddress(_excluded), track_script,
 * track_interface, unicast_peer, authentication.
 */
import { pos, type ArgChecker } from './check-args.js';
import { didYouMean } from './diagnostics.js';
import { SCRIPT_WEIGHT_MAX } from './validate-script.js';
import type { Stmt, Token, TrackRef, VirtualAddress } from './types.js';
import { familyOf, parseIpAddress, parsePrefix, type IpAddress } from '../wire/address.js';
import { isValidIfname, labelProblem, parseScope } from './values.js';

const VIP_OPTIONS_WITH_VALUE = new Set(['brd', 'dev', 'scope', 'label']);
const VIP_IGNORED_WITH_VALUE = new Set(['peer', 'preferred_lft', 'track_group']);
const VIP_IGNORED_FLAGS = new Set(['use_vmac', 'home', '-nodad', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track']);

type MutableVip = { -readonly [K in keyof VirtualAddress]: VirtualAddress[K] };

/**
 * One line of virtual_ipaddress: `ADDR[/len] [brd X] [dev X] [scope X] [label X] ...`, IPv4 or
 * IPv6 (default prefix /32 or /128). Each value is checked with the validator `vrrpd run` applies
 * before calling `ip` (values.ts), so what is accepted here can be applied. brd, label and scope
 * are IPv4 matters: brd on an IPv6 address is an error (keepalived drops the address), label and
 * scope are ignored with a warning (the kernel ignores them for IPv6).
 */
export function vipOf(stmt: Stmt, a: ArgChecker): VirtualAddress | undefined {
  a.noBlock(stmt);
  const t = stmt.keyword;
  const prefix = parsePrefix(t.text);
  if (!prefix.ok) {
    const [addr = '', len] = t.text.split('/', 2);
    const bare = parseIpAddress(addr);
    if (bare.ok && len !== undefined) a.diags.error(t, `prefix length of '${t.text}' must be 0..${bare.value.includes(':') ? 128 : 32}`);
    else a.diags.error(t, `'${t.text}' is not an IP address (optionally with /prefix)`);
    return undefined;
  }
  const vip: MutableVip = { address: prefix.value.address, prefixLen: prefix.value.prefixLen, pos: pos(t) };
  return vipOptions(stmt.args, vip, a) ? vip : undefined;
}

function vipOptions(args: readonly Token[], vip: MutableVip, a: ArgChecker): boolean {
  let ok = true;
  for (let i = 0; i < args.length; i++) {
    const opt = args[i] as Token;
    if (VIP_IGNORED_FLAGS.has(opt.text)) {
      const nodad = opt.text === 'nodad' || opt.text === '-nodad' ? ' (vrrpd adds every IPv6 virtual address with nodad, as keepalived does by default)' : '';
      a.diags.warning(opt, `address option '${opt.text}' is not supported by vrrpd${nodad}; ignored`);
      continue;
    }
    const isKnown = VIP_OPTIONS_WITH_VALUE.has(opt.text) || VIP_IGNORED_WITH_VALUE.has(opt.text);
    if (!isKnown) {
      a.diags.error(opt, `unknown address option '${opt.text}' (expected brd, dev, scope or label)`);
      ok = false;
      continue;
    }
    const value = args[++i];
    if (value === undefined) {
      a.diags.error(opt, `address option '${opt.text}' needs a value`);
      return false;
    }
    if (VIP_IGNORED_WITH_VALUE.has(opt.text)) a.diags.warning(opt, `address option '${opt.text}' is not supported by vrrpd; ignored`);
    else ok = vipOption(opt.text, value, vip, a) && ok;
  }
  return ok;
}

function vipOption(name: string, value: Token, vip: MutableVip, a: ArgChecker): boolean {
  const bad = (msg: string): false => {
    a.diags.error(value, msg);
    return false;
  };
  const v6 = familyOf(vip.address) === 'ipv6';
  if (v6 && name === 'brd') return bad(`brd applies to IPv4 addresses only; '${vip.address}' is IPv6 (keepalived skips this address)`);
  if (v6 && (name === 'label' || name === 'scope')) {
    a.diags.warning(value, `'${name}' applies to IPv4 addresses only (the kernel ignores it for IPv6 '${vip.address}'); ignored`);
    return true;
  }
  if (name === 'brd') {
    if (value.text === '+' || value.text === '-') vip.brd = value.text;
    else {
      const ip = parseIpAddress(value.text, 'ipv4');
      if (!ip.ok) return bad(`brd must be an IPv4 address, '+' or '-', not '${value.text}'`);
      vip.brd = ip.value;
    }
  } else if (name === 'scope') {
    const scope = parseScope(value.text);
    if (scope === undefined) return bad(`scope must be global, site, link, host, nowhere or a number 0..255, not '${value.text}'`);
    vip.scope = scope;
  } else if (name === 'dev') {
    if (!isValidIfname(value.text)) return bad(`dev must be an interface name (1..15 characters, no '/' or spaces), not '${value.text}'`);
    vip.dev = value.text;
  } else {
    const problem = labelProblem(value.text);
    if (problem !== undefined) return bad(problem);
    vip.label = value.text;
  }
  return true;
}

/** `NAME [weight N [reverse|noreverse]]` entries of track_script / track_interface / track_file / track_process. */
export function trackRefOf(stmt: Stmt, a: ArgChecker, maxWeight = SCRIPT_WEIGHT_MAX): TrackRef | undefined {
  a.noBlock(stmt);
  const name = stmt.keyword;
  const [w, value, flag] = stmt.args;
  if (w === undefined) return { name: name.text, pos: pos(name) };
  if (w.text !== 'weight') {
    a.diags.error(w, `expected 'weight N' after '${name.text}', not '${w.text}'`);
    return undefined;
  }
  if (value === undefined) {
    a.diags.error(w, "'weight' needs a value");
    return undefined;
  }
  const weight = a.int(value, 'weight', -maxWeight, maxWeight);
  if (weight === undefined) return undefined;
  let reverse: boolean | undefined;
  if (flag !== undefined) {
    if (flag.text === 'reverse') reverse = true;
    else if (flag.text === 'noreverse' || flag.text === 'no_reverse') reverse = false;
    else a.diags.error(flag, `expected 'reverse' or 'noreverse', not '${flag.text}'`);
  }
  if (stmt.args.length > 3) a.extra(stmt, 3);
  return reverse === undefined ? { name: name.text, weight, pos: pos(name) } : { name: name.text, weight, reverse, pos: pos(name) };
}

/** unicast_peer entries: `ADDR [min_ttl N] [max_ttl N]` (TTL limits ignored); IPv4 or IPv6. */
export function unicastPeerOf(stmt: Stmt, a: ArgChecker): IpAddress | undefined {
  a.noBlock(stmt);
  const ip = a.ip(stmt.keyword, 'unicast_peer');
  for (const t of stmt.args)
    if (t.text === 'min_ttl' || t.text === 'max_ttl') a.diags.failover(t, `'${t.text}' is not supported by vrrpd: adverts from this peer are accepted whatever their TTL; ignored`);
  return ip;
}

export interface AuthDraft {
  type?: 'PASS';
  typeToken?: Token;
  pass?: string;
  passToken?: Token;
}

/** The keywords of an authentication block vrrpd handles (keywords.ts AUTHENTICATION; a test compares). */
export const AUTH_HANDLED: ReadonlySet<string> = new Set(['auth_type', 'auth_pass']);

/** authentication { auth_type PASS|AH; auth_pass SECRET }. AH is an error: RFC 3768 removed it. */
export function authOf(stmt: Stmt, a: ArgChecker): AuthDraft {
  const d: AuthDraft = {};
  for (const s of a.block(stmt) ?? []) {
    const kw = s.keyword.text;
    if (kw === 'auth_type') {
      const t = a.one(s);
      if (t === undefined) continue;
      d.typeToken = t;
      if (t.text === 'PASS') d.type = 'PASS';
      else if (t.text === 'AH')
        a.diags.error(t, 'auth_type AH (IPsec AH, RFC 2338) is not supported: RFC 3768 removed it from VRRPv2; use auth_type PASS or no authentication');
      else a.diags.error(t, `auth_type must be PASS or AH, not '${t.text}'`);
    } else if (kw === 'auth_pass') {
      const t = a.one(s);
      if (t === undefined) continue;
      d.passToken = t;
      d.pass = t.text;
      if (t.text.length > 8)
        a.diags.warning(t, `auth_pass is longer than 8 characters: truncated to '${t.text.slice(0, 8)}' (as keepalived does)`);
    } else a.diags.warning(s.keyword, () => `unknown keyword '${kw}' in authentication${didYouMean(kw, AUTH_HANDLED)}`, 'unknown-keyword');
  }
  return d;
}
