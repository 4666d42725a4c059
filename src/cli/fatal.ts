/**
 * The last line of defence, installed before anything else runs (main.ts): an exception or a
 * rejection that nothing handled. Errors at the io boundary are values and each instance contains
 * its own bugs, so reaching this is a bug that escaped; the daemon then hands over and exits
 * (systemd restarts it). Before the daemon runs, and for the other commands, it is a message
 * on stderr and exit status 70 (EX_SOFTWARE).
 */
import { describeError } from '../background.js';
import { stderrSink } from '../io/fd-sink.js';

type FatalHook = (e: unknown, kind: string) => void;
let hook: FatalHook | undefined;

/** Route fatal errors to the running daemon (run.ts), or back to the default with undefined. */
export function onFatal(h: FatalHook | undefined): void {
  hook = h;
}

let installed = false;

export function installFatalHandlers(): void {
  if (installed) return;
  installed = true;
  const handle =
    (kind: string) =>
    (e: unknown): void => {
      if (hook !== undefined) {
        try {
          hook(e, kind);
          return;
        } catch {
          // the hook itself failed: fall through to the plain exit
        }
      }
      stderrSink.write(`vrrpd: bug: ${kind}: ${describeError(e)}\n`);
      process.exit(70);
    };
  process.on('uncaughtException', handle('uncaught exception'));
  process.on('unhandledRejection', handle('unhandled rejection'));
}
