/**
 * Advert trains (native/packet/train.c): a master's steady advert handed to the addon, which sends
 * it at each deadline, `periodMs` apart, advancing like the router's Adver_Timer (nextAdverDeadline,
 * RFC 3768 §6.4.3), without calling into JavaScript. One scheduler (one timerfd) for the process,
 * opened at the first train. Deadlines are on the daemon's clock (performance.now()), shifted like
 * the kernel timer's. Why and the rules: native-notes/timers.md, "The advert train".
 */
import { monotonicOffset } from './kernel-timer.js';
import { loadPacketAddon, type ArmedDatagram, type PacketAddon, type TrainHandle, type TrainsHandle } from './packet-addon.js';

/**
 * Why a train stopped by itself: a datagram waits on its socket, its socket closed, a send failed,
 * its stop-by deadline came, or it sent a deadline later than its `lateMs` (that send not tallied).
 */
export type TrainStopReason = 'waiting' | 'closed' | 'failed' | 'stop-by' | 'late';

/** train.c's TRAIN_* codes. */
const REASONS: Readonly<Record<number, TrainStopReason>> = { [-1]: 'waiting', [-2]: 'closed', [-4]: 'failed', [-5]: 'stop-by', [-6]: 'late' };

/** A train's lateness tally (train.c): per bucket of the scheduler's bounds (one more: the open one) a count and a sum (ms), and the max. */
export interface TrainTally {
  readonly counts: readonly number[];
  readonly sumsMs: readonly number[];
  readonly maxMs: number;
}

/** The send that stopped a train as 'late': its deadline (performance.now() ms) and how late it left. */
export interface LateSend {
  readonly deadline: number;
  readonly lateMs: number;
}

/** A running (or stopped) train. */
export interface AdvertTrain {
  /**
   * Stops it (idempotent): how many deadlines it sent, the first it did not (performance.now() ms),
   * how many of its datagrams went out, in order, at that one before a send failed ('failed'; else
   * 0), and the lateness of its sends (the 'late' one apart).
   */
  stop(): { readonly sent: number; readonly next: number; readonly partial: number; readonly lateness: TrainTally };
}

/** What a train is started with. */
export interface TrainSpec {
  /** The datagrams sent, in order, at each deadline (VrrpSocket.arm, VrrpSocket6.arm). */
  readonly datagrams: readonly ArmedDatagram[];
  /** Its first deadline (performance.now() ms). */
  readonly deadline: number;
  readonly periodMs: number;
  /** It sends at deadlines before this one only (performance.now() ms; Infinity: none). */
  readonly stopBy: number;
  /** A send later than this (ms) stops it ('late'): the instance counts and logs that one as its own timer's. */
  readonly lateMs: number;
  /** The lateness tally's upper bounds (ms; the same array for every train: the scheduler takes the first one's). */
  readonly latenessBoundsMs: readonly number[];
  /** Called on the loop when it stopped by itself (`errno` for 'failed', `late` for 'late'). Never for stop(). */
  readonly onStop: (reason: TrainStopReason, errno: number, late: LateSend | undefined) => void;
}

type TrainAddon = Required<Pick<PacketAddon, 'trainsOpen' | 'trainStart' | 'trainStop' | 'trainNext' | 'trainLateness' | 'monotonicMs'>> & Pick<PacketAddon, 'trainPartial'>;

/**
 * How far ahead of its deadline a dispatch that is sending anyway may send a train (train.c's
 * leadMs): deadlines up to this far apart leave in one burst instead of one wake-up each. An
 * advert sent early by at most this much, the same every interval, moves no interval; each wake-up
 * saved is one the virtual machine's host cannot deliver milliseconds late (native-notes/timers.md,
 * "The advert train's tail"; docs/performance.md, eighth session).
 */
export const TRAIN_LEAD_MS = 2;

let scheduler: { addon: TrainAddon; handle: TrainsHandle; offset: number; owners: Map<number, TrainSpec['onStop']> } | undefined | null;
let nextId = 1;

function open(boundsMs: readonly number[]): typeof scheduler {
  if (scheduler !== undefined) return scheduler;
  const loaded = loadPacketAddon();
  const a = loaded.ok ? loaded.value : undefined;
  if (a?.trainsOpen === undefined || a.trainStart === undefined || a.trainStop === undefined || a.trainNext === undefined || a.trainLateness === undefined || a.monotonicMs === undefined) return (scheduler = null);
  const addon = a as TrainAddon;
  const owners = new Map<number, TrainSpec['onStop']>();
  const offset = monotonicOffset(addon);
  const handle = addon.trainsOpen((id, reason, errno, deadline, lateMs) => {
    const onStop = owners.get(id);
    owners.delete(id);
    const why = REASONS[reason] ?? 'failed';
    onStop?.(why, errno, why === 'late' ? { deadline: deadline - offset, lateMs } : undefined);
  }, boundsMs, TRAIN_LEAD_MS);
  return (scheduler = { addon, handle, offset, owners });
}

/**
 * Whether the environment lets the daemon run advert trains: on unless VRRPD_ADVERT_TRAIN=0. Measured
 * at the same time as JavaScript's sends, their interval tail is no longer and their CPU about half
 * (docs/performance.md, "The advert train's tail, found (2026-12-01, eighth session)").
 */
export function advertTrainsWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.VRRPD_ADVERT_TRAIN !== '0';
}

/** train.c's tally as counts, sums and max (`buckets` = bounds + 1). */
function tallyOf(raw: readonly number[]): TrainTally {
  const buckets = (raw.length - 1) / 2;
  return { counts: raw.slice(0, buckets), sumsMs: raw.slice(buckets, 2 * buckets), maxMs: raw[2 * buckets]! };
}

/** Starts a train; undefined when the addon has none (the caller keeps its own timer). Throws on bad arguments (a bug). */
export function startAdvertTrain(spec: TrainSpec): AdvertTrain | undefined {
  const s = open(spec.latenessBoundsMs);
  if (s == null) return undefined;
  const id = nextId;
  nextId = nextId >= 0x7fffffff ? 1 : nextId + 1;
  const stopBy = spec.stopBy === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.max(0, spec.stopBy + s.offset);
  const handle: TrainHandle = s.addon.trainStart(s.handle, id, spec.datagrams, Math.max(0, spec.deadline + s.offset), spec.periodMs, stopBy, spec.lateMs);
  s.owners.set(id, spec.onStop);
  return {
    stop: () => {
      s.owners.delete(id);
      const sent = s.addon.trainStop(handle);
      return { sent, next: s.addon.trainNext(handle) - s.offset, partial: s.addon.trainPartial?.(handle) ?? 0, lateness: tallyOf(s.addon.trainLateness(handle)) };
    },
  };
}
