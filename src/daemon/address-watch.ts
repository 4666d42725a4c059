/**
 * What the daemon does with the address events of the link monitor (io/link-monitor.ts, netlink
 * RTM_NEWADDR / RTM_DELADDR through `ip -o monitor link address`):
 *
 * - an interface's addresses changed: once the burst is over (`settleMs`; deleting a primary
 *   IPv4 address deletes its secondaries one event each), the interface is read again and every
 *   running instance on it gets the source address it must now send from (RFC 3768 §5.2.1, RFC
 *   5798 §5.1.2.1), or none: it waits in FAULT (no-source-address) until one comes back. An
 *   instance still waiting to start is tried at once. A burst that only adds virtual addresses
 *   (a takeover's own, which never become an advert source but an owner's) is waited out longer
 *   (`ownSettleMs`, 1 s): reading the interface forks `ip`, which blocks the loop for 17 ms and more,
 *   and must not land in the middle of a mass takeover's addresses. Such a burst is not read at
 *   all when every instance on the interface runs outside FAULT: no source can change then (a
 *   virtual address is never chosen while the instance has one of its own; an owner with none
 *   sends from the first primary, and the kernel puts a new primary of global scope after the
 *   existing ones), and no instance waits for an address; the interface's own-packet filter
 *   learns the added addresses from the events.
 * - a VIP deleted while its instance is MASTER and wants it, and still absent once the burst is
 *   over: someone else removed it; the instance puts it back (Instance.restoreVips). Our own
 *   removals are never taken for one: they happen only while the keeper wants the VIPs absent,
 *   whatever adds or removes them (`ip`, netlink).
 * - an interface renamed: the configured name is gone (the link monitor reports it down, so its
 *   instances go FAULT, as keepalived, which treats a rename as the interface lost); the VIPs
 *   they may have held are removed from the new name, where they would still answer ARP.
 */
import { background } from '../background.js';
import type { VrrpInstance } from '../config/types.js';
import type { AddressRecord } from '../io/addr-parse.js';
import { getInterfaceInfo, type InterfaceInfo } from '../io/interface-info.js';
import { changeAddresses } from '../io/ip-addr.js';
import type { LinkMonitor } from '../io/link-monitor.js';
import type { Registration } from '../io/vrrp-mux.js';
import { sourceAddress, vipSpecs } from './build.js';
import type { HostEntry } from './host-entry.js';
import type { Iface } from './iface.js';
import type { Instance } from './instance.js';
import type { Logger } from './log.js';

/** What the watch needs of a daemon slot. */
export interface WatchedSlot {
  readonly conf: VrrpInstance;
  readonly instance: Instance<HostEntry> | undefined;
  readonly registration: Registration | undefined;
}

export interface AddressWatchDeps {
  readonly links: LinkMonitor;
  readonly log: Logger;
  readonly slots: () => Iterable<WatchedSlot>;
  /** The open interface of that name, if any (its own-packet filter follows its addresses). */
  readonly iface: (name: string) => Iface | undefined;
  /** Every address the configuration floats: never an advert source of its own. */
  readonly virtual: () => ReadonlySet<string>;
  /** Try to start a slot that waits (e.g. for an address). */
  readonly bring: (slot: WatchedSlot) => void;
  /** How long a burst of events on one interface is waited out (ms); default 50. */
  readonly settleMs?: number;
  /** The same for a burst that so far only added virtual addresses; default 1000. */
  readonly ownSettleMs?: number;
}

/** A burst of events on one interface, not handled yet. */
interface Burst {
  /** The addresses deleted meanwhile. */
  readonly deleted: Set<string>;
  /** The configuration's virtual addresses when the burst began. */
  readonly virtual: ReadonlySet<string>;
  /** Whether an event deleted an address, or added one that is not virtual. */
  urgent: boolean;
  /** The addresses added (or changed) meanwhile. */
  readonly added: Set<string>;
}

/** The address without its prefix length ("192.168.50.100/24" -> "192.168.50.100"). */
const bare = (cidr: string): string => cidr.split('/')[0] ?? cidr;

export class AddressWatch {
  readonly #deps: AddressWatchDeps;
  /** Interfaces with events not handled yet. */
  readonly #pending = new Map<string, Burst>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #onAddress = (rec: AddressRecord): void => this.#address(rec);
  readonly #onRenamed = (_index: number, from: string, to: string): void => this.#renamed(from, to);

  constructor(deps: AddressWatchDeps) {
    this.#deps = deps;
    deps.links.on('address', this.#onAddress);
    deps.links.on('renamed', this.#onRenamed);
  }

  stop(): void {
    this.#deps.links.off('address', this.#onAddress);
    this.#deps.links.off('renamed', this.#onRenamed);
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }

  #address(rec: AddressRecord): void {
    let burst = this.#pending.get(rec.ifname);
    if (burst === undefined) this.#pending.set(rec.ifname, (burst = { deleted: new Set(), virtual: this.#deps.virtual(), urgent: false, added: new Set() }));
    if (rec.deleted) burst.deleted.add(rec.address);
    else burst.added.add(rec.address);
    const urgent = rec.deleted || !burst.virtual.has(rec.address);
    if (this.#timers.has(rec.ifname) && (burst.urgent || !urgent)) return;
    burst.urgent ||= urgent;
    clearTimeout(this.#timers.get(rec.ifname)); // an own-only burst's longer wait, cut short
    const t = setTimeout(
      () => {
        this.#timers.delete(rec.ifname);
        const done = this.#pending.get(rec.ifname);
        this.#pending.delete(rec.ifname);
        if (done !== undefined && !done.urgent && this.#ownOnly(rec.ifname, done.added)) return;
        background(this.#settled(rec.ifname, done?.deleted ?? new Set<string>()), (e) => this.#deps.log.error({ ifname: rec.ifname, err: String(e) }, 'bug: address change handling threw'));
      },
      burst.urgent ? (this.#deps.settleMs ?? 50) : (this.#deps.ownSettleMs ?? 1000),
    );
    t.unref();
    this.#timers.set(rec.ifname, t);
  }

  /**
   * A burst that only added virtual addresses, with every instance on `ifname` running outside
   * FAULT: nothing a read would find can change a source or start an instance, so the read (a
   * fork of `ip`) is skipped and the own-packet filter takes the addresses from the events.
   */
  #ownOnly(ifname: string, added: ReadonlySet<string>): boolean {
    for (const s of this.#deps.slots()) if (s.conf.interface === ifname && (s.instance === undefined || s.instance.state === 'FAULT')) return false;
    this.#deps.iface(ifname)?.noteAdded(added);
    return true;
  }

  /** The burst on `ifname` is over: VIPs removed behind our back, then the source addresses. */
  async #settled(ifname: string, deleted: ReadonlySet<string>): Promise<void> {
    const mine = [...this.#deps.slots()].filter((s) => s.conf.interface === ifname);
    const iface = this.#deps.iface(ifname);
    if (mine.length > 0 || iface !== undefined) {
      // One read serves both (getInterfaceInfo shares the reads asked for in the same turn).
      const [info] = await Promise.all([getInterfaceInfo(ifname), iface?.refresh()]);
      // Once per burst, not per instance: at 255 instances that was 65,025 set insertions (~150 ms
      // of the loop in the middle of a mass takeover, whose own addresses make the burst).
      const virtual = this.#deps.virtual();
      for (const s of mine) {
        if (s.instance === undefined) this.#deps.bring(s);
        else if (info.ok) this.#follow(s, info.value, virtual);
        // Not readable: the interface is gone, which the link monitor reports (FAULT: link-down).
      }
    }
    // After the sources: a master that just lost its address is in FAULT now and re-adds nothing.
    if (deleted.size > 0) this.#restore(ifname, deleted, [...this.#deps.slots()]);
  }

  /** Our VIPs on `ifname` among `deleted` that are still absent now: their masters put them back. */
  #restore(ifname: string, deleted: ReadonlySet<string>, slots: readonly WatchedSlot[]): void {
    const present = new Set(this.#deps.links.addresses(ifname).map((a) => a.address as string));
    for (const s of slots) {
      if (s.instance === undefined) continue;
      const lost = vipSpecs(s.conf).filter((v) => v.dev === ifname && deleted.has(bare(v.address)) && !present.has(bare(v.address)));
      if (lost.length > 0) s.instance.restoreVips(lost.map((v) => v.address));
    }
  }

  /** The instance's source after the change: the new one, or none (FAULT). */
  #follow(s: WatchedSlot, info: InterfaceInfo, virtual: ReadonlySet<string>): void {
    const src = sourceAddress(s.conf, info, virtual);
    if (src.ok) {
      s.instance?.reclaimTrain(); // a train sends from the old source: taken back first
      s.registration?.setSource(src.value);
      s.instance?.setSource(src.value, '');
    } else {
      s.instance?.setSource(undefined, src.error);
    }
  }

  /** The configured name is gone (the link monitor says so); VIPs left on the renamed interface go. */
  #renamed(from: string, to: string): void {
    const slots = [...this.#deps.slots()].filter((s) => s.conf.interface === from || vipSpecs(s.conf).some((v) => v.dev === from));
    if (slots.length === 0) return;
    this.#deps.log.warn({ ifname: from, newName: to, instances: slots.map((s) => s.conf.name) }, `interface ${from} renamed to ${to}: its instances wait in FAULT until an interface named ${from} is back`);
    const stranded = slots.flatMap((s) => vipSpecs(s.conf).filter((v) => v.dev === from)).map((v) => ({ ...v, dev: to }));
    background(
      changeAddresses('del', stranded).then((outcomes) => {
        const removed = stranded.filter((_, i) => outcomes[i]?.ok === true && outcomes[i]?.value === 'removed').map((v) => v.address);
        if (removed.length > 0) this.#deps.log.warn({ ifname: to, removed }, `removed virtual addresses left on ${to} (was ${from})`);
      }),
      (e) => this.#deps.log.error({ err: String(e) }, 'bug: removing VIPs from a renamed interface threw'),
    );
  }
}
