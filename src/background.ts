/**
 * Work started and not awaited (a timer's retry, a notify queue, a GARP burst) still has an owner
 * for its failure. Errors at the io boundary are values, so a rejection here is a bug: it goes to
 * `onBug` (which logs it), never to an unhandled rejection that would stop the daemon. The lint
 * (`no-floating-promises`, eslint.config.js) makes every other promise be awaited or handled.
 */
export function background(work: Promise<unknown>, onBug: (e: unknown) => void): void {
  work.then(undefined, (e: unknown) => {
    try {
      onBug(e);
    } catch {
      // the reporter failed too: nothing left to tell
    }
  });
}

/** An error's stack (or text) for a log line. */
export function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
