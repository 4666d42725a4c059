/**
 * The daemon's one clock and its deadline timers. Time is monotonic milliseconds
 * (performance.now), never the wall clock, so NTP steps cannot fire or stall VRRP timers.
 * Every DeadlineTimer on the daemon's clock sits in one process-wide queue (deadline-queue.ts)
 * woken by a kernel timerfd (io/kernel-timer.ts); timers on another clock (tests' fake clocks)
 * get a queue of their own woken by setTimeout.
 */
import type { AheadRequests } from '../io/addr-netlink.js';
import { monotonicOffset, openKernelTimer } from '../io/kernel-timer.js';
import { loadPacketAddon } from '../io/packet-addon.js';
import { DeadlineQueue, newSlot, slotPending, timeoutWake, type ArmedSend, type QueueSlot, type Wake } from './deadline-queue.js';

/** Monotonic milliseconds. */
export type Now = () => number;

let readNow: Now | undefined;

/**
 * performance.now()'s clock. With the addon, read as CLOCK_MONOTONIC minus the constant offset the
 * kernel timer uses (kernel-timer.ts): the same clock, without performance.now()'s receiver check,
 * whose wrapper allocates an arguments array on every call (the deadline queue and every instance
 * read the clock at each timer: without a JIT, that was 4 % of what the daemon allocated with 255
 * masters; docs/performance.md, "CPU at 255 masters, profiled").
 */
export const monotonicNow: Now = () => (readNow ??= clockReader())();

function clockReader(): Now {
  const addon = loadPacketAddon();
  const mono = addon.ok ? addon.value.monotonicMs : undefined;
  if (mono === undefined) return () => performance.now();
  const offset = monotonicOffset({ monotonicMs: mono });
  return () => mono() - offset;
}

/** How the daemon's timers are woken, and why not by the kernel timer when they are not. */
export type TimerMechanism = { readonly kind: 'timerfd' } | { readonly kind: 'setTimeout'; readonly detail: string };

let mechanism: TimerMechanism | undefined;
const queues = new WeakMap<Now, DeadlineQueue>();

/** The daemon's clock gets the kernel timer when the addon has it; any other clock, setTimeout. */
function queueFor(now: Now): DeadlineQueue {
  let queue = queues.get(now);
  if (queue === undefined) {
    queue = new DeadlineQueue(now, now === monotonicNow ? kernelOrTimeoutWake(now) : timeoutWake(now));
    queues.set(now, queue);
  }
  return queue;
}

function kernelOrTimeoutWake(now: Now): (onWake: (armed: number) => void) => Wake {
  return (onWake) => {
    const kernel = openKernelTimer(onWake);
    if (kernel.ok) {
      mechanism = { kind: 'timerfd' };
      return kernel.value;
    }
    mechanism = { kind: 'setTimeout', detail: kernel.error.detail };
    return timeoutWake(now)(onWake);
  };
}

/**
 * Gives clock `now` a queue woken by `makeWake` (a wake source the caller drives: tests of the armed
 * takeover advert, which the setTimeout wake never sends); DeadlineTimers made on `now` after
 * this use it. Returns the queue.
 */
export function queueOnClock(now: Now, makeWake: (onWake: (armed: number) => void) => Wake): DeadlineQueue {
  const queue = new DeadlineQueue(now, makeWake);
  queues.set(now, queue);
  return queue;
}

/**
 * Resolves when none of the daemon's timers is due within `marginMs` (at most `maxWaitMs` later):
 * forks of `ip` wait for it, so the adverts of a mass takeover all leave before the fork.
 */
export function timersQuiet(marginMs = 5, maxWaitMs = 25): Promise<void> {
  return queueFor(monotonicNow).quiet(marginMs, maxWaitMs);
}

/**
 * `hook` runs in every batch of monotonicNow's timers that deferred first-tier work, after it
 * (DeadlineQueue.betweenTiers): the daemon sends the addresses a mass takeover asked for there.
 */
export function betweenTimerTiers(hook: () => void): void {
  queueFor(monotonicNow).betweenTiers = hook;
}

/**
 * Sets what the daemon's queue does with the address requests of the takeovers whose adverts it
 * sent itself (DeadlineQueue.takeover): the daemon sends them at once, ahead of the instances' own.
 */
export function takeoverAddresses(hook: ((requests: readonly AheadRequests[]) => void) | undefined): void {
  queueFor(monotonicNow).takeover = hook;
}

/** How monotonicNow's timers are woken (opens the queue if no timer has yet). */
export function timerMechanism(): TimerMechanism {
  queueFor(monotonicNow);
  return mechanism!;
}

/**
 * A one-shot timer armed at an absolute monotonic deadline; re-arming replaces it. It fires as
 * soon as its queue's wake source does: within microseconds of the deadline with the kernel
 * timer (native-notes/timers.md), within a millisecond or so with setTimeout.
 */
export class DeadlineTimer {
  readonly #queue: DeadlineQueue;
  /** Its slot calls `fire` itself: armed is what the queue says (slotPending), no wrapper closure per timer. */
  readonly #slot: QueueSlot;

  /** `fire`'s `armedSent`: the datagram armed with the deadline went out at expiry, before this call (arm). */
  constructor(now: Now, fire: (deadline: number, lateMs: number, armedSent: boolean) => void) {
    this.#queue = queueFor(now);
    this.#slot = newSlot(fire);
  }

  get deadline(): number | undefined {
    return slotPending(this.#slot) ? this.#slot.deadline : undefined;
  }

  /**
   * Arm for `deadline` (monotonic ms), or disarm with undefined. `armed`: a datagram the kernel
   * timer sends by itself at the deadline when this timer is the queue's first (DeadlineQueue);
   * each arm replaces it.
   */
  arm(deadline: number | undefined, armed?: ArmedSend): void {
    if (deadline === undefined) return this.cancel();
    if (slotPending(this.#slot) && deadline === this.#slot.deadline && armed === this.#slot.armed) return;
    this.#queue.schedule(this.#slot, deadline, armed);
  }

  cancel(): void {
    this.#queue.cancel(this.#slot);
  }

  /** What a takeover adds, asked for when the queue sends this timer's armed datagram itself (DeadlineQueue.takeover). */
  set ahead(requests: (() => AheadRequests | undefined) | undefined) {
    this.#slot.ahead = requests;
  }

  /** Runs `work` after every timer of the current batch has fired (DeadlineQueue.defer); false outside one. */
  defer(work: () => void): boolean {
    return this.#queue.defer(work);
  }

  /** Runs `work` after every timer of the current batch has fired, ahead of `defer`'s work (DeadlineQueue.deferFirst); false outside one. */
  deferFirst(work: () => void): boolean {
    return this.#queue.deferFirst(work);
  }

  /** Runs `work` after this turn's I/O callbacks, in one batch with the turn's others (DeadlineQueue.later). */
  later(work: () => void): void {
    this.#queue.later(work);
  }
}
