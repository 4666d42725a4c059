/**
 * Where the daemon's configuration comes from: the file, read on this thread at startup (or from
 * a test's own host) or off it for a reload, its diagnostics logged as file:line:col.
 */
import { loadConfig } from '../config/load.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import type { LoadOptions, LoadResult, SourceHost } from '../config/types.js';
import { fsSourceHost } from '../io/config-files.js';
import { loadConfigOffThread } from '../io/config-loader.js';
import type { Logger } from './log.js';

/** The daemon options that say where the configuration is. */
export interface ConfigSourceOptions {
  readonly configPath: string;
  readonly configId?: string;
  readonly host?: SourceHost;
}

/** Diagnostics logged per load; `vrrpd check` shows them all. */
const LOGGED_DIAGNOSTICS = 100;

/**
 * Read and validate the configuration on this thread, logging its diagnostics: at startup
 * (nothing runs yet that could wait; the loader's limits bound its cost, and a FIFO or a
 * device is refused unopened) and when a test gives its own host.
 */
export function loadOnThread(opts: ConfigSourceOptions, log: Logger): LoadResult {
  const host = opts.host ?? fsSourceHost({ interfacesDir: false });
  const result = loadConfig(opts.configPath, host, loadOptions(opts));
  logDiagnostics(opts, log, result);
  return result;
}

function loadOptions(opts: ConfigSourceOptions): LoadOptions {
  return opts.configId ? { configId: opts.configId } : {};
}

/** Each diagnostic as file:line:col, up to LOGGED_DIAGNOSTICS; then how many more (check shows them all). */
function logDiagnostics(opts: ConfigSourceOptions, log: Logger, result: LoadResult): void {
  for (const d of result.diagnostics.slice(0, LOGGED_DIAGNOSTICS)) {
    const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warn' : 'info';
    log[level]({ file: d.file, line: d.line, col: d.col }, formatDiagnostic(d));
  }
  const more = result.diagnostics.length - LOGGED_DIAGNOSTICS;
  if (more > 0) log.warn({ more }, `${more} more diagnostics not logged; see vrrpd check -f ${opts.configPath}`);
  for (const d of result.disabled)
    log.error({ section: d.section, name: d.name, file: d.pos.file, line: d.pos.line }, `${d.section} ${d.name} disabled: its configuration has errors (logged above); the rest runs`);
}

/**
 * A reload's load, off the main thread (io/config-loader.ts): the advert timers keep running
 * however slow the file system or large the file, and a load that passes its deadline or its
 * heap is ended (or `signal` aborts it) and the reload refused. Undefined when there is no result.
 */
export async function loadForReload(opts: ConfigSourceOptions, log: Logger, signal: AbortSignal): Promise<LoadResult | undefined> {
  if (opts.host) return loadOnThread(opts, log);
  const r = await loadConfigOffThread(opts.configPath, { options: loadOptions(opts), host: { interfacesDir: false }, signal });
  if (r.ok) {
    logDiagnostics(opts, log, r.value);
    return r.value;
  }
  if (r.error.kind !== 'aborted')
    log.error({ config: opts.configPath, reason: r.error.kind, detail: r.error.detail }, `reload refused: ${r.error.detail}; still running the old configuration`);
  return undefined;
}
