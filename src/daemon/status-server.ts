/**
 * `vrrpd status`: the daemon answers on a unix socket in its runtime directory (mode 0600, root
 * only). A client sends one line ("status") and reads one JSON document back. The daemon listens
 * through the packet addon (io/unix-listener.ts), not net.Server.listen, which would load
 * node:cluster with child_process and dgram (docs/performance.md, "The status socket without
 * net.Server").
 */
import * as fs from '../io/fs-async.js';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { listenUnix } from '../io/unix-listener.js';
import { err, ok, type Result } from '../result.js';

export const STATUS_SOCKET = 'vrrpd.sock';

/** The listening status socket. */
export interface StatusServer {
  /**
   * How it listens: 'addon', the packet addon's listener (io/unix-listener.ts); 'net', node's
   * net.Server, which loads node:cluster (the addon is missing or older than its listener).
   */
  readonly listener: 'addon' | 'net';
  /** Stop listening and drop every client at once. */
  close(): Promise<void>;
}

/**
 * Serve `snapshot()` as JSON to every client of `<dir>/vrrpd.sock`: one line in, one document
 * out, 2 s per client. `onProblem` hears of a failed accept (out of descriptors: accepting pauses
 * for 100 ms and resumes), once until a client is accepted again.
 */
export async function serveStatus(dir: string, snapshot: () => unknown, onProblem: (detail: string) => void = () => undefined): Promise<StatusServer> {
  const path = join(dir, STATUS_SOCKET);
  // Only the holder of the runtime directory's lock gets here (io/run-lock.ts): a socket left
  // at this path belongs to a dead daemon.
  await fs.rm(path, { force: true });
  const open = new Set<Socket>();
  let told: string | undefined;
  const serve = (conn: Socket): void => {
    told = undefined;
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
  };
  const dropClients = (): void => {
    for (const c of open) c.destroy();
  };
  const l = listenUnix(path, serve, (p) => {
    if (p.code === told) return;
    told = p.code;
    onProblem(`${path}: ${p.detail}`);
  });
  if (l.ok) {
    return {
      listener: 'addon',
      close: () => {
        l.value.close();
        dropClients();
        return Promise.resolve();
      },
    };
  }
  if (l.error.code !== 'ENOSYS') throw new Error(`cannot listen on ${path}: ${l.error.detail}`);
  // Without the addon (ENOSYS): node's server (+ node:cluster, child_process, dgram: docs/performance.md).
  const server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await fs.chmod(path, 0o600);
  return {
    listener: 'net',
    // Closing never waits for a slow client: the daemon's exit must not.
    close: () =>
      new Promise<void>((resolve) => {
        dropClients();
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
