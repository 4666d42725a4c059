/**
 * `vrrpd [run] -f FILE`: the daemon in the foreground (systemd supervises it; it never forks).
 * SIGTERM/SIGINT: masters hand over with priority 0, VIPs removed, exit within 1 s.
 * SIGHUP: reload. SIGUSR1: state dump to <run-dir>/vrrpd.state.json.
 */
import { existsSync } from 'node:fs';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../daemon/log.js';
import { DEFAULT_RUN_DIR } from '../daemon/runtime-dir.js';
import { notifySystemd } from '../io/sd-notify.js';

export const CONFIG_CANDIDATES = ['/etc/vrrpd/keepalived.conf', '/etc/keepalived/keepalived.conf'];

export interface RunArgs {
  readonly configPath: string;
  readonly configId?: string;
  readonly runDir: string;
  readonly logLevel: string;
  readonly json?: boolean;
}

/** Parse `run` arguments; a string is a usage error. */
export function parseRunArgs(argv: readonly string[]): RunArgs | string {
  let configPath: string | undefined;
  let configId: string | undefined;
  let runDir = process.env.VRRPD_RUN_DIR ?? DEFAULT_RUN_DIR;
  let logLevel = 'info';
  let json: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '-f' || a === '--use-file' || a === '--config') configPath = value();
    else if (a === '-i' || a === '--config-id') configId = value();
    else if (a === '--run-dir') runDir = value() ?? '';
    else if (a === '--log-level') logLevel = value() ?? 'info';
    else if (a === '--log-json') json = true;
    else if (a === '--log-pretty') json = false;
    else if (a === '-D' || a === '--log-detail' || a === '-n' || a === '--dont-fork' || a === '-l' || a === '--log-console') continue; // keepalived habits
    else return `unknown option ${a}`;
  }
  configPath ??= CONFIG_CANDIDATES.find((p) => existsSync(p)) ?? CONFIG_CANDIDATES[0]!;
  if (!runDir) return '--run-dir needs a directory';
  return { configPath, runDir, logLevel, ...(configId ? { configId } : {}), ...(json !== undefined ? { json } : {}) };
}

export async function runDaemon(args: RunArgs): Promise<number> {
  const log = createLogger({ level: args.logLevel, ...(args.json !== undefined ? { json: args.json } : {}) });
  const daemon = new Daemon({ configPath: args.configPath, runDir: args.runDir, log, ...(args.configId ? { configId: args.configId } : {}) });
  const started = await daemon.start();
  if (!started.ok) {
    log.fatal({ detail: started.detail }, 'vrrpd could not start');
    await daemon.stop();
    return 1;
  }
  // Sockets are bound and the configuration loaded: tell systemd (Type=notify).
  const notified = await notifySystemd({ ready: true, status: 'running' });
  if (notified) log.warn({ detail: notified }, 'could not report readiness to systemd');
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      void notifySystemd({ stopping: true });
      void daemon.stop().then(() => resolve(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      void notifySystemd({ reloading: true });
      void daemon.reload().then(() => notifySystemd({ ready: true }));
    });
    process.on('SIGUSR1', () => void daemon.dumpState());
    process.on('uncaughtException', (e) => {
      log.fatal({ err: e.stack ?? String(e) }, 'bug: uncaught exception; stopping cleanly');
      stop('uncaughtException');
    });
  });
}
