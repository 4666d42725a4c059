/**
 * An instance's host entries: its virtual addresses (with the excluded ones and no_accept's drop
 * entries) and its virtual routes and rules, each kept by a VipKeeper as the router wants them
 * (present while master, absent otherwise), with where each VIP stands for status and metrics.
 * Routes follow the VIPs' latest pass: a route may use a VIP as its source.
 */
import { background } from '../background.js';
import type { AheadRequests } from '../io/addr-netlink.js';
import type { Result } from '../result.js';
import type { InstanceIoCounters } from '../status/model.js';
import type { Logger } from './log.js';
import { VipKeeper, type VipOps } from './vip-keeper.js';

/** Where one VIP stands: as the last `ip addr` on it left it. */
export interface VipPlacement {
  readonly present: boolean;
  readonly error?: string;
}

export class InstanceVips<V> {
  readonly #vips: VipKeeper<V>;
  #routes: VipKeeper<V> | undefined;
  /** The VIPs' latest pass: routes are added after it. */
  #pass: Promise<unknown> = Promise.resolve();
  /** Each VIP as the last `ip addr` on it left it. */
  readonly #placed: Map<V, VipPlacement>;

  /**
   * `counters`: the instance's, where failed adds and removes are counted; `onPresent`: every VIP
   * is in place (the first GARP burst waits for it); `bug`: an exception caught in a pass.
   */
  constructor(
    vips: readonly V[],
    routes: readonly V[],
    private readonly ops: VipOps<V>,
    private readonly log: Logger,
    private readonly counters: InstanceIoCounters,
    onPresent: () => void,
    private readonly bug: (what: string, e: unknown) => void,
  ) {
    this.#placed = new Map(vips.map((v) => [v, { present: false }]));
    this.#vips = new VipKeeper(vips, this.#counted(ops), log);
    this.#routes = routes.length > 0 ? this.#routeKeeper(routes) : undefined;
    this.#vips.onSettled = (state) => {
      if (state === 'present') onPresent();
    };
  }

  /** Whether the router wants the VIPs in place (master). */
  get wantedPresent(): boolean {
    return this.#vips.wanted === 'present';
  }

  /** Whether every VIP is in place, as the router wants. */
  get settledPresent(): boolean {
    return this.#vips.settled && this.#vips.wanted === 'present';
  }

  /** The VIPs' additions, when a takeover may send them the moment its advert leaves (DeadlineQueue.takeover). */
  ahead(): AheadRequests | undefined {
    return this.#vips.ahead();
  }

  /** Add every entry (the router's addVips): the VIPs, then the routes. */
  add(): void {
    this.#pass = this.#vips.want('present');
    background(this.#pass, (e) => this.bug('addVips', e));
    if (this.#routes) background(this.#routes.want('present'), (e) => this.bug('addVips', e));
  }

  /** Remove every entry (the router's removeVips): the routes, then the VIPs. */
  remove(): void {
    this.#pass = Promise.resolve();
    if (this.#routes) background(this.#routes.want('absent'), (e) => this.bug('removeVips', e));
    background(this.#vips.want('absent'), (e) => this.bug('removeVips', e));
  }

  /** Put back what someone else deleted while master; the kernel flushed the routes whose source was a deleted address, so those go back too. */
  repair(): void {
    this.#pass = this.#vips.repair();
    background(this.#pass, (e) => this.bug('restoreVips', e));
    if (this.#routes) background(this.#routes.repair(), (e) => this.bug('restoreVips', e));
  }

  /**
   * A reload: entries in both configurations are left untouched, dropped ones go and new ones are
   * added while master. `added(entries)` runs once the VIPs' pass is done, with the VIPs it added.
   */
  replace(vips: readonly V[], routes: readonly V[], added: (entries: readonly V[]) => void): void {
    const placed = new Map([...this.#placed].map(([v, p]) => [entryKey(v), p]));
    this.#placed.clear();
    for (const v of vips) this.#placed.set(v, placed.get(entryKey(v)) ?? { present: false });
    const pass = this.#vips.replace(vips, entryKey).then(added);
    this.#pass = pass;
    background(pass, (e) => this.bug('reload', e));
    if (this.#routes) background(this.#routes.replace(routes, entryKey), (e) => this.bug('reload', e));
    else if (routes.length > 0) {
      this.#routes = this.#routeKeeper(routes);
      if (this.wantedPresent) background(this.#routes.want('present'), (e) => this.bug('reload', e));
    }
  }

  /** Shutdown: every entry removed; resolves once they are gone, and nothing is retried after. */
  async stop(): Promise<void> {
    await Promise.all([this.#vips.want('absent'), this.#routes?.want('absent')]);
    this.#vips.stop();
    this.#routes?.stop();
  }

  /** Each VIP and where it stands, for status. */
  placements(): { readonly vip: V; readonly present: boolean; readonly error?: string }[] {
    return [...this.#placed].map(([vip, p]) => ({ vip, ...p }));
  }

  /** Whether the last `ip addr` pass left every VIP as the router wants. */
  get settled(): boolean {
    return this.#vips.settled;
  }

  /** The keeper of virtual routes and rules: its passes wait for the VIPs'. */
  #routeKeeper(routes: readonly V[]): VipKeeper<V> {
    return new VipKeeper(routes, this.ops, this.log, () => this.#pass);
  }

  /** The keeper's `ip addr` operations, counting failures and remembering where each VIP stands. */
  #counted(ops: VipOps<V>): VipOps<V> {
    const apply = async (state: 'present' | 'absent', vips: readonly V[]): Promise<readonly Result<unknown, { detail: string }>[]> => {
      const adding = state === 'present';
      const results = await ops.apply(state, vips);
      results.forEach((r, i) => {
        const vip = vips[i]!;
        if (!this.#placed.has(vip)) return; // dropped by a reload: no longer shown
        if (r.ok) this.#placed.set(vip, { present: adding });
        else {
          this.counters[adding ? 'vipAddFailures' : 'vipRemoveFailures']++;
          this.#placed.set(vip, { present: this.#placed.get(vip)?.present ?? false, error: r.error.detail });
        }
      });
      return results;
    };
    return {
      apply,
      describe: (v) => ops.describe(v),
      ...(ops.prepare ? { prepare: (vs: readonly V[]) => ops.prepare?.(vs) } : {}),
      ...(ops.ahead ? { ahead: (vs: readonly V[]) => ops.ahead?.(vs) } : {}),
    };
  }
}

/** One host entry's identity across a reload (entries are plain data: equal text, same entry). */
function entryKey(v: unknown): string {
  return JSON.stringify(v);
}
