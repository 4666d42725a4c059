/**
 * What a master puts on the host, as one list the keepers (vip-keeper.ts) converge: the no_accept
 * drop entry of each VIP (io/firewall.ts), the VIPs (io/ip-addr.ts), then the virtual routes and
 * rules (io/ip-route.ts). Keepers add in list order and remove in reverse, as keepalived does
 * (vrrp.c vrrp_state_become_master / vrrp_restore_interface): firewall, addresses, routes, rules
 * on the way in; rules, routes, addresses, firewall on the way out. Addresses go to the kernel over
 * rtnetlink in a batch shared with the other instances (io/addr-netlink.ts; `ip -batch` without
 * the addon), routes and rules into the shared `ip -force -batch -` (io/ip-batch.ts); the drop
 * entries are nft calls.
 */
import { addDrop, delDrop } from '../io/firewall.js';
import type { AheadRequests } from '../io/addr-netlink.js';
import { aheadAdditions, changeAddresses, prepareAddresses, type VipSpec } from '../io/ip-addr.js';
import { changeRoutes, describeRoute, describeRule, type RouteChange, type RouteSpec, type RuleSpec } from '../io/ip-route.js';
import type { VrrpdConfig } from '../config/types.js';
import type { Result } from '../result.js';
import { vipSpecs } from './build.js';
import { timersQuiet } from './clock.js';
import type { VipOps } from './vip-keeper.js';
import type { Recorded } from './vip-record.js';

export type HostEntry =
  | { readonly kind: 'drop'; readonly address: string }
  | { readonly kind: 'addr'; readonly vip: VipSpec }
  | { readonly kind: 'route'; readonly route: RouteSpec }
  | { readonly kind: 'rule'; readonly rule: RuleSpec };

type Outcome = Result<unknown, { detail: string }>;
/** Which call changes an entry: nft (drop), `ip addr` or `ip route` / `ip rule`. */
type Tool = 'drop' | 'addr' | 'route';
const toolOf = (e: HostEntry): Tool => (e.kind === 'rule' ? 'route' : e.kind);

/** `entries` cut into runs that one call changes, in order. */
function runs(entries: readonly HostEntry[]): { readonly tool: Tool; readonly entries: HostEntry[] }[] {
  const out: { tool: Tool; entries: HostEntry[] }[] = [];
  for (const e of entries) {
    const last = out.at(-1);
    if (last?.tool === toolOf(e)) last.entries.push(e);
    else out.push({ tool: toolOf(e), entries: [e] });
  }
  return out;
}

/** Changes one run: addresses in one batch, routes and rules as `ip -batch` lines; one nft call per drop entry. */
async function applyRun(present: boolean, tool: Tool, entries: readonly HostEntry[]): Promise<Outcome[]> {
  const gate = { gate: () => timersQuiet() };
  if (tool === 'addr') return changeAddresses(present ? 'add' : 'del', entries.flatMap((e) => (e.kind === 'addr' ? [e.vip] : [])), gate);
  if (tool === 'route') return changeRoutes(present ? 'add' : 'del', entries.flatMap((e) => (e.kind === 'route' || e.kind === 'rule' ? [e] : [])), gate);
  await timersQuiet();
  const out: Outcome[] = [];
  for (const e of entries) if (e.kind === 'drop') out.push(await (present ? addDrop(e.address) : delDrop(e.address)));
  return out;
}

/** The real operations: every entry in the order given, a run of one kind at a time. */
export const HOST_OPS: VipOps<HostEntry> = {
  apply: async (state, entries) => {
    const out: Outcome[] = [];
    for (const r of runs(entries)) out.push(...(await applyRun(state === 'present', r.tool, r.entries)));
    return out;
  },
  describe: describeEntry,
  prepare: (entries) => prepareAddresses(entries.flatMap((e) => (e.kind === 'addr' ? [e.vip] : []))),
  ahead: (entries) => aheadOf(entries),
};

/** The VIP specs of `entries` by list, when every entry is an address (a no_accept drop entry must go first: none ahead then). */
const aheadSpecs = new WeakMap<readonly HostEntry[], readonly VipSpec[] | null>();

/** The additions a takeover of `entries` may send ahead (VipOps.ahead): only a list of addresses. */
function aheadOf(entries: readonly HostEntry[]): AheadRequests | undefined {
  let specs = aheadSpecs.get(entries);
  if (specs === undefined) {
    specs = entries.every((e) => e.kind === 'addr') ? entries.map((e) => (e as { readonly vip: VipSpec }).vip) : null;
    aheadSpecs.set(entries, specs);
  }
  return specs === null ? undefined : aheadAdditions(specs);
}

export function describeEntry(e: HostEntry): string {
  switch (e.kind) {
    case 'addr':
      return `${e.vip.address} dev ${e.vip.dev}`;
    case 'drop':
      return `no_accept drop ${e.address}`;
    case 'route':
      return `route ${describeRoute(e.route)}`;
    case 'rule':
      return `rule ${describeRule(e.rule)}`;
  }
}

/** What the host record keeps of an entry (drop entries go with our nftables table, recorded once). */
export function recordedOf(e: HostEntry): Recorded | undefined {
  switch (e.kind) {
    case 'addr':
      return { kind: 'addr', vip: e.vip };
    case 'route':
      return { kind: 'route', route: e.route };
    case 'rule':
      return { kind: 'rule', rule: e.rule };
    case 'drop':
      return undefined;
  }
}

/** What the host record keeps for a whole configuration (at start and at each reload): every virtual address it names. */
export function configuredRecord(config: VrrpdConfig): Recorded[] {
  return config.instances.flatMap((i) => vipSpecs(i).map((vip): Recorded => ({ kind: 'addr', vip })));
}
