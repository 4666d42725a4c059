/**
 * `vrrpd status`: the daemon answers on a unix socket in its runtime directory (mode 0600, root
 * only). A client sends one line ("status") and reads one JSON document back.
 */
import * as fs from '../io/fs-async.js';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { err, ok, type Result } from '../result.js';

export const STATUS_SOCKET = 'vrrpd.sock';

/** The listening status socket. */
export interface StatusServer {
  /** Stop listening and drop every client at once. */
  close(): Promise<void>;
}

/** Serve `snapshot()` as JSON to every client of `<dir>/vrrpd.sock`. */
export async function serveStatus(dir: string, snapshot: () => unknown): Promise<StatusServer> {
  const path = join(dir, STATUS_SOCKET);
  // Only the holder of the runtime directory's lock gets here (io/run-lock.ts): a socket left
  // at this path belongs to a dead daemon.
  await fs.rm(path, { force: true });
  const open = new Set<Socket>();
  const server = createServer((conn) => {
    open.add(conn);
    conn.once('close', () => open.delete(conn));
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
  return {
    // Closing never waits for a slow client: the daemon's exit must not.
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of open) c.destroy();
        server.close(() => resolve());
      }),
  };
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
