/**
 * virtual_routes and virtual_rules on and off the host with `ip route` / `ip rule` (execFile, an
 * argument array, every value validated first, as for the VIPs in ip-addr.ts). Idempotent: adding
 * what is there ("File exists") and deleting what is gone ("No such process" for a route, "No such
 * file or directory" for a rule) both succeed, so a retry is always safe. A route is added with
 * `ip route prepend` unless it says `add` or `append`, as keepalived does. The daemon's changes go
 * through `changeRoutes`, into the same shared `ip -force -batch -` as the addresses (ip-addr.ts).
 */
import type { VirtualRoute, VirtualRule } from '../config/types.js';
import { parseTable } from '../config/validate-routes.js';
import { parseInteger } from '../config/values.js';
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';
import { ipBatcher, type IpAddrError, type IpAddrOptions } from './ip-addr.js';
import { checkAddress, checkIfname, checkPrefix, checkScope, isValidNetns } from './validate.js';

/** A route as recorded and applied: the config's fields without their position. */
export type RouteSpec = Omit<VirtualRoute, 'pos'>;
/** A rule as recorded and applied. */
export type RuleSpec = Omit<VirtualRule, 'pos'>;

const ALREADY_PRESENT = /File exists/;
const ROUTE_ABSENT = /No such process/;
const RULE_ABSENT = /No such file or directory/;

type Args = Result<string[], IpAddrError>;
const bad = (detail: string): Args => err({ kind: 'invalid', detail, stderr: '' });

/** `ip route prepend|add|append|del ...` for `r`, every value checked (exported for unit tests). */
export function ipRouteArgs(verb: 'add' | 'del', r: RouteSpec): Args {
  const args = ['route', verb === 'del' ? 'del' : r.how];
  if (r.type !== undefined) {
    if (!['blackhole', 'unreachable', 'prohibit', 'throw'].includes(r.type)) return bad(`bad route type ${JSON.stringify(r.type)}`);
    args.push(r.type);
  }
  const to = checkPrefix(r.to);
  if (!to.ok || to.value.address.includes(':')) return bad(`bad route destination ${JSON.stringify(r.to)}`);
  args.push(`${to.value.address}/${to.value.prefixLen}`);
  for (const [name, v] of [['src', r.src], ['via', r.via]] as const) {
    if (v === undefined) continue;
    const a = checkAddress(v);
    if (!a.ok) return bad(a.error.detail);
    args.push(name, a.value);
  }
  if (r.dev !== undefined) {
    const dev = checkIfname(r.dev);
    if (!dev.ok) return bad(dev.error.detail);
    args.push('dev', dev.value);
  }
  if (r.scope !== undefined) {
    const scope = checkScope(r.scope);
    if (!scope.ok) return bad(scope.error.detail);
    args.push('scope', scope.value);
  }
  const rest = tableAndNumbers(args, r.table, [['metric', r.metric]]);
  if (!rest.ok) return rest;
  if (r.proto !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(r.proto)) return bad(`bad route proto ${JSON.stringify(r.proto)}`);
    args.push('proto', r.proto);
  }
  if (r.onlink === true) args.push('onlink');
  return ok(args);
}

/** `ip rule add|del ...` for `r`, every value checked (exported for unit tests). */
export function ipRuleArgs(verb: 'add' | 'del', r: RuleSpec): Args {
  const args = ['rule', verb];
  if (r.not === true) args.push('not');
  for (const [name, v] of [['from', r.from], ['to', r.to]] as const) {
    if (v === undefined) continue;
    const p = checkPrefix(v);
    if (!p.ok || p.value.address.includes(':')) return bad(`bad rule ${name} ${JSON.stringify(v)}`);
    args.push(name, `${p.value.address}/${p.value.prefixLen}`);
  }
  for (const [name, v] of [['iif', r.iif], ['oif', r.oif]] as const) {
    if (v === undefined) continue;
    const dev = checkIfname(v);
    if (!dev.ok) return bad(dev.error.detail);
    args.push(name, dev.value);
  }
  if (r.fwmark !== undefined) {
    if (!/^(0x[0-9a-fA-F]{1,8}|\d{1,10})(\/(0x[0-9a-fA-F]{1,8}|\d{1,10}))?$/.test(r.fwmark)) return bad(`bad fwmark ${JSON.stringify(r.fwmark)}`);
    args.push('fwmark', r.fwmark);
  }
  const rest = tableAndNumbers(args, r.table, [['tos', r.tos], ['preference', r.preference]]);
  if (!rest.ok) return rest;
  if (r.type !== undefined) {
    if (!['blackhole', 'unreachable', 'prohibit'].includes(r.type)) return bad(`bad rule type ${JSON.stringify(r.type)}`);
    args.push(r.type);
  }
  return ok(args);
}

/** Appends `table T` and the numeric options to `args`. */
function tableAndNumbers(args: string[], table: string | undefined, numbers: readonly (readonly [string, number | undefined])[]): Args {
  if (table !== undefined) {
    const t = parseTable(table);
    if (t === undefined) return bad(`bad table ${JSON.stringify(table)}`);
    args.push('table', t);
  }
  for (const [name, n] of numbers) {
    if (n === undefined) continue;
    if (parseInteger(String(n)) === undefined || n < 0 || n > 0xffffffff) return bad(`bad ${name} ${JSON.stringify(n)}`);
    args.push(name, String(n));
  }
  return ok(args);
}

async function ip(args: Args, opts: IpAddrOptions, present: RegExp, absent: RegExp): Promise<Result<'done' | 'already', IpAddrError>> {
  if (!args.ok) return args;
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' });
  const argv = opts.netns === undefined ? args.value : ['-n', opts.netns, ...args.value];
  const r = await run(opts.ipPath ?? 'ip', argv, { timeoutMs: opts.timeoutMs ?? 5000 });
  if (r.ok) return ok('done');
  if (present.test(r.error.stderr) || absent.test(r.error.stderr)) return ok('already');
  return err({ kind: 'command-failed', detail: r.error.detail, stderr: r.error.stderr });
}

/** Adds a route; 'already' when the kernel had it. */
export function addRoute(r: RouteSpec, opts: IpAddrOptions = {}): Promise<Result<'done' | 'already', IpAddrError>> {
  return ip(ipRouteArgs('add', r), opts, ALREADY_PRESENT, /$^/);
}

/** Deletes a route; 'already' when it was gone. */
export function delRoute(r: RouteSpec, opts: IpAddrOptions = {}): Promise<Result<'done' | 'already', IpAddrError>> {
  return ip(ipRouteArgs('del', r), opts, /$^/, ROUTE_ABSENT);
}

export function addRule(r: RuleSpec, opts: IpAddrOptions = {}): Promise<Result<'done' | 'already', IpAddrError>> {
  return ip(ipRuleArgs('add', r), opts, ALREADY_PRESENT, /$^/);
}

export function delRule(r: RuleSpec, opts: IpAddrOptions = {}): Promise<Result<'done' | 'already', IpAddrError>> {
  return ip(ipRuleArgs('del', r), opts, /$^/, RULE_ABSENT);
}

/** One virtual route or rule, for `changeRoutes`. */
export type RouteChange = { readonly kind: 'route'; readonly route: RouteSpec } | { readonly kind: 'rule'; readonly rule: RuleSpec };

/**
 * Adds (or deletes) every route and rule of `changes`, in order, in the next shared `ip -batch`
 * run; one outcome per change, idempotent like addRoute/delRoute.
 */
export async function changeRoutes(verb: 'add' | 'del', changes: readonly RouteChange[], opts: IpAddrOptions = {}): Promise<Result<'done' | 'already', IpAddrError>[]> {
  if (opts.netns !== undefined && !isValidNetns(opts.netns)) return changes.map(() => err({ kind: 'invalid', detail: `bad netns ${opts.netns}`, stderr: '' }));
  const args = changes.map((c) => (c.kind === 'route' ? ipRouteArgs(verb, c.route) : ipRuleArgs(verb, c.rule)));
  const lines = args.flatMap((a) => (a.ok ? [a.value.join(' ')] : []));
  const done = lines.length > 0 ? await ipBatcher(opts).submit(lines) : [];
  let next = 0;
  return args.map((a, i) => {
    if (!a.ok) return a;
    const r = done[next++]!;
    if (r.ok) return ok('done');
    const already = verb === 'add' ? ALREADY_PRESENT : changes[i]!.kind === 'route' ? ROUTE_ABSENT : RULE_ABSENT;
    if (already.test(r.error.stderr)) return ok('already');
    return err({ kind: 'command-failed', detail: r.error.detail, stderr: r.error.stderr });
  });
}

/** A route as `ip route` shows it, for logs ("192.168.109.0/24 via 192.168.200.254 dev eth1"). */
export function describeRoute(r: RouteSpec): string {
  const a = ipRouteArgs('add', r);
  return a.ok ? a.value.slice(2).join(' ') : JSON.stringify(r);
}

/** A rule as `ip rule` shows it, for logs. */
export function describeRule(r: RuleSpec): string {
  const a = ipRuleArgs('add', r);
  return a.ok ? a.value.slice(2).join(' ') : JSON.stringify(r);
}
