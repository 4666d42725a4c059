/**
 * Keeps the host's virtual addresses converging on what the router wants: present while MASTER,
 * absent otherwise. One pass at a time changes all the instance's addresses with one `apply`
 * (the daemon's goes into a batch shared with the other instances'); an address that
 * failed is logged and the pass retried with backoff (0.5 s doubling to 8 s) for as long as the
 * wish stands.
 */
import { background, describeError } from '../background.js';
import type { AheadRequests } from '../io/addr-netlink.js';
import type { Result } from '../result.js';
import type { Logger } from './log.js';

/** The address operations the keeper needs (io/ip-addr.ts changeAddresses, or fakes in tests). */
export interface VipOps<V> {
  /** Adds (present) or removes (absent) every address, in order; one outcome per address. */
  apply(state: 'present' | 'absent', vips: readonly V[]): Promise<readonly Result<unknown, { detail: string }>[]>;
  describe(vip: V): string;
  /** Builds ahead what changing these entries will send (a takeover then only sends it); called for every new list. */
  prepare?(vips: readonly V[]): void;
  /**
   * The additions of `vips` as requests a takeover may send at once, ahead of this keeper's own
   * pass (DeadlineQueue.takeover), or undefined when they must wait for it (not addresses only, a
   * host record not yet written, no rtnetlink). The pass then adds them as always ("already there").
   */
  ahead?(vips: readonly V[]): AheadRequests | undefined;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 8000;

export class VipKeeper<V> {
  #want: 'present' | 'absent' = 'absent';
  #applied: 'present' | 'absent' | 'unknown' = 'unknown';
  #running: Promise<void> | undefined;
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  /**
   * `before`, if given, is awaited ahead of every pass (the routes' keeper waits for the VIPs'
   * pass). Without it, a pass asked for while none is in flight starts at once, synchronously, so
   * its changes join the address batch being gathered now (a mass takeover: every instance's in
   * the same batch, with no promise hop ahead of each). Wishes are recorded at once, in order, so
   * the last one always wins.
   */
  constructor(
    private vips: readonly V[],
    private readonly ops: VipOps<V>,
    private readonly log: Logger,
    private readonly before?: () => Promise<unknown>,
  ) {
    ops.prepare?.(vips);
  }

  /** The entries kept now. */
  get entries(): readonly V[] {
    return this.vips;
  }

  /** The additions of the entries kept now, when a takeover may send them ahead of this keeper's pass (VipOps.ahead); none once stopped. */
  ahead(): AheadRequests | undefined {
    return this.#stopped || this.before !== undefined ? undefined : this.ops.ahead?.(this.vips);
  }

  /**
   * A reload's new list (entries compared by `key`): those in both lists are left alone on the
   * host; while they are wanted present (or may still be there) the dropped ones are removed and
   * the new ones added, in one pass queued behind any other. Resolves with what was added once
   * that pass is done (an entry that failed makes the keeper retry the whole wish as usual).
   */
  replace(next: readonly V[], key: (v: V) => string): Promise<readonly V[]> {
    const before = new Set(this.vips.map(key));
    const after = new Set(next.map(key));
    const removed = this.vips.filter((v) => !after.has(key(v))).reverse();
    const added = next.filter((v) => !before.has(key(v)));
    this.vips = next;
    this.ops.prepare?.(next);
    if (removed.length === 0 && added.length === 0) return Promise.resolve([]);
    let placed: readonly V[] = [];
    const diff = async (): Promise<void> => {
      if (this.#want === 'absent' && this.#applied === 'absent') return;
      const adding = this.#want === 'present' ? added : [];
      const outcomes = [...(removed.length > 0 ? await this.ops.apply('absent', removed) : []), ...(adding.length > 0 ? await this.ops.apply('present', adding) : [])];
      const order = [...removed, ...adding];
      const failures = order.flatMap((v, i) => {
        const r = outcomes[i] ?? { ok: false, error: { detail: 'no outcome' } };
        return r.ok ? [] : [`${this.ops.describe(v)}: ${r.error.detail}`];
      });
      if (removed.length > 0) this.log.info({ vips: removed.map((v) => this.ops.describe(v)), action: 'removed', reason: 'reload' }, 'virtual addresses updated');
      if (adding.length > 0) this.log.info({ vips: adding.map((v) => this.ops.describe(v)), action: 'added', reason: 'reload' }, 'virtual addresses updated');
      if (failures.length === 0) {
        placed = adding;
        return;
      }
      this.log.error({ failures }, 'a reload could not apply every virtual address change; will retry');
      this.#applied = 'unknown';
      this.#scheduleRetry();
    };
    return this.#chain(diff).then(() => placed);
  }

  /** Whether the last completed pass left every VIP as wanted. */
  get settled(): boolean {
    return this.#applied === this.#want;
  }

  get wanted(): 'present' | 'absent' {
    return this.#want;
  }

  /** Called after every pass that left all VIPs as wanted. */
  onSettled: ((state: 'present' | 'absent') => void) | undefined;

  /**
   * Ask for the VIPs to be present or absent; resolves when a pass for this wish has finished.
   * Repeating the current wish while a pass or a retry is pending changes nothing.
   */
  want(state: 'present' | 'absent'): Promise<void> {
    const pending = this.#running !== undefined || this.#retryTimer !== undefined;
    if (state === this.#want && pending) return this.#running ?? Promise.resolve();
    this.#want = state;
    this.#retryMs = FIRST_RETRY_MS;
    return this.#kick();
  }

  /**
   * Some of the addresses went missing behind our back (deleted by someone else): while they are
   * wanted present, a new pass puts them back (an address already there counts as added).
   * Resolves when that pass is done; false when they are not wanted.
   */
  async repair(): Promise<boolean> {
    if (this.#want !== 'present' || this.#stopped) return false;
    this.#applied = 'unknown';
    this.#retryMs = FIRST_RETRY_MS;
    await this.#kick();
    return true;
  }

  /** Stop retrying (shutdown); a pass in flight still finishes. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
  }

  #kick(): Promise<void> {
    if (this.#retryTimer) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    return this.#chain(() => this.#pass());
  }

  /** Chain `work` behind any pass in flight (or start it now: see the constructor); each pass re-reads the wish, so the last wish wins. */
  #chain(work: () => Promise<void>): Promise<void> {
    const before = this.before;
    const started =
      this.#running === undefined && before === undefined
        ? startNow(work)
        : (this.#running ?? Promise.resolve())
            .then(() => before?.())
            .catch(() => undefined)
            .then(work);
    const next = started.catch((e: unknown) => this.log.error({ err: describeError(e) }, 'bug: a virtual address pass threw'));
    this.#running = next;
    background(
      next.then(() => {
        if (this.#running === next) this.#running = undefined;
      }),
      () => undefined, // next never rejects
    );
    return next;
  }

  async #pass(): Promise<void> {
    const target = this.#want;
    if (this.#applied === target) return;
    // Added in order, removed in reverse (what was added last may depend on what came before).
    const order = target === 'present' ? this.vips : [...this.vips].reverse();
    const outcomes = await this.ops.apply(target, order);
    const failures: string[] = [];
    order.forEach((vip, i) => {
      const r = outcomes[i] ?? { ok: false, error: { detail: 'no outcome' } };
      if (!r.ok) failures.push(`${this.ops.describe(vip)}: ${r.error.detail}`);
    });
    if (failures.length === 0) {
      this.#applied = target;
      this.onSettled?.(target);
      this.log.info({ vips: this.vips.map((v) => this.ops.describe(v)), action: target === 'present' ? 'added' : 'removed' }, 'virtual addresses updated');
      return;
    }
    this.#applied = 'unknown';
    if (this.#stopped) {
      this.log.error({ failures }, `could not make virtual addresses ${target}`);
      return;
    }
    this.log.error({ failures, retryInMs: this.#retryMs }, `could not make virtual addresses ${target}; will retry`);
    this.#scheduleRetry();
  }

  /** The next pass after the backoff delay (0.5 s doubling to 8 s), unless stopped. */
  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      background(this.#kick(), () => undefined); // #kick never rejects
    }, delay);
    this.#retryTimer.unref?.();
  }
}

/** `work()`, its synchronous part run now; a throw becomes a rejection, as inside a `then`. */
function startNow(work: () => Promise<void>): Promise<void> {
  try {
    return work();
  } catch (e) {
    return Promise.reject(e);
  }
}
