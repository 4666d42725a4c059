/**
 * The vrrpd extension `check_tcp HOST:PORT`: one TCP connect instead of forking a script.
 * Success = the connection was established within the timeout; the socket is destroyed at
 * once either way (we send nothing; the peer sees a connect followed by a close/RST).
 */
import { connect, type Socket } from 'node:net';
import type { CheckOutcome } from '../track/script-tracker.js';
import type { TcpTarget } from '../track/tcp-target.js';

export interface TcpCheckResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed: ECONNREFUSED, timeout, EHOSTUNREACH... */
  readonly error?: string;
}

/** Try one connect to `target` within `timeoutMs`. Never rejects. */
export function checkTcp(target: TcpTarget, timeoutMs: number): Promise<TcpCheckResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    let sock: Socket | undefined;
    const finish = (ok: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock?.destroy();
      const durationMs = performance.now() - t0;
      resolve(error === undefined ? { ok, durationMs } : { ok, durationMs, error });
    };
    const timer = setTimeout(() => finish(false, `no connection within ${timeoutMs} ms`), Math.max(0, timeoutMs));
    try {
      sock = connect({ host: target.host, port: target.port });
    } catch (e) {
      finish(false, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      return;
    }
    sock.once('connect', () => finish(true));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
  });
}

/** The tracker's view of a TCP check. */
export function tcpOutcome(r: TcpCheckResult): CheckOutcome {
  return r.ok ? { kind: 'ok' } : { kind: 'fail', detail: r.error ?? 'connect failed' };
}
