/**
 * One network interface at run time: its VRRP raw socket (and an AH receive socket), the mux
 * that shares them among the instances on the interface, and the gratuitous ARP sender.
 * Opening can fail (interface missing, no address yet): the daemon retries, and instances on
 * the interface wait in FAULT meanwhile.
 */
import { openGarpSender, type GarpSender } from '../io/garp.js';
import { getInterfaceInfo, type InterfaceInfo } from '../io/interface-info.js';
import { VrrpInterfaceMux } from '../io/vrrp-mux.js';
import { openVrrpSocket, type VrrpSocket } from '../io/vrrp-socket.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import { IPPROTO_AH } from '../wire/constants.js';
import { describeError } from '../background.js';
import { RateLimiter } from '../rate-limit.js';
import { err, ok, type Result } from '../result.js';
import { zeroInterfaceIoCounters, type InterfaceIoCounters } from '../status/model.js';
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
    const garp = await openGarpSender(this.name);
    if (garp.ok) this.garp = garp.value;
    else this.#log.error({ detail: garp.error.detail }, 'gratuitous ARP unavailable');
    this.info = info.value;
    return ok(info.value);
  }

  /** The raw sockets' own counters, summed (status/model.ts INTERFACE_IO_COUNTERS). */
  get socketCounters(): InterfaceIoCounters {
    const c = zeroInterfaceIoCounters();
    for (const s of this.#sockets) {
      c.socketSent += s.counters.sent;
      c.socketSendErrors += s.counters.sendErrors;
      c.socketRecvErrors += s.counters.recvErrors;
    }
    return c;
  }

  /** Re-read our addresses (own-packet filter, primary address). */
  async refresh(): Promise<void> {
    const info = await getInterfaceInfo(this.name);
    if (!info.ok) return;
    this.info = info.value;
    this.mux?.setLocalAddresses(info.value.ipv4.map((a) => a.address));
  }

  /** Send `count` gratuitous ARPs for each address, address by address like keepalived; how many went out. */
  async sendGarps(addresses: readonly IpAddress[], count: number): Promise<{ sent: number; failed: number }> {
    const tally = { sent: 0, failed: 0 };
    const garp = this.garp;
    if (!garp) return { sent: 0, failed: addresses.length * count };
    try {
      for (let i = 0; i < count; i++) {
        for (const ip of addresses) {
          const r = await garp.send(ip, 1);
          if (r.ok) tally.sent++;
          else {
            tally.failed++;
            this.#garpFailed(ip, r.error.detail);
          }
        }
      }
    } catch (e) {
      this.#log.error({ err: describeError(e) }, 'bug: gratuitous ARP burst threw');
    }
    return tally; // never rejects: the caller only counts
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
