/**
 * One network interface at run time: its VRRP raw sockets (IPv4 with an AH receive socket, IPv6,
 * or both for a dual-stack interface; each opened when the first instance of its family asks),
 * the mux that shares them among the instances on the interface, and the sender of gratuitous
 * ARPs and unsolicited NAs. Opening can fail (interface missing, no address yet, no IPv6 addon):
 * the daemon retries, and instances on the interface wait in FAULT meanwhile. An interface that
 * only carries VIPs (`dev X`) has a GARP/NA sender and no socket. The name '' is the IPv4 socket
 * bound to no interface (unicast instances without `interface`), which has no GARP sender.
 */
import { netlinkBatcher } from '../io/addr-netlink.js';
import { openGarpSender, type GarpSender } from '../io/garp.js';
import { getInterfaceInfo, type InterfaceInfo } from '../io/interface-info.js';
import { VrrpInterfaceMux, type PacketPort } from '../io/vrrp-mux.js';
import { openVrrpSocket, type VrrpSocket } from '../io/vrrp-socket.js';
import { openVrrpSocket6, type VrrpSocket6 } from '../io/vrrp-socket6.js';
import { familyOf, type Family, type IpAddress, type Ipv4Address, type Ipv6Address } from '../wire/address.js';
import { IPPROTO_AH } from '../wire/constants.js';
import { describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
import { zeroInterfaceIoCounters, type InterfaceIoCounters } from '../status/model.js';
import type { Logger } from './log.js';

/** The multicast groups of the configuration (vrrp_mcast_group4 / vrrp_mcast_group6). */
export interface McastGroups {
  readonly ipv4: Ipv4Address;
  readonly ipv6: Ipv6Address;
}

export class Iface {
  readonly name: string;
  info: InterfaceInfo | undefined;
  mux: VrrpInterfaceMux | undefined;
  garp: GarpSender | undefined;
  #sockets: (VrrpSocket | VrrpSocket6)[] = [];
  /** Addresses added since `info` was read (noteAdded). */
  readonly #added = new Set<IpAddress>();
  /** The opens in flight, per family: instances on the same interface share them instead of opening twice. */
  readonly #opening = new Map<Family, Promise<Result<InterfaceInfo, string>>>();
  #garpOpening: Promise<void> | undefined;
  readonly #log: Logger;
  /** A failing GARP sender fails every packet: one line per 10 s, then "N more suppressed". */
  readonly #garpLog: RateLimiter;
  /** Bursts on this interface, one after the other (vrrp_garp_interval spaces every frame). */
  #garpChain: Promise<void> = Promise.resolve();
  /** keepalived vrrp_garp_interval: the least gap between two gratuitous ARPs here, ms. */
  garpIntervalMs = 0;

  constructor(name: string, log: Logger) {
    this.name = name;
    this.#log = log.child({ ifname: name });
    this.#garpLog = new RateLimiter({ onSuppressed: (_k, n) => this.#log.warn({ suppressed: n }, `${n} more 'gratuitous ARP failed' lines suppressed`) });
  }

  get isOpen(): boolean {
    return this.mux !== undefined;
  }

  /** Open the socket(s) of `family`, and the mux and the GARP/NA sender (once, however many instances ask). */
  open(family: Family, groups: McastGroups): Promise<Result<InterfaceInfo, string>> {
    if (this.mux?.sends(family) && this.info) return Promise.resolve(ok(this.info));
    let opening = this.#opening.get(family);
    if (opening === undefined) {
      opening = this.#open(family, groups).finally(() => this.#opening.delete(family));
      this.#opening.set(family, opening);
    }
    return opening;
  }

  async #open(family: Family, groups: McastGroups): Promise<Result<InterfaceInfo, string>> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok) return err(info.error.detail);
    const ports = family === 'ipv4' ? await this.#openIpv4(groups.ipv4) : await this.#openIpv6(groups.ipv6);
    if (!ports.ok) return ports;
    const [port, ...extra] = ports.value;
    if (this.mux === undefined) {
      this.mux = new VrrpInterfaceMux(port!, { localAddresses: localAddresses(info.value), extraPorts: extra, logger: this.#log });
    } else {
      this.mux.attach(port!, extra);
      this.mux.setLocalAddresses(localAddresses(info.value));
    }
    await this.#openGarp();
    this.info = info.value;
    return ok(info.value);
  }

  /** The IPv4 socket bound to no interface: no interface facts, no multicast, no GARP. */
  async #openUnbound(extraLocal: readonly IpAddress[]): Promise<Result<InterfaceInfo, string>> {
    const sock = await openVrrpSocket({ ifname: '', mcastGroup: null, logger: this.#log });
    if (!sock.ok) return err(sock.error.detail);
    this.#sockets.push(sock.value);
    this.mux = new VrrpInterfaceMux(sock.value, { localAddresses: extraLocal, logger: this.#log });
    this.info = { name: '', index: 0, mac: '00:00:00:00:00:00', mtu: 0, operstate: 'UNKNOWN', running: true, ipv4: [], primaryIpv4: undefined, ipv6: [], linkLocal6: undefined };
    return ok(this.info);
  }

  /** Open the socket bound to no interface ('' only); `local` are our source addresses (own-packet filter). */
  openUnbound(local: readonly IpAddress[]): Promise<Result<InterfaceInfo, string>> {
    if (this.mux && this.info) {
      this.mux.setLocalAddresses(local);
      return Promise.resolve(ok(this.info));
    }
    let opening = this.#opening.get('ipv4');
    if (opening === undefined) {
      opening = this.#openUnbound(local).finally(() => this.#opening.delete('ipv4'));
      this.#opening.set('ipv4', opening);
    }
    return opening;
  }

  /** The raw sockets' own counters, summed (status/model.ts INTERFACE_IO_COUNTERS). */
  get socketCounters(): InterfaceIoCounters {
    const c = zeroInterfaceIoCounters();
    for (const s of this.#sockets) {
      c.socketSent += s.counters.sent;
      c.socketSendErrors += s.counters.sendErrors;
      c.socketRecvErrors += s.counters.recvErrors;
      c.socketRxUnstamped += s.counters.rxUnstamped;
    }
    return c;
  }

  /**
   * The GARP / NA sender, opened once even when both families open at the same time; alone on an
   * interface that only carries VIPs. A failed open is tried again by the next burst.
   */
  #openGarp(): Promise<void> {
    if (this.garp || this.name === '') return Promise.resolve();
    if (this.#garpOpening !== undefined) return this.#garpOpening;
    const opening = openGarpSender(this.name).then((garp) => {
      if (!garp.ok) {
        if (this.#garpOpening === opening) this.#garpOpening = undefined;
        if (this.#garpLog.check('open', performance.now()).log) this.#log.error({ detail: garp.error.detail }, 'gratuitous ARP / unsolicited NA unavailable');
      } else if (this.#garpOpening !== opening) garp.value.close(); // closed meanwhile
      else this.garp = garp.value;
    });
    this.#garpOpening = opening;
    return opening;
  }

  /** The IPv4 socket (sends and receives) and the AH receive socket (counts AH adverts), when it opens. */
  async #openIpv4(group: Ipv4Address): Promise<Result<PacketPort[], string>> {
    const sock = await openVrrpSocket({ ifname: this.name, mcastGroup: group, logger: this.#log });
    if (!sock.ok) return err(sock.error.detail);
    this.#sockets.push(sock.value);
    const ah = await openVrrpSocket({ ifname: this.name, mcastGroup: group, protocol: IPPROTO_AH, receiveOnly: true, logger: this.#log });
    if (!ah.ok) {
      this.#log.warn({ detail: ah.error.detail }, 'no AH receive socket: AH adverts will not be counted');
      return ok([sock.value]);
    }
    this.#sockets.push(ah.value);
    return ok([sock.value, ah.value]);
  }

  /** The raw IPv6 socket of the native addon (native-notes/ipv6.md). */
  async #openIpv6(group: Ipv6Address): Promise<Result<PacketPort[], string>> {
    const sock = await openVrrpSocket6({ ifname: this.name, mcastGroup: group, logger: this.#log });
    if (!sock.ok) return err(sock.error.detail);
    this.#sockets.push(sock.value);
    return ok([sock.value]);
  }

  /**
   * Re-read our addresses (own-packet filter, primary address, link-local address). Not those of
   * an interface created again under our name: our sockets are bound to the old index, and the
   * daemon tells the two apart by it (it reopens).
   */
  async refresh(): Promise<void> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok || (this.info !== undefined && info.value.index !== this.info.index)) return;
    this.info = info.value;
    this.#added.clear();
    this.mux?.setLocalAddresses(localAddresses(info.value));
  }

  /** Addresses seen added since the last read (the address watch's events): own ones too, until the next read. */
  noteAdded(addresses: Iterable<string>): void {
    for (const a of addresses) this.#added.add(a as IpAddress);
    if (this.info) this.mux?.setLocalAddresses([...localAddresses(this.info), ...this.#added]);
  }

  /**
   * Send `count` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for each address, `count` rounds
   * over the addresses like keepalived, ARPs at least `garpIntervalMs` apart (vrrp_garp_interval);
   * how many went out. Bursts queue behind each other; the promise never rejects.
   */
  sendGarps(addresses: readonly IpAddress[], count: number): Promise<{ sent: number; failed: number }> {
    const burst = async (): Promise<{ sent: number; failed: number }> => {
      const tally = { sent: 0, failed: 0 };
      try {
        if (!this.garp) await this.#openGarp();
        const garp = this.garp;
        if (!garp) return { sent: 0, failed: addresses.length * count };
        for (let i = 0; i < count; i++) {
          for (const ip of addresses) {
            // The addon's sender sends at once: no promise per frame (a mass takeover sends 1,275).
            const r = garp.sendNow !== undefined ? garp.sendNow(ip, 1) : await garp.send(ip, 1);
            if (r.ok) tally.sent++;
            else {
              tally.failed++;
              this.#garpFailed(ip, r.error.detail);
            }
            // vrrp_garp_interval spaces ARPs only; NAs would be vrrp_gna_interval's (not supported: back to back).
            if (this.garpIntervalMs > 0 && familyOf(ip) === 'ipv4') await new Promise((res) => setTimeout(res, this.garpIntervalMs));
          }
        }
      } catch (e) {
        this.#log.error({ err: describeError(e) }, 'bug: gratuitous ARP burst threw');
      }
      return tally;
    };
    const run = this.#garpChain.then(addressesSent).then(burst);
    this.#garpChain = run.then(() => undefined);
    return run;
  }

  /** Build the frames for `addresses` now, if the sender is open (else the first burst builds them). */
  prepareGarps(addresses: readonly IpAddress[]): void {
    try {
      this.garp?.prepare?.(addresses);
    } catch (e) {
      this.#log.error({ err: describeError(e) }, 'bug: building gratuitous ARP frames threw; they are built at the first burst');
    }
  }

  #garpFailed(ip: string, detail: string): void {
    if (this.#garpLog.check('garp', performance.now()).log) this.#log.warn({ ip, detail }, 'gratuitous ARP failed');
  }

  close(): void {
    this.mux?.detach();
    for (const s of this.#sockets) s.close();
    this.#sockets = [];
    this.garp?.close();
    this.garp = undefined;
    this.#garpOpening = undefined;
    this.mux = undefined;
  }
}

/**
 * Resolves once every address change asked for so far has gone to the kernel (addr-netlink.ts
 * whenIdle, 100 ms at most): a mass takeover's GARPs go after all of its addresses, not between
 * two of its batches, where they would hold back the addresses still to go (docs/performance.md).
 * Each instance's own addresses are in before its burst in any case (the burst follows its pass).
 */
function addressesSent(): Promise<void> {
  return new Promise((resolve) => netlinkBatcher().whenIdle(resolve));
}

/** Every address of the interface: packets from them are our own. */
function localAddresses(info: InterfaceInfo): IpAddress[] {
  return [...info.ipv4.map((a) => a.address), ...info.ipv6.map((a) => a.address)];
}
