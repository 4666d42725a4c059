/**
 * A master's gratuitous ARPs / unsolicited NAs (RFC 3768 §6.4.3, RFC 5798 §6.4.3): keepalived's
 * schedule after a takeover (vrrp_garp_master_delay, _repeat, _refresh: io/garp-schedule.ts), the
 * bursts the router asks for, and each burst counted when it has gone out.
 */
import { background } from '../background.js';
import { dueGarps, startGarpSchedule, type GarpCursor } from '../io/garp-schedule.js';
import type { InstanceIoCounters } from '../status/model.js';
import type { IpAddress } from '../wire/address.js';
import { DeadlineTimer, type Now } from './clock.js';
import type { InstanceIo, InstanceSpec } from './instance-types.js';

export class GarpAnnouncer {
  /** Where the schedule stands; undefined when none runs. */
  #cursor: GarpCursor | undefined;
  readonly #timer: DeadlineTimer;

  /** `spec()`: the instance's current settings (a reload changes them); `master()`: whether the instance is master now. */
  constructor(
    private readonly now: Now,
    private readonly io: Pick<InstanceIo<unknown>, 'garp'>,
    private readonly spec: () => Pick<InstanceSpec<unknown>, 'garp' | 'garpAddresses'>,
    private readonly master: () => boolean,
    private readonly counters: InstanceIoCounters,
    private readonly bug: (what: string, e: unknown) => void,
  ) {
    this.#timer = new DeadlineTimer(now, () => this.due());
  }

  /** The schedule starts now (the router's `garp`); its first bursts wait for due(). */
  start(): void {
    this.#cursor = startGarpSchedule(this.now());
  }

  /** The schedule starts again now, what was armed dropped (a VIP put back); due() when the VIPs are in place. */
  restart(): void {
    this.start();
    this.#timer.cancel();
  }

  /** No schedule (the VIPs are going, or the instance stops). */
  stop(): void {
    this.#cursor = undefined;
    this.#timer.cancel();
  }

  /** Send the bursts that are due, while master, then wait for the next. */
  due(): void {
    if (this.#cursor === undefined || !this.master()) return;
    const due = dueGarps(this.spec().garp, this.#cursor, this.now());
    this.#cursor = due.cursor;
    for (const burst of due.bursts) this.burst(burst.count);
    this.#timer.arm(due.nextAt);
  }

  /** One burst of `count` gratuitous ARPs / NAs for every address (or those given), counted when it has gone out. */
  burst(count: number, addresses: readonly IpAddress[] = this.spec().garpAddresses): void {
    const sending = this.io.garp?.(addresses, count);
    if (!sending) return;
    const tally = (n: { sent: number; failed: number }): void => {
      this.counters.garpSent += n.sent;
      this.counters.garpFailures += n.failed;
    };
    background(sending.then(tally), (e) => this.bug('garp', e));
  }
}
