/** The vrrpd extension `check_tcp HOST:PORT` (`[v6addr]:PORT` for IPv6): parsing only. */
import { err, ok, type Result } from '../result.js';

export interface TcpTarget {
  readonly host: string;
  readonly port: number;
}

export interface TcpTargetError {
  readonly kind: 'bad-tcp-target';
  readonly detail: string;
}

/** Parse `HOST:PORT`; port 1..65535. */
export function parseTcpTarget(text: string): Result<TcpTarget, TcpTargetError> {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (m === null) return err({ kind: 'bad-tcp-target', detail: `expected HOST:PORT, got "${text}"` });
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return err({ kind: 'bad-tcp-target', detail: `port ${port} outside 1..65535` });
  return ok({ host: m[1] ?? m[2] ?? '', port });
}
