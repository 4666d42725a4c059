/**
 * One network interface at run time: its VRRP raw socket (and an AH receive socket), the mux
 * that shares them among the instances on the interface, and the gratuitous ARP sender.
 * Opening can fail (interface missing, no address yet): the daemon retries, and instances on
 * the interface wait in FAULT meanwhile. An interface that only carries VIPs (`dev X`) has a
 * GARP sender and no socket. The name '' is the socket bound to no interface (unicast instances
 * without `interface`), which has no GARP sender.
 */
import { openGarpSender, type GarpSender } from '../io/garp.js';
import { getInterfaceInfo, type InterfaceInfo } from '../io/interface-info.js';
import { VrrpInterfaceMux } from '../io/vrrp-mux.js';
import { openVrrpSocket, type VrrpSocket } from '../io/vrrp-socket.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import { IPPROTO_AH } from '../wire/constants.js';
import { background, describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
import type { Logger } from './log.js';

export class Iface {
  readonly name: string;
  info: InterfaceInfo | undefined;
  mux: VrrpInterfaceMux | undefined;
  garp: GarpSender | undefined;
  #sockets: VrrpSocket[] = [];
  /** The open in flight: instances on the same interface share it instead of opening twice. */
  #opening: Promise<Result<InterfaceInfo, string>> | undefined;
  readonly #log: Logger;
  /** A failing GARP sender fails every packet: one line per 10 s, then "N more suppressed". */
  readonly #garpLog: RateLimiter;
  #garpOpening: Promise<void> | undefined;
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

  /** Open the sockets and the GARP sender (once, however many instances ask). */
  open(mcastGroup: Ipv4Address): Promise<Result<InterfaceInfo, string>> {
    if (this.mux && this.info) return Promise.resolve(ok(this.info));
    this.#opening ??= this.#open(mcastGroup).finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  async #open(mcastGroup: Ipv4Address): Promise<Result<InterfaceInfo, string>> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok) return err(info.error.detail);
    const sock = await openVrrpSocket({ ifname: this.name, mcastGroup, logger: this.#log });
    if (!sock.ok) return err(sock.error.detail);
    this.#sockets = [sock.value];
    const ah = await openVrrpSocket({ ifname: this.name, mcastGroup, protocol: IPPROTO_AH, logger: this.#log });
    if (ah.ok) this.#sockets.push(ah.value);
    else this.#log.warn({ detail: ah.error.detail }, 'no AH receive socket: AH adverts will not be counted');
    const local = info.value.ipv4.map((a) => a.address);
    this.mux = new VrrpInterfaceMux(sock.value, { localAddresses: local, extraPorts: ah.ok ? [ah.value] : [], logger: this.#log });
    await this.#openGarp();
    this.info = info.value;
    return ok(info.value);
  }

  /** The socket bound to no interface: no interface facts, no multicast, no GARP. */
  async #openUnbound(extraLocal: readonly IpAddress[]): Promise<Result<InterfaceInfo, string>> {
    const sock = await openVrrpSocket({ ifname: '', mcastGroup: null, logger: this.#log });
    if (!sock.ok) return err(sock.error.detail);
    this.#sockets = [sock.value];
    this.mux = new VrrpInterfaceMux(sock.value, { localAddresses: extraLocal, logger: this.#log });
    this.info = { name: '', index: 0, mac: '00:00:00:00:00:00', mtu: 0, operstate: 'UNKNOWN', running: true, ipv4: [], primaryIpv4: undefined };
    return ok(this.info);
  }

  /** Open the socket bound to no interface ('' only); `local` are our source addresses (own-packet filter). */
  openUnbound(local: readonly IpAddress[]): Promise<Result<InterfaceInfo, string>> {
    if (this.mux && this.info) {
      this.mux.setLocalAddresses(local);
      return Promise.resolve(ok(this.info));
    }
    this.#opening ??= this.#openUnbound(local).finally(() => (this.#opening = undefined));
    return this.#opening;
  }

  /** The GARP sender alone (an interface that only carries VIPs); once, retried on the next burst when it fails. */
  #openGarp(): Promise<void> {
    if (this.garp || this.name === '') return Promise.resolve();
    this.#garpOpening ??= openGarpSender(this.name)
      .then((garp) => {
        if (garp.ok) this.garp = garp.value;
        else if (this.#garpLog.check('open', performance.now()).log) this.#log.error({ detail: garp.error.detail }, 'gratuitous ARP unavailable');
      })
      .finally(() => (this.#garpOpening = undefined));
    return this.#garpOpening;
  }

  /** Re-read our addresses (own-packet filter, primary address). */
  async refresh(): Promise<void> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok) return;
    this.info = info.value;
    this.mux?.setLocalAddresses(info.value.ipv4.map((a) => a.address));
  }

  /**
   * Send `count` gratuitous ARPs for each address, `count` rounds over the addresses like
   * keepalived, at least `garpIntervalMs` apart (vrrp_garp_interval). Bursts queue behind each other.
   */
  sendGarps(addresses: readonly IpAddress[], count: number): void {
    const burst = async (): Promise<void> => {
      await this.#openGarp();
      const garp = this.garp;
      if (!garp) return;
      for (let i = 0; i < count; i++) {
        for (const ip of addresses) {
          const r = await garp.send(ip, 1);
          if (!r.ok) this.#garpFailed(ip, r.error.detail);
          if (this.garpIntervalMs > 0) await new Promise((res) => setTimeout(res, this.garpIntervalMs));
        }
      }
    };
    this.#garpChain = this.#garpChain.then(burst).catch((e: unknown) => this.#log.error({ err: describeError(e) }, 'bug: gratuitous ARP burst threw'));
    background(this.#garpChain, () => undefined);
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
    this.mux = undefined;
  }
}
