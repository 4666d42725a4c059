/**
 * systemd readiness (Type=notify): Node has no unix datagram sockets, so we ask `systemd-notify`
 * (execFile, no shell) to send for us; the unit therefore sets NotifyAccess=all. Without
 * NOTIFY_SOCKET (not under systemd) this does nothing.
 */
import { execFile } from 'node:child_process';

/** Send `READY=1` (plus a status line); resolves with an error text, or undefined when sent / not needed. */
export function notifySystemd(fields: { ready?: boolean; stopping?: boolean; reloading?: boolean; status?: string }): Promise<string | undefined> {
  if (!process.env.NOTIFY_SOCKET) return Promise.resolve(undefined);
  const args = [`--pid=${process.pid}`];
  if (fields.ready) args.push('--ready');
  if (fields.status) args.push(`--status=${fields.status}`);
  if (fields.stopping) args.push('STOPPING=1');
  if (fields.reloading) args.push('RELOADING=1');
  return new Promise((resolve) => {
    try {
      execFile('systemd-notify', args, { timeout: 2000 }, (e) => resolve(e ? `systemd-notify: ${e.message}` : undefined));
    } catch (e) {
      resolve(`systemd-notify: ${(e as Error).message}`);
    }
  });
}
