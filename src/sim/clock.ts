/**
 * A virtual clock with a deterministic event queue: events run in (time, insertion order), so two
 * runs of the same script give the same transcript.
 */

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/** Virtual time in milliseconds and the events waiting on it. */
export class VirtualClock {
  #now = 0;
  #seq = 0;
  #queue: Scheduled[] = [];

  get now(): number {
    return this.#now;
  }

  /** Run `fn` at virtual time `at` (never in the past). */
  schedule(at: number, run: () => void): void {
    const item = { at: Math.max(at, this.#now), seq: this.#seq++, run };
    // Binary search keeps the queue sorted by (at, seq).
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.#queue[mid]!;
      if (m.at < item.at || (m.at === item.at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, item);
  }

  /** Run every event due up to and including `until`, then set the clock to `until`. */
  runUntil(until: number): void {
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next.at > until) break;
      this.#queue.shift();
      this.#now = next.at;
      next.run();
    }
    this.#now = Math.max(this.#now, until);
  }
}
