/**
 * keepalived's vrrp_sync_group: the members move together. When one member becomes MASTER the
 * others follow; when a master member steps down to BACKUP the others step down too; while any
 * member is in FAULT of its own, every other member is held in FAULT. Pure: state changes in,
 * `sync` inputs for the other members' routers out. Moves the coordinator itself caused
 * (reason 'sync-group') are not propagated again.
 */
import type { Input, RouterState, TransitionReason } from './types.js';

export interface SyncGroupSpec {
  readonly name: string;
  readonly members: readonly string[];
}

export interface SyncOrder {
  readonly member: string;
  readonly input: Extract<Input, { kind: 'sync' }>;
}

export class SyncGroups {
  readonly #groupOf = new Map<string, SyncGroupSpec>();
  /** Members in FAULT of their own, per group. */
  readonly #faulted = new Map<string, Set<string>>();

  constructor(groups: readonly SyncGroupSpec[]) {
    for (const g of groups) {
      this.#faulted.set(g.name, new Set());
      for (const m of g.members) this.#groupOf.set(m, g);
    }
  }

  /** The group an instance belongs to, if any. */
  groupOf(member: string): string | undefined {
    return this.#groupOf.get(member)?.name;
  }

  /** A member changed state: what the other members must be told. */
  onStateChange(member: string, from: RouterState, to: RouterState, reason: TransitionReason): SyncOrder[] {
    const group = this.#groupOf.get(member);
    if (!group || reason === 'sync-group') return [];
    const others = group.members.filter((m) => m !== member);
    const tell = (input: SyncOrder['input']): SyncOrder[] => others.map((m) => ({ member: m, input }));
    const faulted = this.#faulted.get(group.name)!;
    if (to === 'FAULT') {
      faulted.add(member);
      return tell({ kind: 'sync', to: 'FAULT', detail: `sync group ${group.name}: ${member} in FAULT` });
    }
    const orders: SyncOrder[] = [];
    if (from === 'FAULT' && faulted.delete(member) && faulted.size === 0) {
      orders.push(...tell({ kind: 'sync', to: 'OK', detail: `sync group ${group.name}: no member in FAULT` }));
    }
    if (to === 'MASTER') orders.push(...tell({ kind: 'sync', to: 'MASTER', detail: `sync group ${group.name}: ${member} became MASTER` }));
    if (from === 'MASTER' && to === 'BACKUP') orders.push(...tell({ kind: 'sync', to: 'BACKUP', detail: `sync group ${group.name}: ${member} became BACKUP` }));
    return orders;
  }
}
