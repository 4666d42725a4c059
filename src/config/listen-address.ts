/**
 * `ADDR:PORT` for a listening socket (vrrpd's `--metrics` option and `vrrpd_metrics` keyword):
 * an IP literal (IPv6 in brackets, `[::1]:9657`) and a port 1..65535. No host names: vrrpd binds
 * exactly the address given and resolves nothing.
 */
import { familyOf, parseIpAddress, type IpAddress } from '../wire/address.js';
import { err, ok, type Result } from '../result.js';

export interface ListenAddress {
  readonly host: IpAddress;
  readonly port: number;
}

/** Parse `A.B.C.D:PORT` or `[IPV6]:PORT`. */
export function parseListenAddress(text: string): Result<ListenAddress, string> {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const bad = `'${text}' is not ADDRESS:PORT (an IPv4 address, or an IPv6 one in brackets, and a port 1..65535)`;
  if (!m) return err(bad);
  const port = Number(m[3]);
  if (!(port >= 1 && port <= 65535)) return err(bad);
  const host = parseIpAddress(m[1] ?? m[2] ?? '', m[1] !== undefined ? 'ipv6' : 'ipv4');
  return host.ok ? ok({ host: host.value, port }) : err(bad);
}

/** Back to `ADDR:PORT` (IPv6 in brackets), as a URL host part. */
export function formatListenAddress(a: ListenAddress): string {
  return familyOf(a.host) === 'ipv6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
