/**
 * The daemon's one clock and its deadline timers. Time is monotonic milliseconds
 * (performance.now), never the wall clock, so NTP steps cannot fire or stall VRRP timers.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds. */
export type Now = () => number;

export const monotonicNow: Now = () => performance.now();

/** Below this, the last stretch to a deadline is waited out with setImmediate, not setTimeout. */
const FINE_MS = 2;

/**
 * A one-shot timer armed at an absolute monotonic deadline; re-arming replaces it. setTimeout
 * has millisecond granularity and fires late by up to a millisecond or two; VRRP takeover is
 * measured against Master_Down_Interval to the millisecond, so the timer wakes a little early
 * and waits out the last stretch on the event loop's check phase (a fraction of a ms of CPU).
 */
export class DeadlineTimer {
  #handle: NodeJS.Timeout | NodeJS.Immediate | undefined;
  #deadline: number | undefined;
  readonly #now: Now;
  readonly #fire: (deadline: number, lateMs: number) => void;

  constructor(now: Now, fire: (deadline: number, lateMs: number) => void) {
    this.#now = now;
    this.#fire = fire;
  }

  get deadline(): number | undefined {
    return this.#deadline;
  }

  /** Arm for `deadline` (monotonic ms), or disarm with undefined. */
  arm(deadline: number | undefined): void {
    if (deadline === this.#deadline && this.#handle) return;
    this.cancel();
    if (deadline === undefined) return;
    this.#deadline = deadline;
    this.#wait(deadline);
  }

  cancel(): void {
    if (this.#handle) {
      clearTimeout(this.#handle as NodeJS.Timeout);
      clearImmediate(this.#handle as NodeJS.Immediate);
    }
    this.#handle = undefined;
    this.#deadline = undefined;
  }

  #wait(deadline: number): void {
    const left = deadline - this.#now();
    this.#handle =
      left > FINE_MS
        ? setTimeout(() => this.#expire(deadline), Math.floor(left - FINE_MS))
        : setImmediate(() => this.#expire(deadline));
  }

  #expire(deadline: number): void {
    const now = this.#now();
    if (now < deadline) {
      this.#wait(deadline);
      return;
    }
    this.#handle = undefined;
    this.#deadline = undefined;
    this.#fire(deadline, now - deadline);
  }
}
