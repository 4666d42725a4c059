/**
 * How late an instance's protocol timer (adverts, Master_Down) fires: a histogram and the worst,
 * which SIGUSR2's statistics report and the soak bench reads. Recording allocates nothing: it runs
 * at every advert.
 */

import type { TrainTally } from '../io/advert-trains.js';
import { HISTOGRAMS } from '../status/metrics.js';

/** Upper bounds (ms) of the timer-lateness histogram SIGUSR2 reports; the last bucket is open. */
export const LATENESS_BOUNDS_MS = [1, 5, 20, 100] as const;

/**
 * The bounds (ms) of an advert train's lateness tally (train.c, given at trainsOpen): those of the
 * SIGUSR2 tally and of the vrrpd_timer_lateness_seconds histogram together, so that a train's
 * sends fold exactly into both (foldTrainLateness).
 */
export const TRAIN_LATENESS_BOUNDS_MS: readonly number[] = [...new Set([...LATENESS_BOUNDS_MS, ...HISTOGRAMS.timerLateness.buckets.map((s) => Math.round(s * 1e6) / 1e3)])].sort((a, b) => a - b);

/**
 * Calls `each(lateMs, n)` for every bucket of a train's tally with sends in it: `lateMs` the mean of
 * its sends, within the bucket's bounds, so that recording it `n` times puts them in the same
 * bucket of any histogram whose bounds are among TRAIN_LATENESS_BOUNDS_MS, with the same sum.
 */
export function foldTrainLateness(t: TrainTally, each: (lateMs: number, n: number) => void): void {
  const bounds = TRAIN_LATENESS_BOUNDS_MS;
  for (let i = 0; i < t.counts.length; i++) {
    const n = t.counts[i]!;
    if (n === 0) continue;
    const lo = i === 0 ? Number.NEGATIVE_INFINITY : bounds[i - 1]!;
    const hi = i < bounds.length ? bounds[i]! : Number.POSITIVE_INFINITY;
    const mean = t.sumsMs[i]! / n;
    // Rounding may put the mean a hair past a bound: the bucket is what must be exact (the open one holds the max).
    each(mean > lo && mean <= hi ? mean : hi < Number.POSITIVE_INFINITY ? hi : t.maxMs, n);
  }
}

/** How late the instance's protocol timer fired: a count per bucket and the worst. */
export interface TimerLateness {
  readonly fired: number;
  readonly maxLateMs: number;
  /** `le1`, `le5`, `le20`, `le100`, `over100`: timers that fired that late. */
  readonly buckets: Readonly<Record<string, number>>;
}

export class LatenessTally {
  readonly #buckets = new Array<number>(LATENESS_BOUNDS_MS.length + 1).fill(0);
  /**
   * The latest fire so far (ms), undefined before the first. Not a number at first on purpose: V8
   * then keeps the field tagged, and without a JIT every read of a double field allocates a heap
   * number (deadline-queue.ts, NEVER_ARMED).
   */
  #max: number | undefined = undefined;

  record(lateMs: number): void {
    this.#buckets[latenessBucket(lateMs)]!++;
    if (this.#max === undefined || lateMs > this.#max) this.#max = lateMs;
  }

  /** Adds an advert train's sends (train.c's tally): the same buckets and max as recording each. */
  fold(t: TrainTally): void {
    foldTrainLateness(t, (lateMs, n) => (this.#buckets[latenessBucket(lateMs)]! += n));
    if (t.counts.some((n) => n > 0) && (this.#max === undefined || t.maxMs > this.#max)) this.#max = t.maxMs;
  }

  snapshot(): TimerLateness {
    const buckets: Record<string, number> = {};
    LATENESS_BOUNDS_MS.forEach((b, i) => (buckets[`le${b}`] = this.#buckets[i]!));
    buckets[`over${LATENESS_BOUNDS_MS.at(-1)!}`] = this.#buckets.at(-1)!;
    return { fired: this.#buckets.reduce((a, b) => a + b, 0), maxLateMs: this.#max ?? 0, buckets };
  }
}

/** The index in LATENESS_BOUNDS_MS of the first bound `lateMs` is within; past the last, the open bucket. */
function latenessBucket(lateMs: number): number {
  let i = 0;
  while (i < LATENESS_BOUNDS_MS.length && lateMs > LATENESS_BOUNDS_MS[i]!) i++;
  return i;
}
