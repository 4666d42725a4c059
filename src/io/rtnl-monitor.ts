/**
 * The link monitor's netlink source: one NETLINK_ROUTE socket in the daemon's process, joined to
 * RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR, then asked for an RTM_GETLINK and an
 * RTM_GETADDR dump on the same socket (netlink allows one dump at a time, so one after the other).
 * Joining first means a change during the dump arrives as a notification after it, in the same
 * queue. Notifications are handed on as they come and also applied to the snapshot being dumped,
 * in queue order, so the snapshot handed on at the end of the dump is current. When the kernel
 * drops notifications (ENOBUFS: the receive buffer was full), the state is dumped again and the
 * differences are emitted, as after the `ip monitor` child dies. The messages are parsed by
 * wire/rtnl-monitor.ts; a malformed one is counted in `dropped`.
 */
import { parseMonitorMessages, emitDumpRequest, IFA_F_DADFAILED, IFA_F_SECONDARY, IFA_F_TENTATIVE, RTM_GETADDR, RTM_GETLINK, type AddrMessage, type LinkMessage, type MonitorMessage } from '../wire/rtnl-monitor.js';
import type { AddressRecord } from './addr-parse.js';
import type { RtnlMonitorSocket } from './rtnl-socket.js';

/** One link as read: its index and whether it is up. */
export interface LinkFacts {
  readonly index: number;
  readonly up: boolean;
}

/** The state read by a dump (or `ip ... show`): links by name, addresses by index then address. */
export interface Snapshot {
  readonly links: Map<string, LinkFacts>;
  readonly addrs: Map<number, Map<string, AddressRecord>>;
}

/** What a source tells the monitor (io/link-monitor.ts). */
export interface MonitorSink {
  link(index: number, name: string, up: boolean): void;
  linkDeleted(index: number, name: string): void;
  address(rec: AddressRecord): void;
  /** The state read at (re)start; `announce`: emit what differs from what is known. */
  catchUp(snapshot: Snapshot, announce: boolean): void;
  /** The interface's name as last known, for an address message (which carries only the index). */
  nameOf(index: number): string | undefined;
  error(e: Error): void;
}

export function addressesOf(table: Map<number, Map<string, AddressRecord>>, index: number): Map<string, AddressRecord> {
  let m = table.get(index);
  if (m === undefined) table.set(index, (m = new Map()));
  return m;
}

/** ifa_scope as iproute2 prints it (rt_scopes). */
export function scopeName(scope: number): string {
  return scope === 0 ? 'global' : scope === 200 ? 'site' : scope === 253 ? 'link' : scope === 254 ? 'host' : scope === 255 ? 'nowhere' : String(scope);
}

/** An address message as the record `ip -o monitor address` gives (ifname: `if<index>` when unknown, as iproute2 prints it). */
export function addressRecord(m: AddrMessage, ifname: string | undefined): AddressRecord {
  return {
    index: m.index,
    ifname: ifname ?? `if${m.index}`,
    address: m.address,
    prefixLen: m.prefixLen,
    scope: scopeName(m.scope),
    deleted: m.deleted,
    secondary: (m.flags & IFA_F_SECONDARY) !== 0,
    usable: (m.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) === 0,
  };
}

/** Reads the socket, hands on notifications and runs dumps; `start` resolves once the first dump is in. */
export class RtnlMonitorSource {
  /** Malformed messages skipped. */
  dropped = 0;
  /** Dumps started (the first, then one per ENOBUFS or refused dump). */
  dumps = 0;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  /** The dump in progress: which one, what it has read so far. */
  #dumping: { phase: typeof RTM_GETLINK | typeof RTM_GETADDR; snapshot: Snapshot } | undefined;
  /** Notifications were lost during the dump in progress: dump again after it. */
  #again = false;
  #firstDone: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly socket: RtnlMonitorSocket,
    private readonly sink: MonitorSink,
    private readonly retryDelayMs: number,
  ) {}

  /** Starts watching and dumping; resolves when the first state is known (or the first dump failed, reported). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.#firstDone = resolve;
      this.socket.watch(() => this.#onReadable());
      this.#dump();
    });
  }

  stop(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.socket.close();
    this.#settleFirst();
  }

  #settleFirst(): void {
    const done = this.#firstDone;
    this.#firstDone = undefined;
    done?.();
  }

  #dump(): void {
    if (this.#closed) return;
    this.dumps++;
    this.#again = false;
    this.#dumping = { phase: RTM_GETLINK, snapshot: { links: new Map(), addrs: new Map() } };
    this.#request(RTM_GETLINK);
  }

  #request(type: typeof RTM_GETLINK | typeof RTM_GETADDR): void {
    this.#seq = (this.#seq + 1) >>> 0;
    try {
      this.socket.send(emitDumpRequest(type, this.#seq));
    } catch (e) {
      this.#failed(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** A dump that could not be made: reported, tried again later. */
  #failed(e: Error): void {
    this.#dumping = undefined;
    this.sink.error(new Error(`rtnetlink dump failed (${e.message}); trying again`));
    this.#settleFirst();
    if (!this.#closed) this.#retry = setTimeout(() => this.#dump(), this.retryDelayMs);
  }

  #onReadable(): void {
    if (this.#closed) return;
    let read: { bytes: Uint8Array; lost: boolean };
    try {
      read = this.socket.read();
    } catch (e) {
      this.sink.error(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    const { messages, dropped } = parseMonitorMessages(read.bytes);
    this.dropped += dropped;
    for (const m of messages) this.#onMessage(m);
    if (read.lost) this.#lost();
  }

  /** ENOBUFS: notifications are missing, so the state is read again (after the dump in progress, if any). */
  #lost(): void {
    this.sink.error(new Error('rtnetlink: the kernel dropped notifications (ENOBUFS); reading the state again'));
    if (this.#dumping !== undefined) this.#again = true;
    else this.#dump();
  }

  #onMessage(m: MonitorMessage): void {
    const d = this.#dumping;
    if (d !== undefined && m.seq === this.#seq && (m.multi || m.kind === 'done')) {
      if (m.kind === 'done') this.#phaseDone(m.errno);
      else this.#record(d.snapshot, m);
      return;
    }
    if (m.kind === 'done') return; // an answer to nothing we are waiting for
    if (d !== undefined) this.#record(d.snapshot, m);
    if (m.kind === 'link') {
      if (m.deleted) this.sink.linkDeleted(m.index, m.ifname);
      else this.sink.link(m.index, m.ifname, m.up);
    } else {
      this.sink.address(addressRecord(m, this.sink.nameOf(m.index)));
    }
  }

  /** A dump part or a notification, applied to the snapshot being read. */
  #record(s: Snapshot, m: LinkMessage | AddrMessage): void {
    if (m.kind === 'link') {
      for (const [name, l] of s.links) if (l.index === m.index) s.links.delete(name);
      if (m.deleted) s.addrs.delete(m.index);
      else s.links.set(m.ifname, { index: m.index, up: m.up });
      return;
    }
    const rec = addressRecord(m, this.#nameIn(s, m.index));
    if (m.deleted) s.addrs.get(m.index)?.delete(rec.address);
    else addressesOf(s.addrs, m.index).set(rec.address, rec);
  }

  #nameIn(s: Snapshot, index: number): string | undefined {
    for (const [name, l] of s.links) if (l.index === index) return name;
    return this.sink.nameOf(index);
  }

  #phaseDone(errno: number): void {
    const d = this.#dumping!;
    if (errno !== 0) {
      this.#failed(new Error(`errno ${errno}`));
      return;
    }
    if (d.phase === RTM_GETLINK) {
      d.phase = RTM_GETADDR;
      this.#request(RTM_GETADDR);
      return;
    }
    this.#dumping = undefined;
    this.sink.catchUp(d.snapshot, this.dumps > 1);
    this.#settleFirst();
    if (this.#again) this.#dump();
  }
}
