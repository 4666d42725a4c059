/**
 * Logging: pino JSON lines by default (journald / log shippers), a compact readable line when
 * stdout is a terminal. Lines go to an FdSink (src/io/fd-sink.ts), which the daemon has hold them
 * for up to 10 ms and write them together (all of them at exit): losing stdout drops lines, a slow
 * reader makes them wait (bounded); it never throws, spins or holds the exit. Repeated lines about untrusted
 * input go through `RateLimiter` (src/rate-limit.ts).
 */
import { fstatSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import { stdoutSink } from '../io/fd-sink.js';

export { RateLimiter } from '../rate-limit.js';

export type { Logger } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One JSON log line as "08:12:01.123 INFO  msg key=value ...". */
export function prettyLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const level = (LEVEL_NAMES[Number(rec.level)] ?? String(rec.level)).padEnd(5);
  const fields = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level} ${String(rec.msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

/**
 * isatty(fd), without loading node:tty (0.25 MB of RSS with the bin's flags, docs/performance.md,
 * eighth session) when the descriptor cannot be a terminal: only a character device can be one.
 * Under systemd (a socket to journald), a pipe or a file, tty is never loaded.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false; // a closed descriptor, as isatty says
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

/** The daemon's logger: pretty on a TTY unless `json` is forced. Default destination: stdout (fd 1). */
export function createLogger(options: { level?: string; json?: boolean; destination?: DestinationStream } = {}): Logger {
  const out = options.destination ?? stdoutSink;
  const tty = options.destination === undefined ? isTerminal(1) : (out as { isTTY?: boolean }).isTTY === true;
  const pretty = options.json === false || (options.json === undefined && tty);
  const base = { level: options.level ?? 'info', base: { pid: process.pid } };
  if (!pretty) return pino(base, out);
  // pino writes one whole line per call.
  return pino(base, { write: (line: string) => out.write(`${prettyLine(line.trimEnd())}\n`) });
}
