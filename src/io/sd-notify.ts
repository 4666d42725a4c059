/**
 * systemd readiness (Type=notify, sd_notify(3)'s protocol): one datagram of NAME=VALUE lines to
 * the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace), sent
 * by the packet addon (native/packet/unixsock.c): node has no unix datagram socket. The sender is
 * the daemon itself, so the unit says NotifyAccess=main. Without NOTIFY_SOCKET (not under
 * systemd) this does nothing.
 *
 * Without the addon's send (not built, or built before it), or for an address it does not take
 * (systemd's "vsock:" form), `systemd-notify --pid=OURS` sends for us, as before: it is a child of
 * the daemon, which NotifyAccess=main refuses unless systemd-notify can pass our pid as its
 * credentials (it can as root); node:child_process is loaded only then (native-notes/memory.md).
 */
import { childProcess } from './child-process.js';
import { loadPacketAddon } from './packet-addon.js';
import { attempt } from './watch-addon.js';

export interface NotifyFields {
  ready?: boolean;
  stopping?: boolean;
  reloading?: boolean;
  status?: string;
}

/** A full receive queue (EAGAIN) is tried again this often, this many times (systemd reads its socket at once). */
const RETRY_MS = 50;
const TRIES = 40;

/** The datagram's text: one NAME=VALUE a line, as sd_notify(3) takes it (a status line loses its newlines). */
export function notifyMessage(fields: NotifyFields): string {
  const lines: string[] = [];
  if (fields.ready) lines.push('READY=1');
  if (fields.status) lines.push(`STATUS=${fields.status.replace(/\n/g, ' ')}`);
  if (fields.stopping) lines.push('STOPPING=1');
  if (fields.reloading) lines.push('RELOADING=1');
  return `${lines.join('\n')}\n`;
}

/** Send `READY=1` (plus a status line); resolves with an error text, or undefined when sent / not needed. */
export function notifySystemd(fields: NotifyFields): Promise<string | undefined> {
  const socket = process.env.NOTIFY_SOCKET;
  if (!socket) return Promise.resolve(undefined);
  const a = loadPacketAddon();
  const send = a.ok ? a.value.unixDatagramSend : undefined;
  if (send === undefined || !(socket.startsWith('/') || socket.startsWith('@'))) return notifyCommand(fields);
  const message = Buffer.from(notifyMessage(fields), 'utf8');
  return new Promise((resolve) => {
    let tries = 0;
    const attemptSend = (): void => {
      const r = attempt(() => send(socket, message));
      if (r.ok) resolve(undefined);
      else if (r.error.code === 'EAGAIN' && ++tries < TRIES) setTimeout(attemptSend, RETRY_MS);
      else resolve(`${socket}: ${r.error.detail}`);
    };
    attemptSend();
  });
}

/** The fallback: `systemd-notify` (execFile, no shell) sends for us. */
function notifyCommand(fields: NotifyFields): Promise<string | undefined> {
  const args = [`--pid=${process.pid}`];
  if (fields.ready) args.push('--ready');
  if (fields.status) args.push(`--status=${fields.status}`);
  if (fields.stopping) args.push('STOPPING=1');
  if (fields.reloading) args.push('RELOADING=1');
  return new Promise((resolve) => {
    try {
      childProcess().execFile('systemd-notify', args, { timeout: 2000 }, (e) => resolve(e ? `systemd-notify: ${e.message}` : undefined));
    } catch (e) {
      resolve(`systemd-notify: ${(e as Error).message}`);
    }
  });
}
