/**
 * Keeps the host's virtual addresses converging on what the router wants: present while MASTER,
 * absent otherwise. One pass at a time changes all the instance's addresses with one `apply`
 * (the daemon's goes into a batch shared with the other instances'); an address that
 * failed is logged and the pass retried with backoff (0.5 s doubling to 8 s) for as long as the
 * wish stands.
 */
import { background, describeError } from '../background.js';
import type { Result } from '../result.js';
import type { Logger } from './log.js';

/** The address operations the keeper needs (io/ip-addr.ts changeAddresses, or fakes in tests). */
export interface VipOps<V> {
  /** Adds (present) or removes (absent) every address, in order; one outcome per address. */
  apply(state: 'present' | 'absent', vips: readonly V[]): Promise<readonly Result<unknown, { detail: string }>[]>;
  describe(vip: V): string;
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
   * `before` is awaited ahead of every pass (the instance uses it to let a pending advert leave
   * before `ip` forks). Wishes are recorded at once, in order, so the last one always wins.
   */
  constructor(
    private readonly vips: readonly V[],
    private readonly ops: VipOps<V>,
    private readonly log: Logger,
    private readonly before: () => Promise<unknown> = () => Promise.resolve(),
  ) {}

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
    // Chain behind any pass in flight; each pass re-reads the wish, so the last wish wins.
    const next = (this.#running ?? Promise.resolve())
      .then(() => this.before())
      .catch(() => undefined)
      .then(() => this.#pass())
      .catch((e: unknown) => this.log.error({ err: describeError(e) }, 'bug: a virtual address pass threw'));
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
    const delay = this.#retryMs;
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      background(this.#kick(), () => undefined); // #kick never rejects
    }, delay);
    this.#retryTimer.unref?.();
  }
}
