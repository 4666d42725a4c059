/**
 * How late an instance's protocol timer (adverts, Master_Down) fires: a histogram and the worst,
 * which SIGUSR2's statistics report and the soak bench reads. Recording allocates nothing: it runs
 * at every advert.
 */

/** Upper bounds (ms) of the timer-lateness histogram SIGUSR2 reports; the last bucket is open. */
export const LATENESS_BOUNDS_MS = [1, 5, 20, 100] as const;

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
