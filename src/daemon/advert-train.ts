/**
 * A master's steady adverts handed to the addon as a train (io/advert-trains.ts, train.c), and
 * taken back. What the router does at each Adver_Timer fire in steady state (RFC 3768 §6.4.3,
 * RFC 5798 §6.4.3: send the advert, reset the timer) is known ahead, so the addon repeats it
 * without waking JavaScript. The instance hands a train over at the end of a step only when the
 * router's next deadline is its Adver_Timer, and takes it back before anything else happens to it
 * (an input, a status read, shutdown) or when the train stops by itself (a datagram waiting on the
 * socket, a send failure). The router did not run meanwhile; `catchUpAt` says how to step it so
 * that its state is what the fires one by one would have left (native-notes/timers.md, "The
 * advert train").
 */
import type { AdvertTrain, LateSend, TrainSpec, TrainStopReason, TrainTally } from '../io/advert-trains.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { Router } from '../protocol/router.js';
import { splitBrainOf } from '../protocol/split-brain.js';
import { csToMs } from '../protocol/timers.js';
import { LATE_TIMER_MS } from '../status/model.js';
import type { AdvertSender } from './advert-sender.js';
import { TRAIN_LATENESS_BOUNDS_MS } from './timer-lateness.js';

/** What the instance's I/O offers for trains (InstanceIo.startTrain). */
export type StartTrain = (spec: TrainSpec) => AdvertTrain | undefined;

/**
 * The time of the one `timeout` step that leaves a router as `sent` (>= 1) Adver_Timer fires would
 * have, the last of which set the deadline `next` (with that step's own advert counted and not
 * sent, the other sent - 1 counted by the caller). The router resets its timer to
 * nextAdverDeadline(at, now, interval) = at + interval, or now + interval when that is not later
 * than now (timers.ts); stepped at now = next - interval from its first deadline `first`:
 * - sent = 1, on time: next = first + interval, so now = first: first + interval > now, it gives next;
 * - sent = 1, after a stall: next = t + interval with t >= first + interval: now = t, it gives t + interval;
 * - sent >= 2: next - interval >= the last deadline sent >= first + interval, so it gives now + interval = next.
 * (test/unit/daemon/advert-train.test.ts checks this against a router stepped fire by fire.)
 */
export function catchUpAt(next: number, intervalMs: number): number {
  return next - intervalMs;
}

/** What the driver needs of its instance. */
export interface TrainHooks {
  /** Steps the router with `timeout` at `at` (its advert goes to the sender, in catch-up mode). */
  timeoutAt(at: number): void;
  /** The instance's own timer holds the router's next deadline again. */
  armOwnTimer(): void;
  /** The instance's own timer holds nothing: the train has the Adver_Timer. */
  cancelOwnTimer(): void;
  now(): number;
  bug(what: string, e: unknown): void;
  /** The train stopped by itself, before it is taken back (for the log). */
  stopped(reason: TrainStopReason, errno: number): void;
  /** The lateness of a train's sends, at its reclaim: into the instance's figures as if its own timer had fired them. */
  fold(lateness: TrainTally): void;
  /** A train sent a deadline later than LATE_TIMER_MS and stopped: counted and logged as the instance's own late fire, after the reclaim. */
  late(deadline: number, lateMs: number): void;
}

/** One instance's train: at most one, running or not, handed over and taken back. */
export class AdvertTrainDriver {
  #train: AdvertTrain | undefined;
  #datagrams: readonly ArmedDatagram[] = [];
  /** keepalived's delayed lower-priority GARP bursts may be due before this (the router keeps them among its deadlines). */
  #garpHoldUntil = Number.NEGATIVE_INFINITY;
  readonly #onStop = (reason: TrainStopReason, errno: number, late: LateSend | undefined): void => {
    this.hooks.stopped(reason, errno);
    this.reclaim();
    // One late send, one stop, one count and line: the instance's own timer sends the next advert
    // and hands a new train over after it, so a process always late logs what it logged without trains.
    if (late !== undefined) this.hooks.late(late.deadline, late.lateMs);
  };

  constructor(
    private readonly router: Router,
    private readonly sender: AdvertSender,
    private readonly start: StartTrain | undefined,
    private readonly hooks: TrainHooks,
  ) {}

  /** Whether a train runs (the instance's Adver_Timer is the addon's). */
  get running(): boolean {
    return this.#train !== undefined;
  }

  /**
   * A master received an advert at `now`: it may have scheduled a delayed lower-priority GARP burst
   * (split-brain.ts, garp_lower_prio_delay), a router deadline that is not the Adver_Timer. No train
   * runs until every such burst is past.
   */
  masterReceived(now: number): void {
    const sb = splitBrainOf(this.router.config);
    if (sb.garpLowerPrioRepeat > 0 && sb.garpLowerPrioDelayMs > 0) this.#garpHoldUntil = Math.max(this.#garpHoldUntil, now + sb.garpLowerPrioDelayMs);
  }

  /**
   * The end of a step with nothing left to do (`idle`): a master whose next deadline is its
   * Adver_Timer hands it over to a train of the router's own advert (sender.trainDatagrams, §7.2),
   * `adverIntervalCs` apart. True when a train now runs (the instance's own timer is cancelled).
   */
  handOver(idle: boolean): boolean {
    if (this.#train !== undefined || this.start === undefined || !idle || this.router.state !== 'MASTER') return false;
    const deadline = this.router.nextDeadline();
    const now = this.hooks.now();
    if (deadline === undefined || now <= this.#garpHoldUntil || deadline <= this.#garpHoldUntil) return false;
    try {
      const datagrams = this.sender.trainDatagrams();
      if (datagrams === undefined) return false;
      this.#train = this.start({ datagrams, deadline, periodMs: csToMs(this.router.config.adverIntervalCs), stopBy: Number.POSITIVE_INFINITY, lateMs: LATE_TIMER_MS, latenessBoundsMs: TRAIN_LATENESS_BOUNDS_MS, onStop: this.#onStop });
      this.#datagrams = datagrams;
    } catch (e) {
      this.hooks.bug('train', e);
      return false;
    }
    if (this.#train === undefined) return false;
    this.hooks.cancelOwnTimer();
    return true;
  }

  /**
   * Takes the train back, if one runs, and catches the router up: what it sent is counted (router
   * and socket) and its Adver_Timer is where the fires one by one would have left it (catchUpAt).
   * A deadline whose sends stopped at a failed one (`partial` destinations served) is fired now:
   * those are counted, the rest sent (#catchUp). Then the instance's own timer holds it again.
   */
  reclaim(): void {
    const train = this.#train;
    if (train === undefined) return;
    this.#train = undefined;
    const { sent, next, partial, lateness } = train.stop();
    this.hooks.fold(lateness);
    // advertiseSent counts the router's adverts: one an Adver_Timer fire, however many destinations it went to.
    // Never before the router's own Adver_Timer: the addon's deadlines are integer ns, so `next` may be
    // below the router's by rounding (half of the one-send reclaims), and a step before it fires nothing.
    const due = this.router.nextDeadline() ?? Number.NEGATIVE_INFINITY;
    if (sent > 0) this.#catchUp(sent, Math.max(catchUpAt(next, csToMs(this.router.config.adverIntervalCs)), due), this.#datagrams.length);
    if (partial > 0) this.#catchUp(1, Math.max(this.router.nextDeadline() ?? next, this.hooks.now()), partial);
    this.hooks.armOwnTimer();
  }

  /**
   * One `timeout` step at `at` whose advert the train sent `count` times to each of its first
   * `served` destinations: counted there, not sent again; sent from here to the others (a deadline
   * that stopped at a failed send: RFC 3768 §6.4.3, each peer gets each Adver_Timer fire's advert once).
   */
  #catchUp(count: number, at: number, served: number): void {
    this.router.counters.advertiseSent += count - 1; // the step counts the last one
    this.sender.beginTrainCatchUp(this.#datagrams, count, served);
    this.hooks.timeoutAt(at);
    if (this.sender.endTrainCatchUp()) this.hooks.bug('train', new Error('the router sent no advert on the catch-up of a train'));
  }
}
