/**
 * `vrrpd status`: the daemon answers on a unix socket in its runtime directory (mode 0600, root
 * only). A client sends one line ("status") and reads one JSON document back.
 */
import { promises as fs } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.js';

export const STATUS_SOCKET = 'vrrpd.sock';

/** Serve `snapshot()` as JSON to every client of `<dir>/vrrpd.sock`. */
export async function serveStatus(dir: string, snapshot: () => unknown): Promise<Server> {
  const path = join(dir, STATUS_SOCKET);
  await fs.rm(path, { force: true });
  const server = createServer((conn) => {
    conn.setTimeout(2000, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.once('data', () => {
      let body: string;
      try {
        body = JSON.stringify(snapshot());
      } catch (e) {
        body = JSON.stringify({ error: (e as Error).message });
      }
      conn.end(`${body}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await fs.chmod(path, 0o600);
  return server;
}

/** Ask a running daemon for its status. */
export function queryStatus(dir: string, timeoutMs = 3000): Promise<Result<unknown, string>> {
  const path = join(dir, STATUS_SOCKET);
  return new Promise((resolve) => {
    let data = '';
    const conn = createConnection(path);
    const timer = setTimeout(() => {
      conn.destroy();
      resolve(err(`no answer from ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.on('connect', () => conn.write('status\n'));
    conn.on('data', (chunk) => (data += chunk.toString('utf8')));
    conn.on('error', (e) => {
      clearTimeout(timer);
      resolve(err(`cannot reach vrrpd at ${path}: ${e.message}`));
    });
    conn.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(ok(JSON.parse(data)));
      } catch {
        resolve(err(`unreadable answer from ${path}`));
      }
    });
  });
}
