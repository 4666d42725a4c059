/**
 * One raw IPv6 socket per interface for VRRPv3 over IPv6 (Next Header 112, RFC 5798 §5.1.2), held
 * by the native addon (native/packet/raw6.c) because npm raw-socket has no recvmsg and a raw IPv6
 * socket never shows the IPv6 header: the hop limit (RFC 5798 §5.1.2.3, §7.1) and the destination
 * come as ancillary data (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO). Sent with hop limit 255 and
 * traffic class 0xc0 like keepalived, from the address given per send (IPV6_PKTINFO), because
 * the VRRPv3 checksum vrrpd computes covers the source. The kernel neither computes nor checks
 * that checksum: the receive path does, and counts. Why: native-notes/ipv6.md. A backup's takeover
 * advert can be armed (`arm`) for the kernel timer to send with the same sendmsg at expiry
 * (native-notes/timers.md, "The armed takeover advert"). Needs CAP_NET_RAW.
 */
import { EventEmitter } from 'node:events';
import { describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
import { addressBytes, familyOf, readIpv6, type IpAddress, type Ipv6Address } from '../wire/address.js';
import { VRRP_MCAST_GROUP6 } from '../wire/constants.js';
import type { RawDatagram } from '../wire/datagram.js';
import { loadPacketAddon, type ArmedDatagram, type PacketAddon, type Raw6Handle } from './packet-addon.js';
import { arrivalTime } from './rx-stamp.js';
import { checkIfname } from './validate.js';
import { readIfindex, type IoLogger, type SocketError, type VrrpSocketCounters } from './vrrp-socket.js';

export interface VrrpSocket6Options {
  readonly ifname: string;
  /** Group to join on `ifname`; null for unicast-only sockets. Default ff02::12. */
  readonly mcastGroup?: Ipv6Address | null;
  /** Kernel receive buffer, bytes (SO_RCVBUF); default: the system's. */
  readonly rcvBuf?: number;
  readonly logger?: IoLogger;
}

type Raw6Addon = Required<Pick<PacketAddon, 'raw6Open' | 'raw6Send' | 'raw6Close' | 'monotonicMs'>> & Pick<PacketAddon, 'raw6Armed'>;

/** A payload armed for the kernel timer (`arm`): the addresses and the bytes it was armed with. */
interface Armed6 {
  readonly dst: IpAddress;
  readonly src: IpAddress | undefined;
  readonly bytes: Buffer;
  readonly datagram: ArmedDatagram;
}

/** The addon with its raw IPv6 socket, or why IPv6 instances cannot run. */
export function loadRaw6(): Result<Raw6Addon, SocketError> {
  const a = loadPacketAddon();
  if (!a.ok) return err({ kind: 'no-raw-socket-module', detail: `IPv6 needs the native addon: ${a.error.detail}` });
  const { raw6Open, raw6Send, raw6Close, raw6Armed, monotonicMs } = a.value;
  if (raw6Open === undefined || raw6Send === undefined || raw6Close === undefined || monotonicMs === undefined) {
    return err({ kind: 'no-raw-socket-module', detail: 'IPv6 needs the native addon with raw6.c; rebuild it (`npm run build:native`)' });
  }
  return ok({ raw6Open, raw6Send, raw6Close, raw6Armed, monotonicMs });
}

/**
 * A raw IPv6 VRRP socket bound to one interface. Events: 'packet' (a RawDatagram of family
 * 'ipv6': the payload with source, destination and hop limit; and its arrival time on
 * performance.now()'s clock, from the kernel's receive timestamp, rx-stamp.ts).
 */
export class VrrpSocket6 extends EventEmitter {
  readonly counters: VrrpSocketCounters = { received: 0, recvErrors: 0, sent: 0, sendErrors: 0, rxUnstamped: 0 };
  readonly family = 'ipv6' as const;
  #handle: Raw6Handle | undefined;
  /** The armed copy of each payload `arm` was given (weakly: an advert's bytes live as long as the advert). */
  readonly #armed = new WeakMap<Uint8Array, Armed6>();
  /** What a packet can trigger is logged at most once per reason per 10 s, then "N more suppressed". */
  readonly limiter = new RateLimiter({
    onSuppressed: (reason, n) => this.logger?.warn({ ifname: this.ifname, reason, suppressed: n }, `${n} more '${reason}' lines suppressed`),
  });

  constructor(
    private readonly native: Raw6Addon,
    handle: Raw6Handle,
    readonly ifname: string,
    readonly ifindex: number,
    readonly logger: IoLogger | undefined,
  ) {
    super();
    this.#handle = handle;
  }

  /**
   * Sends one VRRP payload to `dst` (the group or a unicast peer), from `src` when given: one sendmsg, its result. Never throws.
   * `armedSent`: what `arm` gave for these arguments, which the kernel timer sent at expiry: counted here, not sent twice.
   */
  send(payload: Uint8Array, dst: IpAddress, src?: IpAddress, armedSent?: ArmedDatagram): Result<number, SocketError> {
    if (this.#handle === undefined) return err({ kind: 'closed', detail: `IPv6 socket on ${this.ifname} is closed` });
    if (familyOf(dst) !== 'ipv6' || (src !== undefined && familyOf(src) !== 'ipv6')) {
      return err({ kind: 'invalid', detail: `IPv6 socket on ${this.ifname}: ${src ?? ''} -> ${dst} is not IPv6` });
    }
    if (armedSent !== undefined) {
      if (this.#armedFor(payload, dst, src)?.datagram === armedSent) {
        this.counters.sent++;
        return ok(payload.length);
      }
      if (this.limiter.check('armed datagram differed', performance.now()).log) this.logger?.warn({ ifname: this.ifname, dst }, 'bug: the datagram the timer sent is not the one sent now; sending this one too');
    }
    try {
      const n = this.native.raw6Send(this.#handle, payload, addressBytes(dst), src === undefined ? null : addressBytes(src));
      this.counters.sent++;
      return ok(n);
    } catch (e) {
      this.counters.sendErrors++;
      return err({ kind: 'send-failed', detail: `send to ${dst}${src === undefined ? '' : ` from ${src}`} on ${this.ifname}: ${(e as Error).message}` });
    }
  }

  /**
   * What `send` would hand the kernel for these arguments (the payload, sent to `dst` from `src`
   * by IPV6_PKTINFO, hop limit 255), as a copy the kernel timer can send by itself at expiry
   * (raw6Armed; timer.c); undefined without the addon's raw6Armed or once closed. Kept per payload
   * and made again when the addresses or the bytes differ. `send` with it as `armedSent` then
   * counts it without sending it again.
   */
  arm(payload: Uint8Array, dst: IpAddress, src?: IpAddress): ArmedDatagram | undefined {
    const handle = this.#handle;
    if (handle === undefined || this.native.raw6Armed === undefined || familyOf(dst) !== 'ipv6' || (src !== undefined && familyOf(src) !== 'ipv6')) return undefined;
    const kept = this.#armedFor(payload, dst, src);
    if (kept !== undefined) return kept.datagram;
    const datagram = this.native.raw6Armed(handle, payload, addressBytes(dst), src === undefined ? null : addressBytes(src));
    this.#armed.set(payload, { dst, src, bytes: Buffer.from(payload), datagram });
    return datagram;
  }

  /** The armed copy of `payload`, when it was armed for these addresses and its bytes have not changed since. */
  #armedFor(payload: Uint8Array, dst: IpAddress, src: IpAddress | undefined): Armed6 | undefined {
    const a = this.#armed.get(payload);
    return a !== undefined && a.dst === dst && a.src === src && a.bytes.equals(payload) ? a : undefined;
  }

  /** Closes the socket (the kernel drops the membership). Idempotent. */
  close(): void {
    const h = this.#handle;
    this.#handle = undefined;
    if (h !== undefined) this.native.raw6Close(h);
  }

  get isClosed(): boolean {
    return this.#handle === undefined;
  }

  /** raw6.c's callback (wired by openVrrpSocket6): one datagram (src | dst | payload) and its arrival, or a read error. */
  onMessage(code: string | null, data: Buffer | string, hopLimit = -1, arrivalMs?: number, stamp?: number): void {
    if (code !== null || typeof data === 'string') {
      this.counters.recvErrors++;
      if (this.limiter.check('raw IPv6 socket error', performance.now()).log) this.logger?.warn({ ifname: this.ifname, code, detail: data }, 'raw IPv6 socket error');
      return;
    }
    this.counters.received++;
    const arrivedAt = arrivalTime(this.native, this, arrivalMs, stamp);
    if (data.length < 32) return;
    const raw: RawDatagram = { family: 'ipv6', src: readIpv6(data, 0), dst: readIpv6(data, 16), hopLimit, payload: data.subarray(32) };
    try {
      this.emit('packet', raw, arrivedAt);
    } catch (e) {
      if (this.limiter.check('packet handler threw', performance.now()).log) {
        this.logger?.warn({ err: describeError(e), ifname: this.ifname }, 'packet handler threw');
      }
    }
  }
}

/** Opens and configures the raw IPv6 socket for `ifname` (errors name the failing option). */
export async function openVrrpSocket6(opts: VrrpSocket6Options): Promise<Result<VrrpSocket6, SocketError>> {
  const name = checkIfname(opts.ifname);
  if (!name.ok) return err({ kind: 'invalid', detail: name.error.detail });
  const native = loadRaw6();
  if (!native.ok) return native;
  const ifindex = await readIfindex(opts.ifname);
  if (!ifindex.ok) return ifindex;
  const group = opts.mcastGroup === undefined ? VRRP_MCAST_GROUP6 : opts.mcastGroup;
  let sock: VrrpSocket6 | undefined;
  try {
    // The callback runs on the loop, after `sock` is assigned below.
    const handle = native.value.raw6Open(opts.ifname, ifindex.value, group === null ? null : addressBytes(group), opts.rcvBuf ?? 0, (code, data, hopLimit, _ifindex, arrivalMs, stamp) =>
      sock?.onMessage(code, data, hopLimit, arrivalMs, stamp),
    );
    sock = new VrrpSocket6(native.value, handle, opts.ifname, ifindex.value, opts.logger);
  } catch (e) {
    const hint = /permitted/i.test((e as Error).message) ? ' (needs CAP_NET_RAW)' : '';
    return err({ kind: 'socket-failed', detail: `raw IPv6 socket on ${opts.ifname}: ${(e as Error).message}${hint}` });
  }
  return ok(sock);
}
