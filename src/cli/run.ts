/**
 * `vrrpd [run] -f FILE`: the daemon in the foreground (systemd supervises it; it never forks).
 *
 * Every signal keepalived handles has a meaning from the first moment, so none of them can end
 * vrrpd by Node's default action (which for SIGUSR2 and SIGHUP is to terminate):
 * - SIGTERM / SIGINT: masters hand over with priority 0, VIPs removed, exit within 1 s. During
 *   start-up, whatever has started is stopped the same way once start() returns.
 * - SIGHUP: reload (one at a time; ignored while starting).
 * - SIGUSR1: state dump to <run-dir>/vrrpd.state.json. SIGUSR2: statistics to vrrpd.stats.json.
 * - SIGPIPE: ignored (Node's default); a lost stdout is an EPIPE that the log sink absorbs.
 * - keepalived's real-time signals (through the packet addon): JSON (SIGRTMIN+2) writes the state
 *   dump, STATS_CLEAR (SIGRTMAX-1) the statistics, which vrrpd never clears (its counters only
 *   grow, as Prometheus counters must); TDUMP (SIGRTMAX) is logged and ignored.
 * A bug that escapes every handler (cli/fatal.ts) stops the daemon the SIGTERM way, exit 70.
 */
import { background, describeError } from '../background.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../daemon/log.js';
import { stdoutSink } from '../io/fd-sink.js';
import { watchKeepalivedSignals } from '../io/realtime-signals.js';
import { notifySystemd } from '../io/sd-notify.js';
import type { DaemonArgs } from './args.js';
import { onFatal } from './fatal.js';

/** Past this, a stop that has not finished exits anyway (Daemon.stop itself is bounded to 0.9 s). */
const HARD_EXIT_MS = 1500;

export function runDaemon(args: DaemonArgs): Promise<number> {
  // Log lines are written together, a few ms later (io/fd-sink.ts hold; at exit, all of them).
  stdoutSink.hold();
  const log = createLogger({ level: args.logLevel, ...(args.json !== undefined ? { json: args.json } : {}) });
  const daemon = new Daemon({ configPath: args.configPath, runDir: args.runDir, log, ...(args.configId ? { configId: args.configId } : {}), ...(args.metrics ? { metrics: args.metrics } : {}) });
  const bug = (what: string) => (e: unknown) => log.error({ err: describeError(e) }, `bug: ${what} failed`);
  const tell = (fields: Parameters<typeof notifySystemd>[0]): void =>
    background(
      notifySystemd(fields).then((problem) => {
        if (problem) log.warn({ detail: problem }, 'could not report to systemd');
      }),
      bug('telling systemd'),
    );

  return new Promise<number>((resolve) => {
    let phase: 'starting' | 'running' | 'stopping' = 'starting';
    let exitCode = 0;
    let reloads: Promise<unknown> = Promise.resolve();
    const finish = (): void => {
      background(
        daemon.stop().then(() => resolve(exitCode)),
        (e) => {
          bug('stopping')(e);
          resolve(70);
        },
      );
    };
    const stop = (why: string, code: number): void => {
      if (phase === 'stopping') return;
      const starting = phase === 'starting';
      phase = 'stopping';
      exitCode = code;
      log.info({ signal: why }, 'stopping');
      tell({ stopping: true });
      setTimeout(() => {
        log.error({}, 'stopping took too long; exiting now');
        process.exit(exitCode || 1);
      }, HARD_EXIT_MS).unref();
      if (!starting) finish(); // else start() finishes first, then stops
    };
    process.on('SIGTERM', () => stop('SIGTERM', 0));
    process.on('SIGINT', () => stop('SIGINT', 0));
    process.on('SIGHUP', () => {
      if (phase !== 'running') {
        log.warn({ phase }, 'SIGHUP ignored: not running yet (or stopping)');
        return;
      }
      tell({ reloading: true });
      reloads = reloads.then(() => daemon.reload()).then(() => tell({ ready: true }), bug('reload'));
    });
    process.on('SIGUSR1', () => background(daemon.dumpState(), bug('state dump')));
    process.on('SIGUSR2', () => background(daemon.dumpStats(), bug('statistics dump')));
    const realtime = watchKeepalivedSignals((name, signum) => {
      if (name === 'JSON') background(daemon.dumpState(), bug('state dump'));
      else if (name === 'STATS_CLEAR') background(daemon.dumpStats(), bug('statistics dump'));
      const what = { JSON: 'the state dumped', STATS_CLEAR: 'the statistics dumped, not cleared: vrrpd counters only grow', TDUMP: 'ignored: vrrpd has no thread dump' }[name];
      log.info({ signal: signum, keepalived: name }, `keepalived's ${name} signal: ${what}`);
    });
    if (!realtime.ok) log.warn({ detail: realtime.error.detail }, "keepalived's real-time signals (JSON, STATS_CLEAR, TDUMP) would end vrrpd");
    onFatal((e, kind) => {
      log.fatal({ err: describeError(e) }, `bug: ${kind}; stopping cleanly`);
      stdoutSink.flush(); // out now, whatever the stop does next
      stop(kind, 70);
    });

    const start = async (): Promise<void> => {
      const started = await daemon.start();
      if (phase === 'stopping') return finish();
      if (!started.ok) {
        log.fatal({ detail: started.detail }, 'vrrpd could not start');
        exitCode = 1;
        phase = 'stopping';
        return finish();
      }
      phase = 'running';
      // Sockets are bound and the configuration loaded: tell systemd (Type=notify).
      tell({ ready: true, status: 'running' });
    };
    background(start(), (e) => {
      log.fatal({ err: describeError(e) }, 'bug: start-up threw; stopping cleanly');
      exitCode = 70;
      phase = 'stopping';
      finish();
    });
  });
}
