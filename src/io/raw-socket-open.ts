/**
 * npm `raw-socket`, the raw IPv4 VRRP socket when the native addon is not built: it sends and
 * receives, with every option of native-notes/raw-sockets.md set through its `setOption`.
 */
import { createRequire } from 'node:module';
import { err, ok, type Result } from '../result.js';
import type { Ipv4Address } from '../wire/address.js';
import { VRRP_TOS, VRRP_TTL } from '../wire/constants.js';
import * as so from './sockopt.js';
import type { SocketError, VrrpSocketOptions } from './vrrp-socket.js';

/** Just the part of raw-socket's Socket we use. */
export interface RawSocket {
  on(ev: 'message', cb: (buf: Buffer, source: string) => void): void;
  on(ev: 'error', cb: (e: Error) => void): void;
  on(ev: 'close', cb: () => void): void;
  setOption(level: number, option: number, value: Buffer, length: number): void;
  send(buf: Buffer, offset: number, length: number, address: string, cb: (e: Error | null, bytes: number) => void): void;
  close(): void;
  /**
   * raw-socket 1.x's native handle: `send` is one non-blocking sendto(2) that calls back at once
   * with the byte count, or throws. Socket.send queues behind it and waits for a writable event.
   */
  readonly wrap?: { send(buf: Buffer, offset: number, length: number, address: string, cb: (bytes: number) => void): void };
}

interface RawSocketModule {
  createSocket(o: { protocol: number; bufferSize?: number }): RawSocket;
}

let rawModule: RawSocketModule | undefined;
function loadRawSocket(): Result<RawSocketModule, SocketError> {
  if (rawModule !== undefined) return ok(rawModule);
  try {
    rawModule = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    return ok(rawModule);
  } catch (e) {
    const detail = `cannot load npm raw-socket (native build missing? run \`npm rebuild raw-socket\`): ${(e as Error).message}`;
    return err({ kind: 'no-raw-socket-module', detail });
  }
}

/** raw-socket's socket for `protocol` (no addon: it sends and receives), configured; it joins `group` (null: none). */
export function openRawSocket(protocol: number, ifname: string, ifindex: number, group: Ipv4Address | null, opts: VrrpSocketOptions): Result<RawSocket, SocketError> {
  const mod = loadRawSocket();
  if (!mod.ok) return mod;
  let raw: RawSocket;
  try {
    raw = mod.value.createSocket({ protocol, bufferSize: 65536 });
  } catch (e) {
    const hint = /permitted/i.test((e as Error).message) ? ' (needs CAP_NET_RAW)' : '';
    return err({ kind: 'socket-failed', detail: `raw socket protocol ${protocol}: ${(e as Error).message}${hint}` });
  }
  const configured = configure(raw, ifname, ifindex, group, opts);
  if (!configured.ok) {
    raw.close();
    return configured;
  }
  return ok(raw);
}

/** Applies every socket option; the first failure names the option. */
function configure(raw: RawSocket, ifname: string, ifindex: number, group: Ipv4Address | null, opts: VrrpSocketOptions): Result<true, SocketError> {
  const steps: [string, number, number, Buffer][] = [
    ['IP_HDRINCL', so.IPPROTO_IP, so.IP_HDRINCL, so.intOpt(1)],
    ['IP_TOS', so.IPPROTO_IP, so.IP_TOS, so.intOpt(opts.tos ?? VRRP_TOS)],
    ['IP_TTL', so.IPPROTO_IP, so.IP_TTL, so.intOpt(VRRP_TTL)],
    ['IP_MTU_DISCOVER', so.IPPROTO_IP, so.IP_MTU_DISCOVER, so.intOpt(so.IP_PMTUDISC_DONT)],
    ['IP_MULTICAST_TTL', so.IPPROTO_IP, so.IP_MULTICAST_TTL, so.intOpt(VRRP_TTL)],
    ['IP_MULTICAST_LOOP', so.IPPROTO_IP, so.IP_MULTICAST_LOOP, so.intOpt(0)],
    ['IP_MULTICAST_ALL', so.IPPROTO_IP, so.IP_MULTICAST_ALL, so.intOpt(0)],
  ];
  if (ifname !== '') {
    steps.unshift(['SO_BINDTODEVICE', so.SOL_SOCKET, so.SO_BINDTODEVICE, so.ifnameOpt(ifname)]);
    steps.push(['IP_MULTICAST_IF', so.IPPROTO_IP, so.IP_MULTICAST_IF, so.ipMreqn('0.0.0.0', '0.0.0.0', ifindex)]);
  }
  if (opts.rcvBuf !== undefined) steps.push(['SO_RCVBUF', so.SOL_SOCKET, so.SO_RCVBUF, so.intOpt(opts.rcvBuf)]);
  if (group !== null) steps.push(['IP_ADD_MEMBERSHIP', so.IPPROTO_IP, so.IP_ADD_MEMBERSHIP, so.ipMreqn(group, '0.0.0.0', ifindex)]);
  for (const [name, level, option, value] of steps) {
    try {
      raw.setOption(level, option, value, value.length);
    } catch (e) {
      return err({ kind: 'setsockopt-failed', detail: `${name} on ${ifname}: ${(e as Error).message}` });
    }
  }
  return ok(true);
}
