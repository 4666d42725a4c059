/**
 * The interfaces the daemon's instances use, by name: one Iface each (socket, receive mux, GARP
 * sender), opened on first use and shared by the instances on it; how an instance's interface
 * is opened and which address its adverts come from; its GARPs, sent on each VIP's own device;
 * and an interface deleted and created again (a new index), reopened under its instances.
 */
import type { VrrpdConfig, VrrpInstance } from '../config/types.js';
import { getInterfaceInfo } from '../io/interface-info.js';
import { err, ok, type Result } from '../result.js';
import type { IpAddress } from '../wire/address.js';
import { byDevice, garpDevices, socketDevice, sourceAddress, virtualAddresses } from './build.js';
import type { HostSetup } from './host-setup.js';
import type { LinkMonitor } from '../io/link-monitor.js';
import { Iface } from './iface.js';
import type { Logger } from './log.js';
import type { Slot } from './slot.js';

export interface InterfacesDeps {
  readonly log: Logger;
  /** The configuration in force: the GARP interval, the multicast groups, the virtual addresses. */
  readonly config: () => VrrpdConfig | undefined;
  /** use_vmac macvlans are created there, and recreated with their base (host-setup.ts). */
  readonly host: Pick<HostSetup, 'ensureVmac' | 'baseRecreated'>;
}

/** The daemon's slots, as `reopenIfRecreated` stops and starts them again. */
export interface ReopenSlots {
  readonly slots: () => Iterable<Slot>;
  readonly links: Pick<LinkMonitor, 'isUp'>;
  readonly stop: (slot: Slot) => Promise<void>;
  readonly bring: (slot: Slot) => Promise<void>;
}

export class Interfaces {
  readonly #deps: InterfacesDeps;
  readonly #byName = new Map<string, Iface>();

  constructor(deps: InterfacesDeps) {
    this.#deps = deps;
  }

  /** The open interface of that name, if any. */
  get(name: string): Iface | undefined {
    return this.#byName.get(name);
  }

  values(): IterableIterator<Iface> {
    return this.#byName.values();
  }

  /** Close and forget `name` (it was recreated): its next use opens the new one. */
  drop(name: string): void {
    this.#byName.get(name)?.close();
    this.#byName.delete(name);
  }

  closeAll(): void {
    for (const i of this.#byName.values()) i.close();
  }

  /** The Iface of that name, created on first use (opened by openFor), with the GARP interval in force. */
  #use(name: string): Iface {
    let i = this.#byName.get(name);
    if (!i) {
      i = new Iface(name, this.#deps.log);
      this.#byName.set(name, i);
    }
    i.garpIntervalMs = this.#deps.config()?.global.garpIntervalMs ?? 0;
    return i;
  }

  /** Open the socket interface of an instance configured as `conf`; the address its adverts come from (use_vmac: the base's, as keepalived). */
  async openFor(conf: VrrpInstance): Promise<Result<{ iface: Iface; src: IpAddress; running: boolean }, string>> {
    const config = this.#deps.config()!;
    const vmacProblem = await this.#deps.host.ensureVmac(conf);
    if (vmacProblem) return err(vmacProblem);
    const name = socketDevice(conf);
    const iface = this.#use(name);
    if (name === '') {
      const src = conf.unicastSrcIp as IpAddress; // validated: no interface means unicast_src_ip
      const opened = await iface.openUnbound([src]);
      return opened.ok ? ok({ iface, src, running: true }) : err(`no interface (unicast): ${opened.error}`);
    }
    const opened = await iface.open(conf.family, { ipv4: config.global.vrrpMcastGroup4, ipv6: config.global.vrrpMcastGroup6 });
    if (!opened.ok) return err(`interface ${name}: ${opened.error}`);
    const base = name === conf.interface ? opened : await getInterfaceInfo(conf.interface).then((r) => (r.ok ? ok(r.value) : err(r.error.detail)));
    if (!base.ok) return err(`interface ${conf.interface}: ${base.error}`);
    const src = sourceAddress(conf, base.value, virtualAddresses(config));
    if (src.ok) this.#prepareGarps(conf);
    return src.ok ? ok({ iface, src: src.value, running: base.value.running }) : err(src.error);
  }

  /** keepalived sends each VIP's gratuitous ARPs on the VIP's own device; the counts of every device, summed. */
  garpByDevice(conf: VrrpInstance): (addresses: readonly IpAddress[], count: number) => Promise<{ sent: number; failed: number }> {
    const devices = garpDevices(conf);
    return async (addresses, count) => {
      const sends = [...byDevice(devices, addresses)].map(([dev, list]) => this.#use(dev).sendGarps(list, count));
      return (await Promise.all(sends)).reduce((a, b) => ({ sent: a.sent + b.sent, failed: a.failed + b.failed }), { sent: 0, failed: 0 });
    };
  }

  /** Each address's frames built ahead on its device's open sender, so a takeover's GARPs only send them. */
  #prepareGarps(conf: VrrpInstance): void {
    const devices = garpDevices(conf);
    for (const [dev, list] of byDevice(devices, [...devices.keys()])) this.#byName.get(dev)?.prepareGarps(list);
  }

  /**
   * An interface deleted and created again has a new index: our socket, multicast membership and
   * GARP sender belong to the old one. Stop its instances, reopen, and start them again.
   */
  async reopenIfRecreated(ifname: string, on: ReopenSlots): Promise<void> {
    const iface = this.#byName.get(ifname);
    if (!iface?.info) return;
    const now = await getInterfaceInfo(ifname);
    if (!now.ok || now.value.index === iface.info.index) {
      // Not recreated after all (or gone again): the link state is what the monitor says.
      for (const s of on.slots()) if (s.instance && s.conf.interface === ifname) s.instance.setLink(on.links.isUp(ifname) ?? false);
      return;
    }
    this.#deps.log.warn({ ifname, oldIndex: iface.info.index, newIndex: now.value.index }, `interface ${ifname} was recreated; reopening it`);
    const slots = [...on.slots()].filter((s) => s.conf.interface === ifname && !s.held);
    // No other start (the retry timer, an address event) may open the old sockets meanwhile.
    for (const s of slots) s.held = true;
    try {
      await Promise.all(slots.map((s) => s.bringing));
      await Promise.all(slots.map((s) => on.stop(s)));
      // The socket interface too: a use_vmac macvlan went with its base and is created again.
      for (const name of new Set([ifname, ...slots.map((s) => socketDevice(s.conf))])) {
        this.drop(name);
      }
      this.#deps.host.baseRecreated(ifname);
    } finally {
      for (const s of slots) s.held = false;
    }
    for (const s of slots) s.waiting = `interface ${ifname} is being reopened`;
    await Promise.all(slots.map((s) => on.bring(s)));
  }
}
