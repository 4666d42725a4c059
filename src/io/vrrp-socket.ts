/**
 * One raw IPv4 socket per interface for VRRP (IP protocol 112, RFC 3768 §5.2). We build the IPv4
 * header ourselves (IP_HDRINCL, wire/ipv4.ts), as keepalived does: the source is the address the
 * instance speaks from (unicast_src_ip / mcast_src_ip, which may sit on a loopback or dummy
 * interface, else the interface's primary), TTL 255 (§5.2.3), TOS 0xc0, DF clear, IP ID 0 so that
 * the kernel numbers it (keepalived's IDs count up from 1 the same way) and fills in the total
 * length and header checksum. A VRRPv3 checksum covers that source, so the caller emits the advert
 * with the same address it passes here.
 * On receive a raw IPv4 socket hands over the whole datagram, IP header included; parsing is the
 * receive path's (src/protocol/receive-path.ts). With the native addon (raw4.c), its socket reads
 * datagrams with their kernel receive timestamps (rx-stamp.ts) and sends adverts, one sendto each
 * and no callback; without it, npm `raw-socket` does both and a datagram is timed when JavaScript
 * reads it. An empty `ifname` opens a socket bound to no interface (keepalived's unicast instance
 * without `interface`): adverts leave by the route to each peer. Needs CAP_NET_RAW
 * (native-notes/raw-sockets.md).
 */
import { EventEmitter } from 'node:events';
import { readFile } from './fs-async.js';
import { describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
import { addressBytes, familyOf, type IpAddress, type Ipv4Address } from '../wire/address.js';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP4, VRRP_TOS, VRRP_TTL } from '../wire/constants.js';
import type { RawDatagram } from '../wire/datagram.js';
import { emitIpv4 } from '../wire/ipv4.js';
import { loadPacketAddon, type PacketAddon, type ArmedDatagram, type Raw4Handle, type Raw4Listener } from './packet-addon.js';
import { arrivalTime } from './rx-stamp.js';
import { SendBacklog, WOULD_BLOCK as BACKLOG_WOULD_BLOCK } from './send-backlog.js';
import { openRawSocket, type RawSocket } from './raw-socket-open.js';
import { checkIfname } from './validate.js';

/** Minimal structured logger (pino's Logger fits). */
export interface IoLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface VrrpSocketOptions {
  readonly ifname: string;
  /** Group to join on `ifname`; null for unicast-only sockets. Default 224.0.0.18. */
  readonly mcastGroup?: Ipv4Address | null;
  /** IP protocol; default 112. 51 opens a receive socket for AH-wrapped adverts. */
  readonly protocol?: number;
  /** Default 0xc0. */
  readonly tos?: number;
  /** Kernel receive buffer, bytes (SO_RCVBUF); default: the system's. */
  readonly rcvBuf?: number;
  /** Only receives (the AH socket): no send socket is opened when the addon receives. */
  readonly receiveOnly?: boolean;
  readonly logger?: IoLogger;
}

export interface SocketError {
  readonly kind: 'invalid' | 'no-raw-socket-module' | 'socket-failed' | 'setsockopt-failed' | 'closed' | 'send-failed';
  readonly detail: string;
}

export interface VrrpSocketCounters {
  received: number;
  recvErrors: number;
  sent: number;
  sendErrors: number;
  /** Datagrams timed when read rather than by a trusted kernel timestamp (rx-stamp.ts). */
  rxUnstamped: number;
}

/** A send's result when the datagram waits in raw-socket's queue behind a full socket buffer (no VRRP datagram has 0 bytes). */
export const SEND_QUEUED = 0;

/** sendto(2) EAGAIN / EWOULDBLOCK as raw-socket words it: the socket buffer is full for now. */
const WOULD_BLOCK_TEXT = /temporarily unavailable|would block/i;
type Raw4Addon = Required<Pick<PacketAddon, 'raw4Open' | 'raw4Send' | 'raw4Close' | 'monotonicMs'>> & Pick<PacketAddon, 'raw4Armed'>;

/** The addon's raw IPv4 socket, when it has one that also sends (built with raw4.c's raw4Send). */
function loadRaw4(): Raw4Addon | undefined {
  const a = loadPacketAddon();
  if (!a.ok) return undefined;
  const { raw4Open, raw4Send, raw4Close, raw4Armed, monotonicMs } = a.value;
  return raw4Open && raw4Send && raw4Close && monotonicMs ? { raw4Open, raw4Send, raw4Close, raw4Armed, monotonicMs } : undefined;
}

/** The native socket of a VrrpSocket (raw4.c): it receives, and sends unless receive-only. */
interface NativeSocket {
  readonly addon: Raw4Addon;
  handle: Raw4Handle | undefined;
  /** Sends that found the socket buffer full, in order; undefined on a receive-only socket. */
  readonly backlog: SendBacklog<Datagram> | undefined;
}

/** A datagram built for one payload, destination and source (IPv4 header included on IP_HDRINCL sockets). */
interface Datagram {
  readonly dst: IpAddress;
  readonly src: IpAddress | undefined;
  readonly buf: Buffer;
  /** `dst` as raw4Send takes it: its four bytes read as a big-endian uint32. */
  readonly to: number;
  /** The result of sending all of it, made once (a Result is never changed): a send allocates nothing. */
  readonly whole: Result<number, SocketError>;
  /** Its copy for the kernel timer to send (`arm`), made on first use. */
  armed?: ArmedDatagram;
}

/** raw4Send's answer when the socket buffer is full: -EAGAIN (Linux's 11). */
const NEG_EAGAIN = -11;

/**
 * A raw VRRP socket bound to one interface. Events: 'packet' (a RawDatagram: the IPv4 datagram,
 * header included, and its arrival time on performance.now()'s clock when the kernel stamped it),
 * 'fault' (Error: the socket failed and was closed; the owner may reopen).
 */
export class VrrpSocket extends EventEmitter {
  readonly counters: VrrpSocketCounters = { received: 0, recvErrors: 0, sent: 0, sendErrors: 0, rxUnstamped: 0 };
  readonly family = 'ipv4' as const;
  private closed = false;
  /** What a packet can trigger is logged at most once per reason per 10 s, then "N more suppressed". */
  readonly limiter = new RateLimiter({
    onSuppressed: (reason, n) => this.logger?.warn({ ifname: this.ifname, reason, suppressed: n }, `${n} more '${reason}' lines suppressed`),
  });
  /** Sends waiting in raw-socket's queue: while any do, new ones queue behind them (order kept). */
  private queued = 0;
  /** Set by openVrrpSocket when the addon's socket is used (then `raw` is undefined). */
  private native: NativeSocket | undefined;
  /** The last datagram built for each payload object (see `datagram`), as the Result it returns: made once, so a send allocates nothing. */
  private readonly datagrams = new WeakMap<Uint8Array, { readonly ok: true; readonly value: Datagram }>();

  constructor(
    /** raw-socket's socket, which sends and receives; undefined when the addon's socket is used. */
    private readonly raw: RawSocket | undefined,
    readonly ifname: string,
    readonly ifindex: number,
    readonly protocol: number,
    readonly logger: IoLogger | undefined,
    /** IP_HDRINCL is set: send() builds the IPv4 header. */
    readonly headerIncluded = false,
    private readonly tos = VRRP_TOS,
  ) {
    super();
    raw?.on('error', (e) => this.onError(e));
    raw?.on('close', () => this.onClose());
  }

  /** Reads through raw-socket (no native receiver): datagrams are timed when read. */
  receiveThroughRawSocket(): void {
    // raw-socket reuses one receive buffer: copy before handing the bytes on.
    this.raw?.on('message', (buf) => this.onMessage(new Uint8Array(buf), undefined));
  }

  /**
   * Reads (and sends, unless `receiveOnly`) through the addon's socket opened by `open` (called
   * with this socket's datagram callback).
   */
  useNative(addon: Raw4Addon, receiveOnly: boolean, open: (onMessage: Raw4Listener) => Raw4Handle): void {
    const backlog = receiveOnly ? undefined : new SendBacklog<Datagram>({ trySend: (d) => this.sendNow(d), settled: (d, o) => this.settleQueued(d, o), now: () => performance.now() });
    const native: NativeSocket = { addon, handle: undefined, backlog };
    native.handle = open((code, data, arrivalMs, stamp) => {
      if (code !== null || typeof data === 'string') this.onError(new Error(`${code ?? 'EIO'}: ${String(data)}`));
      else this.onMessage(data, arrivalTime(addon, this, arrivalMs, stamp));
    });
    this.native = native;
  }

  /**
   * Sends one VRRP payload to `dst` (224.0.0.18 or a unicast peer) from `src`, behind the IPv4
   * header we build (IP_HDRINCL sockets); no `src`: the kernel picks it (saddr 0). Synchronous:
   * the datagram is handed to the kernel (one sendto) before this returns, and the result is its
   * byte count or the error. When the socket buffer is full (EAGAIN) it waits, in order with the
   * sends after it, for the socket to drain and the result is SEND_QUEUED; a queued send that
   * then fails is counted and logged here (rate-limited), as nobody waits for it. The datagram
   * built around `payload` is kept for that payload object (`datagram`): a caller must not change
   * a payload it has sent.
   */
  send(payload: Uint8Array, dst: IpAddress, src?: IpAddress, armedSent?: ArmedDatagram): Result<number, SocketError> {
    const backlog = this.native?.backlog;
    if (this.closed || (this.raw === undefined && backlog === undefined)) return err({ kind: 'closed', detail: `socket on ${this.ifname || '(any interface)'} is ${this.closed ? 'closed' : 'receive-only'}` });
    const d = this.datagram(payload, dst, src);
    if (!d.ok) return d;
    if (armedSent !== undefined) {
      // The kernel timer sent this very datagram at expiry (`arm`): counted here, not sent twice.
      if (d.value.armed === armedSent) {
        this.counters.sent++;
        return d.value.whole;
      }
      if (this.limiter.check('armed datagram differed', performance.now()).log) this.logger?.warn({ ifname: this.ifname, dst }, 'bug: the datagram the timer sent is not the one sent now; sending this one too');
    }
    if (backlog !== undefined) {
      if (backlog.size === 0) {
        let n: number;
        try {
          n = this.sendNow(d.value);
        } catch (e) {
          return this.sent(dst, e as Error, 0);
        }
        if (n === d.value.buf.length) {
          this.counters.sent++;
          return d.value.whole;
        }
        if (n !== BACKLOG_WOULD_BLOCK) return this.sent(dst, null, n);
      }
      backlog.push(d.value);
      return ok(SEND_QUEUED);
    }
    return this.sendThroughRawSocket(this.raw!, d.value);
  }

  /** One sendto from the addon's socket: bytes, or the backlog's WOULD_BLOCK; throws when it failed. */
  private sendNow(d: Datagram): number {
    const native = this.native!;
    if (native.handle === undefined) throw new Error('socket closed');
    const n = native.addon.raw4Send(native.handle, d.buf, d.to);
    return n === NEG_EAGAIN ? BACKLOG_WOULD_BLOCK : n;
  }

  private settleQueued(d: Datagram, outcome: { readonly bytes: number } | { readonly error: Error }): void {
    const r = this.sent(d.dst, 'error' in outcome ? outcome.error : null, 'bytes' in outcome ? outcome.bytes : 0);
    if (!r.ok && this.limiter.check('queued send failed', performance.now()).log) this.logger?.warn({ ifname: this.ifname, detail: r.error.detail }, 'queued advert send failed');
  }

  /** raw-socket's send (no addon): one sendto, or its own queue behind a full socket buffer. */
  private sendThroughRawSocket(raw: RawSocket, d: Datagram): Result<number, SocketError> {
    const { buf, dst } = d;
    const direct = this.queued === 0 ? raw.wrap : undefined;
    if (direct !== undefined) {
      let bytes = -1;
      try {
        direct.send(buf, 0, buf.length, dst, (n) => (bytes = n));
      } catch (e) {
        if (!WOULD_BLOCK_TEXT.test((e as Error).message)) return this.sent(dst, e as Error, 0);
      }
      if (bytes >= 0) return this.sent(dst, null, bytes);
    }
    this.queued++;
    raw.send(buf, 0, buf.length, dst, (e, n) => {
      this.queued--;
      this.settleQueued(d, e ? { error: e } : { bytes: n });
    });
    return ok(SEND_QUEUED);
  }

  /** Builds and keeps the datagram `send` would hand over for these arguments, without sending it. */
  prepare(payload: Uint8Array, dst: IpAddress, src?: IpAddress): void {
    if (this.closed || (this.raw === undefined && this.native?.backlog === undefined)) return;
    this.datagram(payload, dst, src);
  }

  /**
   * The datagram `send` would hand over for these arguments, as a copy the kernel timer can send
   * by itself at expiry (timer.c, native-notes/timers.md "The armed takeover advert"); undefined
   * without the addon's sending socket. `send` with it as `armedSent` then counts it without
   * sending it again, when it is still the datagram for its arguments.
   */
  arm(payload: Uint8Array, dst: IpAddress, src?: IpAddress): ArmedDatagram | undefined {
    const native = this.native;
    if (this.closed || native?.backlog === undefined || native.handle === undefined || native.addon.raw4Armed === undefined) return undefined;
    const d = this.datagram(payload, dst, src);
    if (!d.ok) return undefined;
    d.value.armed ??= native.addon.raw4Armed(native.handle, d.value.buf, d.value.to);
    return d.value.armed;
  }

  /**
   * The datagram for `payload` (IPv4 header included on IP_HDRINCL sockets). An instance sends
   * the same payload object for as long as its advert does not change, so the datagram is kept
   * per payload (weakly) and built again only when the destination or source differs: a master's
   * advert costs one sendto, not a header, a copy and a Buffer each second.
   */
  private datagram(payload: Uint8Array, dst: IpAddress, src: IpAddress | undefined): Result<Datagram, SocketError> {
    const kept = this.datagrams.get(payload);
    if (kept !== undefined && kept.value.dst === dst && kept.value.src === src) return kept;
    if (familyOf(dst) !== 'ipv4') return err({ kind: 'invalid', detail: `bad destination ${JSON.stringify(dst)}` });
    if (src !== undefined && familyOf(src) !== 'ipv4') return err({ kind: 'invalid', detail: `bad source ${JSON.stringify(src)}` });
    const bytes = this.headerIncluded ? emitIpv4({ src: (src ?? '0.0.0.0') as Ipv4Address, dst: dst as Ipv4Address, protocol: this.protocol, tos: this.tos }, payload) : payload;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const d: Datagram = { dst, src, buf, to: Buffer.from(addressBytes(dst)).readUInt32BE(0), whole: ok(buf.length) };
    const built = ok(d);
    this.datagrams.set(payload, built);
    return built;
  }

  private sent(dst: string, e: Error | null | undefined, bytes: number): Result<number, SocketError> {
    if (e === null || e === undefined) {
      this.counters.sent++;
      return ok(bytes);
    }
    this.counters.sendErrors++;
    return err({ kind: 'send-failed', detail: `send to ${dst} on ${this.ifname || '(any interface)'}: ${e.message}` });
  }

  /** Closes the socket (memberships are dropped by the kernel). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.raw?.close();
    const native = this.native;
    native?.backlog?.clear(new Error(`socket on ${this.ifname || '(any interface)'} closed`));
    if (native?.handle !== undefined) native.addon.raw4Close(native.handle);
    if (native) native.handle = undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One datagram (bytes of its own); `arrivedAt` when it reached the host (performance.now() ms), if known. */
  private onMessage(bytes: Uint8Array, arrivedAt: number | undefined): void {
    this.counters.received++;
    const raw: RawDatagram = { family: 'ipv4', bytes };
    try {
      this.emit('packet', raw, arrivedAt);
    } catch (e) {
      if (this.limiter.check('packet handler threw', performance.now()).log) {
        this.logger?.warn({ err: describeError(e), ifname: this.ifname }, 'packet handler threw');
      }
    }
  }

  private onError(e: Error): void {
    this.counters.recvErrors++;
    if (this.limiter.check('raw socket error', performance.now()).log) this.logger?.warn({ err: e.message, ifname: this.ifname }, 'raw socket error');
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.listenerCount('fault') > 0) this.emit('fault', new Error(`raw socket on ${this.ifname} closed after an error`));
  }
}

/** The interface index from /sys/class/net/IF/ifindex. */
export async function readIfindex(ifname: string): Promise<Result<number, SocketError>> {
  const name = checkIfname(ifname);
  if (!name.ok) return err({ kind: 'invalid', detail: name.error.detail });
  try {
    const n = Number((await readFile(`/sys/class/net/${ifname}/ifindex`, 'utf8')).trim());
    if (Number.isInteger(n) && n > 0) return ok(n);
  } catch {
    // fall through
  }
  return err({ kind: 'invalid', detail: `no interface ${ifname}` });
}

/**
 * Opens and configures the raw socket for `ifname` ('' = bound to no interface, unicast only):
 * the addon's receive socket and raw-socket's send-only one, or raw-socket's alone without the addon.
 */
export async function openVrrpSocket(opts: VrrpSocketOptions): Promise<Result<VrrpSocket, SocketError>> {
  const ifindex = opts.ifname === '' ? ok(0) : await readIfindex(opts.ifname);
  if (!ifindex.ok) return ifindex;
  const group = opts.ifname === '' ? null : opts.mcastGroup === undefined ? VRRP_MCAST_GROUP4 : opts.mcastGroup;
  const protocol = opts.protocol ?? IPPROTO_VRRP;
  const tos = opts.tos ?? VRRP_TOS;
  const native = loadRaw4();
  if (native === undefined) {
    const opened = openRawSocket(protocol, opts.ifname, ifindex.value, group, opts);
    if (!opened.ok) return opened;
    const sock = new VrrpSocket(opened.value, opts.ifname, ifindex.value, protocol, opts.logger, true, tos);
    sock.receiveThroughRawSocket();
    return ok(sock);
  }
  const sock = new VrrpSocket(undefined, opts.ifname, ifindex.value, protocol, opts.logger, true, tos);
  const receiveOnly = opts.receiveOnly === true;
  try {
    const groupBytes = group === null ? null : addressBytes(group);
    sock.useNative(native, receiveOnly, (onMessage) => native.raw4Open(opts.ifname, ifindex.value, protocol, groupBytes, opts.rcvBuf ?? 0, receiveOnly ? -1 : tos, onMessage));
  } catch (e) {
    sock.close();
    const hint = /permitted/i.test((e as Error).message) ? ' (needs CAP_NET_RAW)' : '';
    return err({ kind: 'socket-failed', detail: `raw socket protocol ${protocol} on ${opts.ifname || '(any interface)'}: ${(e as Error).message}${hint}` });
  }
  return ok(sock);
}
