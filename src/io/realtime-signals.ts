/**
 * keepalived's real-time signals, caught so that none of them ends vrrpd. Node leaves a
 * real-time signal at its default action (the end of the process); the packet addon
 * (native/packet/signals.c) catches them through libuv. keepalived 2.2.7 numbers them from
 * the C library's range (its lib/signals.h), which `keepalived --signum=NAME` prints.
 */
import { err, ok, type Result } from '../result.js';
import { loadPacketAddon } from './packet-addon.js';

/** The names keepalived gives its real-time signals (`keepalived --signum=NAME`). */
export type KeepalivedRealtimeSignal = 'JSON' | 'STATS_CLEAR' | 'TDUMP';

/** keepalived's numbering: JSON = SIGRTMIN+2, STATS_CLEAR = SIGRTMAX-1, TDUMP = SIGRTMAX. */
export function keepalivedRealtimeSignals([min, max]: readonly [number, number]): Record<KeepalivedRealtimeSignal, number> {
  return { JSON: min + 2, STATS_CLEAR: max - 1, TDUMP: max };
}

/** Catches keepalived's real-time signals; `on` runs on the event loop. Fails when the addon is not built. */
export function watchKeepalivedSignals(
  on: (name: KeepalivedRealtimeSignal, signum: number) => void,
): Result<Record<KeepalivedRealtimeSignal, number>, { detail: string }> {
  const addon = loadPacketAddon();
  if (!addon.ok) return addon;
  const { realtimeSignalRange: range, realtimeSignalWatch: watch } = addon.value;
  if (!range || !watch) return err({ detail: 'the packet addon predates real-time signals (run `npm run build:native`)' });
  const numbers = keepalivedRealtimeSignals(range());
  try {
    for (const [name, signum] of Object.entries(numbers) as [KeepalivedRealtimeSignal, number][]) watch(signum, () => on(name, signum));
  } catch (e) {
    return err({ detail: `cannot catch real-time signals: ${(e as Error).message}` });
  }
  return ok(numbers);
}
