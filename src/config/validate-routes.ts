/**
 * virtual_routes and virtual_rules lines (keepalived.conf(5) "Static routes/addresses/rules": the
 * syntax of `ip route add` / `ip rule add`). vrrpd takes the options a VRRP failover uses, checks
 * each value as `vrrpd run` will before calling `ip`, and refuses the others with a positioned
 * error, so no route keepalived would add is silently dropped. IPv4 only, like the VIPs.
 */
import { pos, type ArgChecker } from './check-args.js';
import type { Stmt, Token, VirtualRoute, VirtualRule } from './types.js';
import { parseIpAddress, parsePrefix } from '../wire/address.js';
import { isValidIfname, parseInteger, parseScope } from './values.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ROUTE_TYPES = new Set(['blackhole', 'unreachable', 'prohibit', 'throw']);
const RULE_TYPES = new Set(['blackhole', 'unreachable', 'prohibit']);
/** A routing table: a number 1..2^32-1 or a name (main, local, or one in /etc/iproute2/rt_tables). */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/;
/** A routing protocol (`proto`): a number 0..255 or a name from /etc/iproute2/rt_protos. */
const PROTO_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/;

/** A table as `ip` takes it, or undefined. */
export function parseTable(text: string): string | undefined {
  const n = parseInteger(text);
  if (n !== undefined) return n >= 1 && n <= 0xffffffff && !text.startsWith('+') && !text.startsWith('-') ? String(n) : undefined;
  return TABLE_NAME.test(text) ? text : undefined;
}

/** An IPv4 prefix, `default` meaning 0.0.0.0/0; canonical "a.b.c.d/len". */
function prefixOf(t: Token, a: ArgChecker, what: string): string | undefined {
  const text = t.text === 'default' ? '0.0.0.0/0' : t.text;
  const p = parsePrefix(text);
  if (!p.ok || p.value.address.includes(':')) {
    a.diags.error(t, `${what} must be an IPv4 address or prefix (a.b.c.d[/len]) or 'default', not '${t.text}'`);
    return undefined;
  }
  return `${p.value.address}/${p.value.prefixLen}`;
}

/** One value after an option keyword, or an error at the keyword. */
function valueAfter(args: readonly Token[], i: number, a: ArgChecker): Token | undefined {
  const v = args[i + 1];
  if (v === undefined) a.diags.error(args[i] as Token, `'${(args[i] as Token).text}' needs a value`);
  return v;
}

/** A line of virtual_routes: `[TYPE] [to] PREFIX [src A] [via|gw A] [dev IF] [scope S] [table T] [metric N] [proto P] [onlink] [add|append|prepend]`. */
export function routeOf(stmt: Stmt, a: ArgChecker): VirtualRoute | undefined {
  a.noBlock(stmt);
  const words = [stmt.keyword, ...stmt.args];
  const r: Partial<Mutable<VirtualRoute>> = { how: 'prepend', pos: pos(stmt.keyword) };
  let ok = true;
  const bad = (t: Token, msg: string): void => {
    a.diags.error(t, msg);
    ok = false;
  };
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as Token;
    const w = t.text;
    if (ROUTE_TYPES.has(w) && r.to === undefined && r.type === undefined) r.type = w as VirtualRoute['type'];
    else if (w === 'add' || w === 'append' || w === 'prepend') r.how = w;
    else if (w === 'onlink') r.onlink = true;
    else if (w === 'to' || w === 'src' || w === 'via' || w === 'gw' || w === 'dev' || w === 'scope' || w === 'table' || w === 'metric' || w === 'priority' || w === 'preference' || w === 'proto' || w === 'protocol') {
      const v = valueAfter(words, i++, a);
      if (v === undefined) return undefined;
      if (!routeOption(r, w, v, a)) ok = false;
    } else if (r.to === undefined && !/^[a-z_]+$/.test(w)) {
      const to = prefixOf(t, a, 'a route destination');
      if (to === undefined) ok = false;
      else r.to = to;
    } else if (r.to === undefined && w === 'default') r.to = '0.0.0.0/0';
    else bad(t, `route option '${w}' is not supported by vrrpd (it takes [blackhole|unreachable|prohibit|throw] [to] PREFIX, src, via/gw, dev, scope, table, metric, proto, onlink, add/append/prepend)`);
  }
  if (r.to === undefined) {
    a.diags.error(stmt.keyword, 'a virtual route needs a destination (a.b.c.d/len or default)');
    return undefined;
  }
  if (r.type !== undefined && (r.via !== undefined || r.dev !== undefined)) bad(stmt.keyword, `a ${r.type} route takes no via or dev`);
  if (ok && r.type === undefined && r.via === undefined && r.dev === undefined) bad(stmt.keyword, `route ${r.to} needs 'via ADDRESS' or 'dev INTERFACE' (or a type: blackhole, unreachable, prohibit, throw)`);
  return ok ? (r as VirtualRoute) : undefined;
}

function routeOption(r: Partial<Mutable<VirtualRoute>>, w: string, v: Token, a: ArgChecker): boolean {
  const fail = (msg: string): false => {
    a.diags.error(v, msg);
    return false;
  };
  switch (w) {
    case 'to': {
      const to = prefixOf(v, a, 'a route destination');
      if (to !== undefined) r.to = to;
      return to !== undefined;
    }
    case 'src':
    case 'via':
    case 'gw': {
      const ip = parseIpAddress(v.text, 'ipv4');
      if (!ip.ok) return fail(`${w} must be an IPv4 address, not '${v.text}'`);
      if (w === 'src') r.src = ip.value;
      else r.via = ip.value;
      return true;
    }
    case 'dev':
      if (!isValidIfname(v.text)) return fail(`dev must be an interface name (1..15 characters, no '/' or spaces), not '${v.text}'`);
      r.dev = v.text;
      return true;
    case 'scope': {
      const scope = parseScope(v.text);
      if (scope === undefined) return fail(`scope must be global, site, link, host, nowhere or a number 0..255, not '${v.text}'`);
      r.scope = scope;
      return true;
    }
    case 'table': {
      const table = parseTable(v.text);
      if (table === undefined) return fail(`table must be a number 1..4294967295 or a table name, not '${v.text}'`);
      r.table = table;
      return true;
    }
    case 'proto':
    case 'protocol': {
      const n = parseInteger(v.text);
      if (n !== undefined ? n < 0 || n > 255 : !PROTO_NAME.test(v.text)) return fail(`proto must be a number 0..255 or a protocol name, not '${v.text}'`);
      r.proto = v.text;
      return true;
    }
    default: {
      const n = parseInteger(v.text);
      if (n === undefined || n < 0 || n > 0xffffffff) return fail(`${w} must be an integer from 0 to 4294967295, not '${v.text}'`);
      r.metric = n;
      return true;
    }
  }
}

/** A line of virtual_rules: `[not] [from P] [to P] [iif IF] [oif IF] [fwmark M[/MASK]] [tos N] [preference N] (table T | TYPE)`. */
export function ruleOf(stmt: Stmt, a: ArgChecker): VirtualRule | undefined {
  a.noBlock(stmt);
  const words = [stmt.keyword, ...stmt.args];
  const r: Partial<Mutable<VirtualRule>> = { pos: pos(stmt.keyword) };
  let ok = true;
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as Token;
    const w = t.text;
    if (RULE_TYPES.has(w)) r.type = w as VirtualRule['type'];
    else if (w === 'not') r.not = true;
    else if (['from', 'to', 'iif', 'oif', 'fwmark', 'tos', 'table', 'lookup', 'preference', 'priority', 'pref'].includes(w)) {
      const v = valueAfter(words, i++, a);
      if (v === undefined) return undefined;
      if (!ruleOption(r, w, v, a)) ok = false;
    } else {
      a.diags.error(t, `rule option '${w}' is not supported by vrrpd (it takes not, from, to, iif, oif, fwmark, tos, preference, table or blackhole/unreachable/prohibit)`);
      ok = false;
    }
  }
  if (r.table === undefined && r.type === undefined) {
    a.diags.error(stmt.keyword, "a virtual rule needs 'table T' (or blackhole, unreachable, prohibit)");
    return undefined;
  }
  if (ok && r.preference === undefined)
    a.diags.warning(stmt.keyword, 'virtual rule without a preference: the kernel assigns one (keepalived assigns its own); set `preference N` so the order is yours');
  return ok ? (r as VirtualRule) : undefined;
}

function ruleOption(r: Partial<Mutable<VirtualRule>>, w: string, v: Token, a: ArgChecker): boolean {
  const fail = (msg: string): false => {
    a.diags.error(v, msg);
    return false;
  };
  if (w === 'from' || w === 'to') {
    const p = v.text === 'all' ? '0.0.0.0/0' : prefixOf(v, a, `rule '${w}'`);
    if (p === undefined) return false;
    if (w === 'from') r.from = p;
    else r.to = p;
  } else if (w === 'iif' || w === 'oif') {
    if (!isValidIfname(v.text)) return fail(`${w} must be an interface name, not '${v.text}'`);
    if (w === 'iif') r.iif = v.text;
    else r.oif = v.text;
  } else if (w === 'fwmark') {
    if (!/^(0x[0-9a-fA-F]{1,8}|\d{1,10})(\/(0x[0-9a-fA-F]{1,8}|\d{1,10}))?$/.test(v.text)) return fail(`fwmark must be MARK or MARK/MASK (decimal or 0x hex), not '${v.text}'`);
    r.fwmark = v.text;
  } else if (w === 'tos') {
    const n = parseInteger(v.text);
    if (n === undefined || n < 0 || n > 255) return fail(`tos must be an integer from 0 to 255, not '${v.text}'`);
    r.tos = n;
  } else if (w === 'table' || w === 'lookup') {
    const table = parseTable(v.text);
    if (table === undefined) return fail(`table must be a number 1..4294967295 or a table name, not '${v.text}'`);
    r.table = table;
  } else {
    const n = parseInteger(v.text);
    if (n === undefined || n < 0 || n > 0xffffffff) return fail(`preference must be an integer from 0 to 4294967295, not '${v.text}'`);
    r.preference = n;
  }
  return true;
}
