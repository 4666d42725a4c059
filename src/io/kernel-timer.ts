/**
 * A kernel timer for the event loop: a timerfd on CLOCK_MONOTONIC armed at an absolute deadline
 * and watched by libuv (native/packet/timer.c). It wakes the loop when the kernel's hrtimer
 * expires, to the microsecond, where setTimeout rounds to the millisecond. Deadlines are given
 * on the caller's clock (`performance.now()`, which Node reads from CLOCK_MONOTONIC too) and
 * shifted by a constant measured once. Why: native-notes/timers.md.
 */
import { err, ok, type Result } from '../result.js';
import { loadPacketAddon, type ArmedDatagram, type PacketAddon, type TimerHandle } from './packet-addon.js';

/**
 * How early the timerfd wakes for a deadline with an armed datagram (ms; timer.c waits out the rest
 * on the CPU, so the datagram leaves at the deadline, not an idle CPU's wake-up after it). Measured
 * with `bench/armed-wake.ts`: native-notes/timers.md, "The early wake". Paid once per armed fire,
 * that is per takeover: never for the periodic adverts, which carry no armed datagram.
 */
export const ARMED_WAKE_MARGIN_MS = 1;

/** What the addon measured at the last armed fire (sent or refused), in µs. */
export interface ArmedFireTrace {
  /** The timerfd's wake-up after its expiry (the margin before the deadline). */
  readonly wakeLateUs: number;
  /** The send (or refusal) after the deadline. */
  readonly sendLateUs: number;
}

let lastTrace: ArmedFireTrace | undefined;
/** The last armed fire's trace when the kernel timer sent its datagram, until takeSentArmedFire takes it. */
let sentTrace: ArmedFireTrace | undefined;
/** The last expiry's trace when the kernel timer refused its datagram (and why), until takeRefusedArmedFire takes it. */
let refusedTrace: RefusedArmedFire | undefined;

/** Why the kernel timer did not send an armed datagram (armed.h's ARMED_* codes). */
const ARMED_REFUSALS: Readonly<Record<number, string>> = { [-1]: 'waiting', [-2]: 'closed', [-3]: 'late', [-4]: 'failed' };

/** An armed datagram the kernel timer did not send at its wake-up: how late it woke, and why (timer.c, armed.h). */
export interface RefusedArmedFire extends ArmedFireTrace {
  /** 'late': woken more than the lateness bound after the deadline; 'waiting': a datagram waits on the socket; 'closed', 'failed'. */
  readonly refused: string;
}

/** The last armed fire's trace in this process (undefined before the first). */
export function lastArmedFire(): ArmedFireTrace | undefined {
  return lastTrace;
}

/**
 * The trace of the kernel timer's last send, once: the instance whose takeover advert it was logs
 * it (the head slot fires first). Undefined when the advert left through the deadline queue
 * (Wake.fire: a slot after the head, or a head refused at its wake-up), or was already taken.
 */
export function takeSentArmedFire(): ArmedFireTrace | undefined {
  const t = sentTrace;
  sentTrace = undefined;
  return t;
}

/**
 * The trace of the last expiry's refused armed datagram, once, for the instance whose takeover
 * advert it was: the deadline queue's pass sent it instead (Wake.fire), and the line says how
 * late the wake-up was. Undefined when the last expiry sent its datagram or had none.
 */
export function takeRefusedArmedFire(): RefusedArmedFire | undefined {
  const t = refusedTrace;
  refusedTrace = undefined;
  return t;
}

/** One one-shot kernel timer. */
export interface KernelTimer {
  /**
   * Fire once at `deadline` (performance.now() ms); replaces any earlier arm. A past deadline fires
   * at once. `armed.datagram` is sent by the addon at expiry before the callback, unless it is more
   * than `armed.maxLateMs` late or a datagram waits on its socket (timer.c); for it the timerfd
   * wakes ARMED_WAKE_MARGIN_MS early and the addon waits out the rest.
   */
  arm(deadline: number, armed?: { readonly datagram: ArmedDatagram; readonly maxLateMs: number }): void;
  /**
   * Sends `armed.datagram` now unless a datagram waits on its socket or the socket is closed (the
   * guards of an expiry, without its lateness bound): the bytes sent, else an ARMED_* code (<= 0).
   * Absent in an addon built before `armedFire`.
   */
  fire?(armed: { readonly datagram: ArmedDatagram }): number;
  disarm(): void;
  close(): void;
}

type TimerAddon = Required<PacketAddon>;

/**
 * Armed datagrams on one socket as one (the addon's armedGroup): the kernel timer sends every one
 * at one expiry, and `Wake.fire` too; undefined when the addon predates it or refuses them.
 */
export function armedGroup(datagrams: readonly ArmedDatagram[]): ArmedDatagram | undefined {
  const loaded = loadPacketAddon();
  if (!loaded.ok || loaded.value.armedGroup === undefined) return undefined;
  try {
    return loaded.value.armedGroup(datagrams);
  } catch {
    return undefined;
  }
}

/** Whether an armed datagram's last fire (alone or as a group's member) sent it (the addon's armedOutcome > 0). */
export function armedWentOut(datagram: ArmedDatagram): boolean {
  const loaded = loadPacketAddon();
  return loaded.ok && (loaded.value.armedOutcome?.(datagram) ?? 0) > 0;
}

let offsetCache: number | undefined;

/**
 * CLOCK_MONOTONIC ms minus performance.now() ms: a constant (Node's performance.now() is
 * uv_hrtime() minus the process's start time), measured once as the tightest of a few bracketing
 * pairs. The timer's deadlines and the receive timestamps (rx-stamp.ts) are shifted by it.
 */
export function monotonicOffset(addon: Required<Pick<PacketAddon, 'monotonicMs'>>): number {
  offsetCache ??= measureOffset(addon);
  return offsetCache;
}

function measureOffset(addon: Required<Pick<PacketAddon, 'monotonicMs'>>): number {
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  for (let i = 0; i < 5; i++) {
    const before = addon.monotonicMs();
    const perf = performance.now();
    const after = addon.monotonicMs();
    if (after - before < best) {
      best = after - before;
      offset = (before + after) / 2 - perf;
    }
  }
  return offset;
}

/** Opens a kernel timer calling `onExpire` on the loop (`armed`: the armed datagram's bytes sent at this expiry, else <= 0); an error when the addon lacks it. */
export function openKernelTimer(onExpire: (armed: number) => void): Result<KernelTimer, { detail: string }> {
  const loaded = loadPacketAddon();
  if (!loaded.ok) return loaded;
  const addon = loaded.value;
  if (typeof addon.timerOpen !== 'function' || typeof addon.monotonicMs !== 'function') {
    return err({ detail: 'the native addon predates the kernel timer (run `npm run build:native`)' });
  }
  const timers = addon as TimerAddon;
  const offset = monotonicOffset(timers);
  let handle: TimerHandle;
  try {
    handle = timers.timerOpen((status, armed, wakeLateUs, sendLateUs) => {
      // A negative libuv status means the poll itself failed: a bug or a broken system, not a timeout.
      if (status < 0) throw new Error(`kernel timer poll failed (libuv status ${status})`);
      const outcome = armed ?? 0;
      // This expiry's trace, when it had an armed datagram: sent (outcome > 0) or refused (< 0).
      const trace = sendLateUs !== undefined ? { wakeLateUs: wakeLateUs ?? Number.NaN, sendLateUs } : undefined;
      if (trace !== undefined) lastTrace = trace;
      sentTrace = trace !== undefined && outcome > 0 ? trace : undefined;
      refusedTrace = trace !== undefined && outcome < 0 ? { ...trace, refused: ARMED_REFUSALS[outcome] ?? String(outcome) } : undefined;
      onExpire(outcome);
    });
  } catch (e) {
    return err({ detail: `timerfd: ${(e as Error).message}` });
  }
  const fireNow = addon.armedFire;
  return ok({
    ...(typeof fireNow === 'function' ? { fire: (armed: { readonly datagram: ArmedDatagram }) => fireNow(armed.datagram) } : {}),
    arm: (deadline, armed) =>
      armed === undefined
        ? timers.timerArm(handle, Math.max(0, deadline + offset))
        : timers.timerArm(handle, Math.max(0, deadline + offset), armed.datagram, armed.maxLateMs, ARMED_WAKE_MARGIN_MS),
    disarm: () => timers.timerDisarm(handle),
    close: () => timers.timerClose(handle),
  });
}
