/**
 * A listening unix stream socket whose connections arrive as net.Sockets, opened and accepted by
 * the packet addon (native/packet/unixsock.c) instead of net.Server.listen: node's listen loads
 * node:cluster, and with it child_process and dgram, in every process that listens, for a daemon
 * that is no cluster (native-notes/status-socket.md). The socket file is mode 0600 from its
 * first moment. Each accepted descriptor becomes `new net.Socket({ fd })`, which node serves as it
 * serves a connection of its own server (a pipe handle, the same stream).
 *
 * Without the addon (not built, or built before unixsock.c) the caller falls back to node's
 * server: `unixListenAddon()` says why.
 */
import { closeSync, lstatSync, unlinkSync } from 'node:fs';
import { Socket } from 'node:net';
import { err, ok, type Result } from '../result.js';
import { loadPacketAddon, type UnixAcceptHandle } from './packet-addon.js';
import { attempt } from './watch-addon.js';

/** Node's own default backlog for net.Server.listen. */
const BACKLOG = 511;

/** The part of the packet addon this needs. */
interface UnixListenAddon {
  unixListen(path: string, backlog: number): number;
  acceptStart(fd: number, onAccept: (fd: number, code?: string, message?: string) => void): UnixAcceptHandle;
  acceptClose(h: UnixAcceptHandle): void;
}

/** The addon's listener, or why there is none. */
export function unixListenAddon(): Result<UnixListenAddon, { detail: string }> {
  const a = loadPacketAddon();
  if (!a.ok) return a;
  const { unixListen, acceptStart, acceptClose } = a.value;
  if (!unixListen || !acceptStart || !acceptClose) return err({ detail: 'the packet addon predates unixsock.c (run `npm run build:native`)' });
  return ok({ unixListen, acceptStart, acceptClose });
}

/** A listening socket. */
export interface UnixListener {
  /**
   * Stops accepting and closes the listening socket; then removes its file when the path still
   * names the socket bound here (not one another process put there since). Connections already
   * handed over stay the caller's. Idempotent.
   */
  close(): void;
}

/** What went wrong with one accept: the errno name and its text (the listener goes on). */
export type AcceptProblem = { readonly code: string; readonly detail: string };

/**
 * Listens on `path` (which must not exist: EADDRINUSE) and hands every connection to `onConnection`;
 * ENOSYS when the addon has no listener (the caller falls back to node's server).
 * `onProblem` hears of each failed accept (EMFILE and the like: accepting pauses for 100 ms).
 */
export function listenUnix(
  path: string,
  onConnection: (conn: Socket) => void,
  onProblem: (p: AcceptProblem) => void,
): Result<UnixListener, { code: string; detail: string }> {
  const a = unixListenAddon();
  if (!a.ok) return err({ code: 'ENOSYS', detail: a.error.detail });
  const addon = a.value;
  const listening = attempt(() => addon.unixListen(path, BACKLOG));
  if (!listening.ok) return listening;
  // The file bind() made: close() removes the path only while it is still this one.
  let bound: { dev: number; ino: number } | undefined;
  try {
    const st = lstatSync(path);
    bound = { dev: st.dev, ino: st.ino };
  } catch {
    bound = undefined; // already gone (removed by someone else): nothing of ours to remove later
  }
  const accepting = attempt(() =>
    addon.acceptStart(listening.value, (conn, code, message) => {
      if (conn < 0) {
        onProblem({ code: code ?? 'EIO', detail: message ?? 'accept failed' });
        return;
      }
      const sock = attempt(() => new Socket({ fd: conn, readable: true, writable: true }));
      if (!sock.ok) {
        closeSync(conn);
        onProblem(sock.error);
        return;
      }
      onConnection(sock.value);
    }),
  );
  if (!accepting.ok) {
    // acceptStart closed the fd itself
    removeIfOurs(path, bound);
    return accepting;
  }
  const handle = accepting.value;
  let open = true;
  return ok({
    close: () => {
      if (!open) return;
      open = false;
      addon.acceptClose(handle);
      removeIfOurs(path, bound);
    },
  });
}

function removeIfOurs(path: string, bound: { dev: number; ino: number } | undefined): void {
  if (bound === undefined) return;
  try {
    const st = lstatSync(path);
    if (st.isSocket() && st.dev === bound.dev && st.ino === bound.ino) unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}
