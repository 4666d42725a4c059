/**
 * Advert trains (native/packet/train.c): a master's steady advert handed to the addon, which sends
 * it at each deadline, `periodMs` apart, advancing like the router's Adver_Timer (nextAdverDeadline,
 * RFC 3768 §6.4.3), without calling into JavaScript. One scheduler (one timerfd) for the process,
 * opened at the first train. Deadlines are on the daemon's clock (performance.now()), shifted like
 * the kernel timer's. Why and the rules: native-notes/timers.md, "The advert train".
 */
import { monotonicOffset } from './kernel-timer.js';
import { loadPacketAddon, type ArmedDatagram, type PacketAddon, type TrainHandle, type TrainsHandle } from './packet-addon.js';

/** Why a train stopped by itself: a datagram waits on its socket, its socket closed, a send failed, its stop-by deadline came. */
export type TrainStopReason = 'waiting' | 'closed' | 'failed' | 'stop-by';

/** train.c's TRAIN_* codes. */
const REASONS: Readonly<Record<number, TrainStopReason>> = { [-1]: 'waiting', [-2]: 'closed', [-4]: 'failed', [-5]: 'stop-by' };

/** A running (or stopped) train. */
export interface AdvertTrain {
  /** Stops it (idempotent): how many deadlines it sent, and the first it did not (performance.now() ms). */
  stop(): { readonly sent: number; readonly next: number };
  /** How many deadlines it has sent so far. */
  sent(): number;
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
  /** Called on the loop when it stopped by itself (`errno` for 'failed'). Never for stop(). */
  readonly onStop: (reason: TrainStopReason, errno: number) => void;
}

type TrainAddon = Required<Pick<PacketAddon, 'trainsOpen' | 'trainStart' | 'trainStop' | 'trainSent' | 'trainNext' | 'monotonicMs'>>;

let scheduler: { addon: TrainAddon; handle: TrainsHandle; offset: number; owners: Map<number, TrainSpec['onStop']> } | undefined | null;
let nextId = 1;

function open(): typeof scheduler {
  if (scheduler !== undefined) return scheduler;
  const loaded = loadPacketAddon();
  const a = loaded.ok ? loaded.value : undefined;
  if (a?.trainsOpen === undefined || a.trainStart === undefined || a.trainStop === undefined || a.trainSent === undefined || a.trainNext === undefined || a.monotonicMs === undefined) return (scheduler = null);
  const addon = a as TrainAddon;
  const owners = new Map<number, TrainSpec['onStop']>();
  const handle = addon.trainsOpen((id, reason, errno) => {
    const onStop = owners.get(id);
    owners.delete(id);
    onStop?.(REASONS[reason] ?? 'failed', errno);
  });
  return (scheduler = { addon, handle, offset: monotonicOffset(addon), owners });
}

/** Whether the environment asks for advert trains: VRRPD_ADVERT_TRAIN=1 (off by default while they are measured). */
export function advertTrainsWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.VRRPD_ADVERT_TRAIN === '1';
}

/** Starts a train; undefined when the addon has none (the caller keeps its own timer). Throws on bad arguments (a bug). */
export function startAdvertTrain(spec: TrainSpec): AdvertTrain | undefined {
  const s = open();
  if (s == null) return undefined;
  const id = nextId;
  nextId = nextId >= 0x7fffffff ? 1 : nextId + 1;
  const stopBy = spec.stopBy === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.max(0, spec.stopBy + s.offset);
  const handle: TrainHandle = s.addon.trainStart(s.handle, id, spec.datagrams, Math.max(0, spec.deadline + s.offset), spec.periodMs, stopBy);
  s.owners.set(id, spec.onStop);
  return {
    stop: () => {
      s.owners.delete(id);
      const sent = s.addon.trainStop(handle);
      return { sent, next: s.addon.trainNext(handle) - s.offset };
    },
    sent: () => s.addon.trainSent(handle),
  };
}
