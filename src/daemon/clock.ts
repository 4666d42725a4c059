/**
 * The daemon's one clock and its deadline timers. Time is monotonic milliseconds
 * (performance.now), never the wall clock, so NTP steps cannot fire or stall VRRP timers.
 */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds. */
export type Now = () => number;

export const monotonicNow: Now = () => performance.now();

/** A one-shot timer armed at an absolute monotonic deadline; re-arming replaces it. */
export class DeadlineTimer {
  #handle: NodeJS.Timeout | undefined;
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
    const delay = Math.max(0, deadline - this.#now());
    this.#handle = setTimeout(() => this.#expire(deadline), Math.ceil(delay));
  }

  cancel(): void {
    if (this.#handle) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#deadline = undefined;
  }

  #expire(deadline: number): void {
    // setTimeout may fire a fraction early (it rounds); wait out the remainder.
    const now = this.#now();
    if (now < deadline) {
      this.#handle = setTimeout(() => this.#expire(deadline), Math.max(1, Math.ceil(deadline - now)));
      return;
    }
    this.#handle = undefined;
    this.#deadline = undefined;
    this.#fire(deadline, now - deadline);
  }
}
