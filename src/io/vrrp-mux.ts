/**
 * Shares one interface's VRRP sockets among the instances on it. It only moves bytes: every
 * received datagram goes to the interface's ReceivePath (src/protocol/receive-path.ts, pure), which
 * checks and counts it and names the instance it is for; the mux then hands the advert to that
 * instance or logs the drop (rate-limited, RFC 3768 §7.1 / RFC 5798 §7.1 "SHOULD log the event").
 * Sending goes to the multicast group or to each unicast peer, through the socket of the
 * destination's family (an interface has an IPv4 socket, an IPv6 socket, or both: dual stack).
 */
import { RateLimiter } from '../rate-limit.js';
import { ReceivePath, type ChecksumStyle, type ReceiverSpec } from '../protocol/receive-path.js';
import type { RouterCounters } from '../protocol/counters.js';
import { err, ok, type Result } from '../result.js';
import { familyOf, type Family, type IpAddress } from '../wire/address.js';
import type { OpenedDatagram, RawDatagram } from '../wire/datagram.js';
import type { Advert } from '../wire/types.js';
import type { ArmedDatagram } from './packet-addon.js';
import type { IoLogger, SocketError } from './vrrp-socket.js';

/** The socket side the mux needs (a VrrpSocket or VrrpSocket6, or a fake in unit tests). */
export interface PacketPort {
  readonly ifname: string;
  /** The family it sends (default IPv4). */
  readonly family?: Family;
  /** `arrivedAt`: when the datagram reached the host (the kernel's stamp, on the daemon's clock), if known. */
  on(ev: 'packet', cb: (raw: RawDatagram, arrivedAt?: number) => void): unknown;
  off(ev: 'packet', cb: (raw: RawDatagram, arrivedAt?: number) => void): unknown;
  /**
   * `src`: the source address to send from (IPv4: our own header, IP_HDRINCL; IPv6: IPV6_PKTINFO).
   * Synchronous: the datagram is with the kernel (or queued behind a full buffer) on return.
   * `armedSent`: what `arm` gave for these arguments, already sent by the kernel timer: counted, not sent again.
   */
  send(payload: Uint8Array, dst: IpAddress, src?: IpAddress, armedSent?: ArmedDatagram): Result<number, SocketError>;
  /** Builds and keeps the datagram `send` would for these arguments, without sending (a backup's takeover advert). */
  prepare?(payload: Uint8Array, dst: IpAddress, src?: IpAddress): void;
  /** That datagram as the kernel timer can send it by itself (VrrpSocket.arm); undefined when it cannot. */
  arm?(payload: Uint8Array, dst: IpAddress, src?: IpAddress): ArmedDatagram | undefined;
}

/** An advert that passed the receive path, with the IP facts it came with. */
export interface ReceivedAdvert {
  readonly advert: Advert;
  readonly ip: OpenedDatagram;
  /** How its checksum verified (keepalived's old unicast style, or the RFC's). */
  readonly checksum: ChecksumStyle;
  /** When it reached the host, on the daemon's clock: the kernel's receive timestamp, else when it was read. */
  readonly arrivedAt?: number;
}

export interface RegisterOptions {
  /** What the receive path checks for this instance (VRID, version, family, peers, TTL, counters). */
  readonly spec: ReceiverSpec;
  readonly onAdvert: (rx: ReceivedAdvert) => void;
  /** Where adverts go: the multicast group, or each unicast peer. */
  readonly destinations: readonly IpAddress[];
  /** The address adverts leave from (the VRRPv3 checksum covers it): IPv4 writes it in our own header, IPv6 pins it on each send. */
  readonly source?: IpAddress;
}

export interface Registration {
  readonly destinations: readonly IpAddress[];
  /** Sends one advert payload to `dst` (one of `destinations`), synchronously (PacketPort.send; `armedSent` too). */
  sendTo(payload: Uint8Array, dst: IpAddress, armedSent?: ArmedDatagram): Result<number, SocketError>;
  /** Builds what sending `payload` to `dst` needs (PacketPort.prepare), without sending. */
  prepare(payload: Uint8Array, dst: IpAddress): void;
  /** The datagram for `payload` to `dst` as the kernel timer can send it (PacketPort.arm). */
  arm(payload: Uint8Array, dst: IpAddress): ArmedDatagram | undefined;
  /** The address adverts leave from from now on (the interface's address changed). */
  setSource(src: IpAddress): void;
  unregister(): void;
}

export class VrrpInterfaceMux {
  readonly #rx = new ReceivePath<string>();
  readonly #handlers = new Map<string, (rx: ReceivedAdvert) => void>();
  readonly #ports: PacketPort[] = [];
  /** The socket that sends each family. */
  readonly #senders = new Map<Family, PacketPort>();
  readonly #listener = (raw: RawDatagram, arrivedAt?: number): void => this.handle(raw, arrivedAt);
  readonly #logger: IoLogger | undefined;
  readonly #now: () => number;
  /** What every registration reaches of this mux (made at the first). */
  #parts: MuxParts | undefined = undefined;
  /** RFC 3768 §7.1 "SHOULD log the event": one line per reason per 10 s, whatever the source. */
  readonly #drops = new RateLimiter({
    onSuppressed: (reason, n) => this.#logger?.warn({ ifname: this.port.ifname, reason, suppressed: n }, `${n} more 'advert dropped' lines suppressed`),
  });

  /** `port` sends and receives VRRP of its family; `extraPorts` only receive (e.g. an AH socket). */
  constructor(
    private readonly port: PacketPort,
    opts: { localAddresses?: readonly IpAddress[]; extraPorts?: readonly PacketPort[]; logger?: IoLogger; now?: () => number } = {},
  ) {
    this.#logger = opts.logger;
    this.#now = opts.now ?? (() => performance.now());
    this.#rx.setLocalAddresses(opts.localAddresses ?? []);
    this.attach(port, opts.extraPorts);
  }

  /** Adds a socket that sends and receives VRRP of its family (the second family of a dual-stack interface), and receive-only ones. */
  attach(port: PacketPort, extraPorts: readonly PacketPort[] = []): void {
    this.#senders.set(port.family ?? 'ipv4', port);
    this.#listen(port);
    for (const p of extraPorts) this.#listen(p);
  }

  /** Whether a socket sends `family` here. */
  sends(family: Family): boolean {
    return this.#senders.has(family);
  }

  #listen(p: PacketPort): void {
    p.on('packet', this.#listener);
    this.#ports.push(p);
  }

  /** The interface's router-wide counters (counters.ts). */
  get counters(): Readonly<RouterCounters> {
    return this.#rx.counters;
  }

  /** Our interface addresses: packets from them are our own and ignored. */
  setLocalAddresses(addrs: readonly IpAddress[]): void {
    this.#rx.setLocalAddresses(addrs);
  }

  /** Claims a (family, VRID) on this interface for instance `key`; an error if another holds it. */
  register(key: string, opts: RegisterOptions): Result<Registration, { kind: 'vrid-taken'; detail: string }> {
    const r = this.#rx.register(key, opts.spec);
    if (!r.ok) return err({ kind: 'vrid-taken', detail: `${r.error.detail} (${this.port.ifname})` });
    this.#handlers.set(key, opts.onAdvert);
    this.#parts ??= { rx: this.#rx, handlers: this.#handlers, senders: this.#senders, ifname: this.port.ifname };
    return ok(new MuxRegistration(key, opts, this.#parts));
  }

  /** Stops listening (the sockets stay open; their owner closes them). */
  detach(): void {
    for (const p of this.#ports) p.off('packet', this.#listener);
    this.#ports.length = 0;
  }

  /** Sorts one received datagram that arrived at `arrivedAt` (default: now). Never throws on any bytes. */
  handle(raw: RawDatagram, arrivedAt?: number): void {
    const v = this.#rx.handle(raw);
    if (v.kind === 'deliver') {
      this.#handlers.get(v.key)?.({ advert: v.advert, ip: v.ip, checksum: v.checksum, arrivedAt: arrivedAt ?? this.#now() });
      return;
    }
    if (v.reason === 'own-packet') return;
    const gate = this.#drops.check(v.reason, this.#now());
    if (!gate.log) return;
    const fields = {
      ifname: this.port.ifname,
      reason: v.reason,
      from: v.from,
      detail: v.detail(),
      suppressed: gate.suppressed,
      ...(v.vrid !== undefined ? { vrid: v.vrid } : {}),
      ...(v.key !== undefined ? { instance: v.key } : {}),
    };
    this.#logger?.warn(fields, 'advert dropped');
  }
}

/** What a registration reaches of its mux: the receive path and handlers to leave, the senders. */
interface MuxParts {
  readonly rx: ReceivePath<string>;
  readonly handlers: Map<string, (rx: ReceivedAdvert) => void>;
  readonly senders: ReadonlyMap<Family, PacketPort>;
  readonly ifname: string;
}

/**
 * One instance's claim on the mux. A class, not an object of five arrow functions: one instance's
 * closures and their context were ~350 bytes (native-notes/memory.md, "Bytes kept per instance").
 */
class MuxRegistration implements Registration {
  readonly destinations: readonly IpAddress[];
  #source: IpAddress | undefined;
  #registered = true;

  constructor(
    private readonly key: string,
    opts: RegisterOptions,
    private readonly mux: MuxParts,
  ) {
    this.destinations = opts.destinations;
    this.#source = opts.source;
  }

  sendTo(payload: Uint8Array, dst: IpAddress, armedSent?: ArmedDatagram): Result<number, SocketError> {
    const sender = this.mux.senders.get(familyOf(dst));
    if (sender === undefined) return err({ kind: 'closed', detail: `no ${familyOf(dst)} socket on ${this.mux.ifname}` });
    const source = this.#source;
    if (armedSent !== undefined) return sender.send(payload, dst, source, armedSent);
    return source === undefined ? sender.send(payload, dst) : sender.send(payload, dst, source);
  }

  arm(payload: Uint8Array, dst: IpAddress): ArmedDatagram | undefined {
    return this.mux.senders.get(familyOf(dst))?.arm?.(payload, dst, this.#source);
  }

  prepare(payload: Uint8Array, dst: IpAddress): void {
    const sender = this.mux.senders.get(familyOf(dst));
    const source = this.#source;
    if (source === undefined) sender?.prepare?.(payload, dst);
    else sender?.prepare?.(payload, dst, source);
  }

  setSource(src: IpAddress): void {
    this.#source = src;
  }

  unregister(): void {
    if (!this.#registered) return;
    this.#registered = false;
    this.mux.rx.unregister(this.key);
    this.mux.handlers.delete(this.key);
  }
}
