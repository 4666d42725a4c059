/**
 * Logging: pino JSON lines by default (journald / log shippers), a compact readable line when
 * stdout is a terminal. Repeated drop lines go through `RateLimiter` (src/rate-limit.ts).
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

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

/** The daemon's logger: pretty on a TTY unless `json` is forced. */
export function createLogger(options: { level?: string; json?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const out = options.destination ?? process.stdout;
  const pretty = options.json === false || (options.json === undefined && (out as { isTTY?: boolean }).isTTY === true);
  const base = { level: options.level ?? 'info', base: { pid: process.pid } };
  if (!pretty) return pino(base, out as Writable);
  let pending = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        out.write(`${prettyLine(pending.slice(0, nl))}\n`);
        pending = pending.slice(nl + 1);
      }
      done();
    },
  });
  return pino(base, stream);
}
