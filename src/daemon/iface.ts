/**
 * One network interface at run time: its VRRP raw sockets (IPv4 with an AH receive socket, IPv6,
 * or both for a dual-stack interface; each opened when the first instance of its family asks),
 * the mux that shares them among the instances on the interface, and the sender of gratuitous
 * ARPs and unsolicited NAs. Opening can fail (interface missing, no address yet, no IPv6 addon):
 * the daemon retries, and instances on the interface wait in FAULT meanwhile.
 */
import { openGarpSender, type GarpSender } from '../io/garp.js';
import { getInterfaceInfo, type InterfaceInfo } from '../io/interface-info.js';
import { VrrpInterfaceMux, type PacketPort } from '../io/vrrp-mux.js';
import { openVrrpSocket, type VrrpSocket } from '../io/vrrp-socket.js';
import { openVrrpSocket6, type VrrpSocket6 } from '../io/vrrp-socket6.js';
import type { Family, IpAddress, Ipv4Address, Ipv6Address } from '../wire/address.js';
import { IPPROTO_AH } from '../wire/constants.js';
import { background, describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
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
  /** The opens in flight, per family: instances on the same interface share them instead of opening twice. */
  readonly #opening = new Map<Family, Promise<Result<InterfaceInfo, string>>>();
  #garpOpening: Promise<void> | undefined;
  readonly #log: Logger;
  /** A failing GARP sender fails every packet: one line per 10 s, then "N more suppressed". */
  readonly #garpLog: RateLimiter;

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

  /** The GARP / NA sender, opened once even when both families open at the same time. */
  #openGarp(): Promise<void> {
    if (this.#garpOpening !== undefined) return this.#garpOpening;
    const opening = openGarpSender(this.name).then((garp) => {
      if (!garp.ok) this.#log.error({ detail: garp.error.detail }, 'gratuitous ARP / unsolicited NA unavailable');
      else if (this.#garpOpening !== opening) garp.value.close(); // closed meanwhile
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
    const ah = await openVrrpSocket({ ifname: this.name, mcastGroup: group, protocol: IPPROTO_AH, logger: this.#log });
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

  /** Re-read our addresses (own-packet filter, primary address, link-local address). */
  async refresh(): Promise<void> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok) return;
    this.info = info.value;
    this.mux?.setLocalAddresses(localAddresses(info.value));
  }

  /** Send `count` gratuitous ARPs (IPv4) or unsolicited NAs (IPv6) for each address, address by address like keepalived. */
  sendGarps(addresses: readonly IpAddress[], count: number): void {
    const garp = this.garp;
    if (!garp) return;
    const burst = async (): Promise<void> => {
      for (let i = 0; i < count; i++) {
        for (const ip of addresses) {
          const r = await garp.send(ip, 1);
          if (!r.ok) this.#garpFailed(ip, r.error.detail);
        }
      }
    };
    background(burst(), (e) => this.#log.error({ err: describeError(e) }, 'bug: gratuitous ARP burst threw'));
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

/** Every address of the interface: packets from them are our own. */
function localAddresses(info: InterfaceInfo): IpAddress[] {
  return [...info.ipv4.map((a) => a.address), ...info.ipv6.map((a) => a.address)];
}
