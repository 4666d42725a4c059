/**
 * What a master puts on the host, as one list the keepers (vip-keeper.ts) converge: the no_accept
 * drop entry of each VIP (io/firewall.ts), the VIPs (io/ip-addr.ts), then the virtual routes and
 * rules (io/ip-route.ts). Keepers add in list order and remove in reverse, as keepalived does
 * (vrrp.c vrrp_state_become_master / vrrp_restore_interface): firewall, addresses, routes, rules
 * on the way in; rules, routes, addresses, firewall on the way out.
 */
import { addDrop, delDrop } from '../io/firewall.js';
import { addVip, delVip, type VipSpec } from '../io/ip-addr.js';
import { addRoute, addRule, delRoute, delRule, describeRoute, describeRule, type RouteSpec, type RuleSpec } from '../io/ip-route.js';
import type { VipOps } from './vip-keeper.js';
import type { Recorded } from './vip-record.js';

export type HostEntry =
  | { readonly kind: 'drop'; readonly address: string }
  | { readonly kind: 'addr'; readonly vip: VipSpec }
  | { readonly kind: 'route'; readonly route: RouteSpec }
  | { readonly kind: 'rule'; readonly rule: RuleSpec };

/** The real operations (execFile `ip` / `nft`). */
export const HOST_OPS: VipOps<HostEntry> = {
  add: (e) => (e.kind === 'addr' ? addVip(e.vip) : e.kind === 'drop' ? addDrop(e.address) : e.kind === 'route' ? addRoute(e.route) : addRule(e.rule)),
  del: (e) => (e.kind === 'addr' ? delVip(e.vip) : e.kind === 'drop' ? delDrop(e.address) : e.kind === 'route' ? delRoute(e.route) : delRule(e.rule)),
  describe: describeEntry,
};

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
