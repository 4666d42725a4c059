/**
 * keepalived's vrrp_sync_group: the members move together. When one member becomes MASTER the
 * others follow; when a master member steps down to BACKUP the others step down too. While any
 * member has a fault of its own (its link down, a weight-0 tracker failing) every other member is
 * held in FAULT; when no member has one left, every hold is released.
 *
 * Pure: state changes and own-fault changes in, `sync` inputs for the members' routers out. The
 * holds follow keepalived's count of faulted members, not the members' states: a member held in
 * FAULT by the group whose own fault clears changes no state, so only its own-fault report (the
 * router's 'ownFault' action) can tell the group. Moves the coordinator itself caused (reason
 * 'sync-group') are not propagated again. Orders may name the member that reported (a member
 * whose own fault cleared while another's remains must be held now); callers apply them after the
 * reporting step's actions.
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

interface GroupState {
  readonly spec: SyncGroupSpec;
  /** Members with a fault of their own, and what it is. */
  readonly faulted: Map<string, string>;
  /** Members told to hold FAULT (and not released since). */
  readonly held: Set<string>;
}

export class SyncGroups {
  readonly #groupOf = new Map<string, GroupState>();

  constructor(groups: readonly SyncGroupSpec[]) {
    for (const spec of groups) {
      const g: GroupState = { spec, faulted: new Map(), held: new Set() };
      for (const m of spec.members) this.#groupOf.set(m, g);
    }
  }

  /** The group an instance belongs to, if any. */
  groupOf(member: string): string | undefined {
    return this.#groupOf.get(member)?.spec.name;
  }

  /** A member changed state: what the other members must be told (MASTER and BACKUP moves). */
  onStateChange(member: string, from: RouterState, to: RouterState, reason: TransitionReason): SyncOrder[] {
    const g = this.#groupOf.get(member);
    if (!g || reason === 'sync-group') return [];
    const name = g.spec.name;
    const tell = (input: SyncOrder['input']): SyncOrder[] => g.spec.members.filter((m) => m !== member).map((m) => ({ member: m, input }));
    if (to === 'MASTER') return tell({ kind: 'sync', to: 'MASTER', detail: `sync group ${name}: ${member} became MASTER` });
    if (from === 'MASTER' && to === 'BACKUP') return tell({ kind: 'sync', to: 'BACKUP', detail: `sync group ${name}: ${member} became BACKUP` });
    return [];
  }

  /** A member's own fault began or ended (router action 'ownFault'): the holds to take or release. */
  onOwnFault(member: string, faulted: boolean, detail: string): SyncOrder[] {
    const g = this.#groupOf.get(member);
    if (!g) return [];
    if (faulted) g.faulted.set(member, detail);
    else g.faulted.delete(member);
    return g.spec.members.flatMap((m) => this.#order(g, m));
  }

  /**
   * Brings one member's hold in line with the group whatever it was told before: for a member
   * (re)starting (its earlier orders went to a router that no longer exists) and after a reload
   * (a new coordinator). Always one order: FAULT when another member has a fault of its own, else OK;
   * OK too for an instance in no group (a reload may have taken it out of one that held it).
   */
  resync(member: string): SyncOrder[] {
    const g = this.#groupOf.get(member);
    if (!g) return [{ member, input: { kind: 'sync', to: 'OK', detail: 'in no sync group' } }];
    g.held.delete(member);
    const hold = this.#order(g, member);
    return hold.length > 0 ? hold : [this.#release(g, member)];
  }

  /** The order that brings `member`'s hold in line with the group (none when it already is). */
  #order(g: GroupState, member: string): SyncOrder[] {
    const others = [...g.faulted].filter(([m]) => m !== member);
    const hold = others.length > 0;
    if (hold === g.held.has(member)) return [];
    if (!hold) return [this.#release(g, member)];
    g.held.add(member);
    const [first, why] = others[0]!;
    return [{ member, input: { kind: 'sync', to: 'FAULT', detail: `sync group ${g.spec.name}: ${first} in FAULT (${why})` } }];
  }

  #release(g: GroupState, member: string): SyncOrder {
    g.held.delete(member);
    return { member, input: { kind: 'sync', to: 'OK', detail: `sync group ${g.spec.name}: no member in FAULT` } };
  }
}
