/**
 * Rate limiting for log lines about things others control (dropped packets, failing sends,
 * gratuitous ARP errors, handler bugs triggered by a packet).
 *
 * Keys are reasons chosen by the code ("bad-checksum", "garp"), never values taken from the input
 * (a forged source address must not buy a line of its own): at most one line per key per window,
 * and when a window in which lines were held back ends, `onSuppressed` reports how many ("N more
 * suppressed"). So a flood costs at most two lines per reason per window, whatever it carries.
 * The decision is pure (time passed in); only the end-of-window report needs a timer.
 */

export interface RateLimiterOptions {
  /** Default 10 s. */
  readonly windowMs?: number;
  /** Called when a window with held-back lines ends: log "N more suppressed". */
  readonly onSuppressed?: (key: string, suppressed: number) => void;
  /** Timer used for that report (tests inject one); default an unref'd setTimeout. */
  readonly setTimer?: (fire: () => void, ms: number) => void;
}

/** Distinct keys kept; beyond this every new key shares one entry (keys are reasons, so never in practice). */
const MAX_KEYS = 256;
const OVERFLOW_KEY = '(other)';

interface Window {
  readonly until: number;
  suppressed: number;
  reportArmed: boolean;
}

export class RateLimiter {
  readonly #windowMs: number;
  readonly #opts: RateLimiterOptions;
  /** Made at the first line checked: most limiters (one per instance) never see one. */
  #windows: Map<string, Window> | undefined = undefined;

  constructor(opts: RateLimiterOptions = {}) {
    this.#windowMs = opts.windowMs ?? 10_000;
    this.#opts = opts;
  }

  /**
   * Whether to log a line for `key` now. `suppressed` is how many were held back since the last
   * report and not reported yet (0 when `onSuppressed` reports them at the window's end).
   */
  check(key: string, now: number): { log: boolean; suppressed: number } {
    const windows = (this.#windows ??= new Map());
    const k = windows.has(key) || windows.size < MAX_KEYS ? key : OVERFLOW_KEY;
    const w = windows.get(k);
    if (w && now < w.until) {
      w.suppressed++;
      if (!w.reportArmed && this.#opts.onSuppressed) this.#armReport(k, w, w.until - now);
      return { log: false, suppressed: 0 };
    }
    windows.set(k, { until: now + this.#windowMs, suppressed: 0, reportArmed: false });
    return { log: true, suppressed: w?.suppressed ?? 0 };
  }

  #armReport(key: string, w: Window, delayMs: number): void {
    w.reportArmed = true;
    const fire = (): void => {
      const windows = this.#windows;
      if (windows === undefined || windows.get(key) !== w || w.suppressed === 0) return;
      const n = w.suppressed;
      w.suppressed = 0;
      windows.delete(key); // the next line starts a new window and is logged
      this.#opts.onSuppressed?.(key, n);
    };
    (this.#opts.setTimer ?? defaultTimer)(fire, Math.max(0, delayMs));
  }
}

function defaultTimer(fire: () => void, ms: number): void {
  setTimeout(fire, ms).unref();
}
