/**
 * Receive timestamps: when a VRRP datagram reached this host, on the daemon's clock. The native
 * sockets (raw4.c, raw6.c, read by rxsock.c) hand each datagram over with its kernel receive
 * timestamp turned into CLOCK_MONOTONIC ms, and say how they found it; here it becomes a
 * performance.now() time, and an untrusted or missing stamp is counted (and, when the wall clock
 * stepped, logged). A backup restarts Master_Down_Timer from that time (RFC 3768 §6.4.2), so the
 * time JavaScript takes to get to the advert is not added to the takeover. Why: native-notes/timers.md.
 */
import type { RateLimiter } from '../rate-limit.js';
import { monotonicOffset } from './kernel-timer.js';
import type { PacketAddon } from './packet-addon.js';
import type { IoLogger } from './vrrp-socket.js';

/** rxsock.h enum rx_stamp, by value: how the arrival time was found. */
const STAMP_KINDS = ['kernel', 'none', 'future', 'stale'] as const;
export type StampKind = (typeof STAMP_KINDS)[number];

/** What the stamp of one datagram needs: where to count and where to log. */
export interface StampSink {
  readonly counters: { rxUnstamped: number };
  readonly limiter: RateLimiter;
  readonly logger: IoLogger | undefined;
  readonly ifname: string;
}

/**
 * The arrival time on the daemon's clock (performance.now() ms) of a datagram the addon stamped
 * at `arrivalMs` (CLOCK_MONOTONIC) in way `stamp`; now when the addon gave none. Anything but a
 * kernel stamp is counted; a stamp refused because the wall clock stepped is logged (rate-limited).
 */
export function arrivalTime(addon: Required<Pick<PacketAddon, 'monotonicMs'>>, sink: StampSink, arrivalMs: number | undefined, stamp: number | undefined): number {
  const now = performance.now();
  if (arrivalMs === undefined || !Number.isFinite(arrivalMs)) {
    sink.counters.rxUnstamped++;
    return now;
  }
  const kind = STAMP_KINDS[stamp ?? 1] ?? 'none';
  if (kind !== 'kernel') {
    sink.counters.rxUnstamped++;
    if ((kind === 'future' || kind === 'stale') && sink.limiter.check('receive timestamp not trusted', now).log) {
      const why = kind === 'future' ? 'later than now' : 'earlier than the socket was last seen empty';
      sink.logger?.warn({ ifname: sink.ifname, stamp: kind }, `receive timestamp ${why} (the wall clock stepped?): the advert is timed when read`);
    }
  }
  // Never later than now: the caller's clock and the kernel's are the same clock, shifted.
  return Math.min(arrivalMs - monotonicOffset(addon), now);
}
