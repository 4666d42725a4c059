/**
 * Shares one interface's VRRP socket among the instances on it and sorts what arrives
 * (RFC 3768 §7.1, counters named after RFC 2787 VRRP-MIB). For each received datagram:
 *   1. IPv4 header parsed (malformed: `ipErrors`); protocol 51 goes to the AH path (5.)
 *   2. own packets (source is one of our addresses) ignored: `ownPackets`
 *   3. advert parsed; bad version -> `versionErrors`, bad checksum -> `checksumErrors`
 *      (router-wide: a corrupt packet's VRID byte cannot be trusted)
 *   4. VRID byte looked up; none registered -> `vrIdErrors`. Then, per instance:
 *      TTL != 255 -> `ipTtlErrors` (§7.1, when `checkTtl`); other parse errors ->
 *      `packetLengthErrors`, `invalidTypePktsRcvd`, `invalidAuthType`; in unicast mode a
 *      source not among the peers -> `unicastPeerRejects`; the rest is delivered.
 *   5. AH (keepalived's auth_type AH, RFC 2338): we implement no AH, so an AH-wrapped advert
 *      for a registered VRID counts as `authTypeMismatch` (vrrpStatsAuthTypeMismatch) and is dropped.
 * Semantic checks (interval, password, address list) stay with the router.
 */
import { err, ok, type Result } from '../result.js';
import { RateLimiter } from '../rate-limit.js';
import { parseAdvert } from '../wire/advert.js';
import { parseAh } from '../wire/ah.js';
import { parseIpv4, IPPROTO_AH, IPPROTO_VRRP } from '../wire/ipv4.js';
import type { Advert, AdvertErrorKind } from '../wire/types.js';
import { VRRP_MCAST_GROUP, type IoLogger, type SocketError } from './vrrp-socket.js';

/** The socket side the mux needs (a VrrpSocket, or a fake in unit tests). */
export interface PacketPort {
  readonly ifname: string;
  on(ev: 'packet', cb: (bytes: Uint8Array, src: string) => void): unknown;
  off(ev: 'packet', cb: (bytes: Uint8Array, src: string) => void): unknown;
  send(payload: Uint8Array, dst: string): Promise<Result<number, SocketError>>;
}

/** An advert that passed the mux, with the IP facts the router wants. */
export interface ReceivedAdvert {
  readonly advert: Advert;
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly tos: number;
}

/** Router-wide counters (RFC 2787 vrrpRouterStatistics, plus our own). */
export interface MuxCounters {
  received: number;
  ipErrors: number;
  otherProtocol: number;
  ownPackets: number;
  checksumErrors: number;
  versionErrors: number;
  vrIdErrors: number;
  ahPktsRcvd: number;
}

/** Per-instance drop counters (RFC 2787 vrrpStatsTable names). */
export interface InstanceIoCounters {
  delivered: number;
  ipTtlErrors: number;
  packetLengthErrors: number;
  invalidTypePktsRcvd: number;
  invalidAuthType: number;
  authTypeMismatch: number;
  unicastPeerRejects: number;
}

export interface RegisterOptions {
  readonly onAdvert: (rx: ReceivedAdvert) => void;
  /** Unicast mode: send to each, accept only from these. Undefined = multicast to 224.0.0.18. */
  readonly unicastPeers?: readonly string[];
  /** Drop TTL != 255 here (§7.1). Default true; false leaves it to the router (rx.ttl). */
  readonly checkTtl?: boolean;
}

export interface Registration {
  readonly vrid: number;
  readonly counters: InstanceIoCounters;
  /** Sends an advert payload to the group, or to every unicast peer; one result per destination. */
  send(payload: Uint8Array): Promise<{ dst: string; result: Result<number, SocketError> }[]>;
  unregister(): void;
}

interface Entry {
  readonly opts: RegisterOptions;
  readonly counters: InstanceIoCounters;
}

const PER_INSTANCE: Partial<Record<AdvertErrorKind, keyof InstanceIoCounters>> = {
  truncated: 'packetLengthErrors',
  'bad-length': 'packetLengthErrors',
  'count-mismatch': 'packetLengthErrors',
  'bad-type': 'invalidTypePktsRcvd',
  'unsupported-auth': 'invalidAuthType',
};

export class VrrpInterfaceMux {
  readonly counters: MuxCounters = { received: 0, ipErrors: 0, otherProtocol: 0, ownPackets: 0, checksumErrors: 0, versionErrors: 0, vrIdErrors: 0, ahPktsRcvd: 0 };
  private readonly entries = new Map<number, Entry>();
  private readonly ports: PacketPort[] = [];
  private local = new Set<string>();
  private readonly listener = (bytes: Uint8Array, src: string): void => this.handle(bytes, src);

  /** `port` sends and receives VRRP; `extraPorts` only receive (e.g. an AH socket). */
  constructor(
    private readonly port: PacketPort,
    opts: { localAddresses?: readonly string[]; extraPorts?: readonly PacketPort[]; logger?: IoLogger; now?: () => number } = {},
  ) {
    this.logger = opts.logger;
    this.now = opts.now ?? (() => performance.now());
    this.setLocalAddresses(opts.localAddresses ?? []);
    for (const p of [port, ...(opts.extraPorts ?? [])]) {
      p.on('packet', this.listener);
      this.ports.push(p);
    }
  }

  private readonly logger: IoLogger | undefined;
  private readonly now: () => number;
  /** RFC 3768 §7.1 "SHOULD log the event": one line per (reason, source) per 10 s. */
  private readonly drops = new RateLimiter();

  /** Count a drop (already done by the caller) and log it, rate-limited. */
  private logDrop(reason: string, from: string, detail: string, vrid?: number): void {
    const gate = this.drops.check(`${reason}:${from}`, this.now());
    if (!gate.log) return;
    const fields = { ifname: this.port.ifname, reason, from, detail, suppressed: gate.suppressed, ...(vrid !== undefined ? { vrid } : {}) };
    this.logger?.warn(fields, 'advert dropped');
  }

  /** Our interface addresses: packets from them are our own and ignored. */
  setLocalAddresses(addrs: readonly string[]): void {
    this.local = new Set(addrs);
  }

  /** Claims a VRID on this interface; an error if another instance holds it. */
  register(vrid: number, opts: RegisterOptions): Result<Registration, { kind: 'vrid-taken'; detail: string }> {
    if (this.entries.has(vrid)) return err({ kind: 'vrid-taken', detail: `VRID ${vrid} already registered on ${this.port.ifname}` });
    const counters: InstanceIoCounters = { delivered: 0, ipTtlErrors: 0, packetLengthErrors: 0, invalidTypePktsRcvd: 0, invalidAuthType: 0, authTypeMismatch: 0, unicastPeerRejects: 0 };
    const entry: Entry = { opts, counters };
    this.entries.set(vrid, entry);
    const dsts = opts.unicastPeers ?? [VRRP_MCAST_GROUP];
    return ok({
      vrid,
      counters,
      send: (payload) => Promise.all(dsts.map(async (dst) => ({ dst, result: await this.port.send(payload, dst) }))),
      unregister: () => {
        if (this.entries.get(vrid) === entry) this.entries.delete(vrid);
      },
    });
  }

  /** Stops listening (the sockets stay open; their owner closes them). */
  detach(): void {
    for (const p of this.ports) p.off('packet', this.listener);
    this.ports.length = 0;
  }

  /** Sorts one received datagram (IP header included). Never throws on any bytes. */
  handle(bytes: Uint8Array, _src?: string): void {
    this.counters.received++;
    const ip = parseIpv4(bytes);
    if (!ip.ok) {
      this.counters.ipErrors++;
      return;
    }
    const { header, payload } = ip.value;
    if (this.local.has(header.src)) {
      this.counters.ownPackets++;
      return;
    }
    if (header.protocol === IPPROTO_AH) return this.handleAh(payload, header.src);
    if (header.protocol !== IPPROTO_VRRP) {
      this.counters.otherProtocol++;
      return;
    }
    const from = header.src;
    const parsed = parseAdvert(payload);
    if (!parsed.ok && (parsed.error.kind === 'bad-version' || parsed.error.kind === 'bad-checksum')) {
      this.counters[parsed.error.kind === 'bad-version' ? 'versionErrors' : 'checksumErrors']++;
      return this.logDrop(parsed.error.kind, from, parsed.error.detail);
    }
    const vrid = payload[1] ?? 0;
    const entry = payload.length >= 2 ? this.entries.get(vrid) : undefined;
    if (entry === undefined) {
      this.counters.vrIdErrors++;
      return this.logDrop('vrid', from, `VRID ${vrid} is not configured on ${this.port.ifname}`);
    }
    const c = entry.counters;
    if (entry.opts.checkTtl !== false && header.ttl !== 255) {
      c.ipTtlErrors++;
      return this.logDrop('ip-ttl', from, `TTL ${header.ttl}, must be 255`, vrid);
    }
    if (!parsed.ok) {
      c[PER_INSTANCE[parsed.error.kind] ?? 'packetLengthErrors']++;
      return this.logDrop(parsed.error.kind, from, parsed.error.detail, vrid);
    }
    const peers = entry.opts.unicastPeers;
    if (peers !== undefined && !peers.includes(from)) {
      c.unicastPeerRejects++;
      return this.logDrop('unicast-peer', from, `${from} is not a unicast_peer`, vrid);
    }
    c.delivered++;
    entry.opts.onAdvert({ advert: parsed.value, src: header.src, dst: header.dst, ttl: header.ttl, tos: header.tos });
  }

  /** AH (RFC 4302 §2) wrapping VRRP: the inner VRID names the instance whose counter grows. */
  private handleAh(payload: Uint8Array, from: string): void {
    this.counters.ahPktsRcvd++;
    const ah = parseAh(payload);
    const vrid = ah.ok && ah.value.nextHeader === IPPROTO_VRRP ? ah.value.payload[1] : undefined;
    const entry = vrid === undefined ? undefined : this.entries.get(vrid);
    if (entry === undefined) {
      this.counters.vrIdErrors++;
      return this.logDrop('vrid', from, 'AH packet for a VRID not configured here');
    }
    entry.counters.authTypeMismatch++;
    this.logDrop('auth-type-mismatch', from, 'IPsec AH (auth_type AH) is not supported by vrrpd', vrid);
  }
}
