/**
 * Interface up/down, rename and address events within milliseconds, from rtnetlink
 * (RTM_NEWLINK / RTM_DELLINK, RTM_NEWADDR / RTM_DELADDR).
 *
 * Normally an rtnetlink socket in our own process (io/rtnl-monitor.ts): it joins the link and
 * address groups first, then dumps the links and addresses on the same socket, so no change falls
 * between the two; when the kernel drops notifications (ENOBUFS) it dumps again and the
 * differences are emitted. Without the native addon, the fallback is a child
 * `ip -o monitor link address` started first, then `ip -o link show` and `ip -o addr show`; if
 * that child dies it is restarted after `restartDelayMs` and the state is read again, differences
 * emitted. Both watch the daemon's own network namespace (under `ip netns exec` that is the test
 * namespace) or the one named by `netns` (the socket is opened inside it).
 * Events: 'change' (ifname, up) only when an interface's state actually changes (a
 * rename is the old name going and the new one coming), 'renamed' (index, from, to), 'address'
 * (record) for every address added, changed (IPv6 leaving tentative) or deleted, and
 * 'monitorError' (Error) for monitor failures (named so an unheard one never throws).
 * The initial read sets states without events; read them with `isUp` and `addresses`.
 */
import { childProcess, type ChildProcess } from './child-process.js';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { parseLinkLine } from '../track/link-parse.js';
import { background } from '../background.js';
import { parseAddressLine, type AddressRecord } from './addr-parse.js';
import { addressesOf, RtnlMonitorSource, type LinkFacts, type MonitorSink, type Snapshot } from './rtnl-monitor.js';
import { openRtnlMonitor, type RtnlMonitorSocket } from './rtnl-socket.js';
import { RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_LINK } from '../wire/rtnl-monitor.js';

/** The groups the monitor joins: links, IPv4 and IPv6 addresses. */
export const MONITOR_GROUPS = [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] as const;
/** The monitor socket's receive buffer: a mass takeover's 255 RTM_NEWADDR with room to spare (~1 KB each). */
const MONITOR_RCVBUF = 1 << 20;

export interface LinkMonitorOptions {
  /** The `ip` binary; default 'ip' from PATH. */
  readonly ipPath?: string;
  /** Wait before restarting a dead monitor; default 200 ms. */
  readonly restartDelayMs?: number;
  /**
   * Watch a named namespace (`ip -n NAME`) instead of our own. For tests and tools: the daemon
   * leaves it unset so the monitor inherits the daemon's namespace.
   */
  readonly netns?: string;
  /**
   * 'netlink' (default): a socket in the process, or the `ip` child when the addon is missing
   * (reported once as a 'monitorError'); 'ip': the child in any case.
   */
  readonly via?: 'netlink' | 'ip';
  /** The socket's receive buffer in bytes (tests make it small to provoke ENOBUFS). */
  readonly rcvbuf?: number;
  /** Opens the socket; default openRtnlMonitor (tests give a fake). */
  readonly openSocket?: typeof openRtnlMonitor;
}

export interface LinkMonitorEvents {
  change: [ifname: string, up: boolean];
  renamed: [index: number, from: string, to: string];
  address: [record: AddressRecord];
  monitorError: [err: Error];
}

/** `ip [-n NS] -o OBJECT show`, its lines. */
function readLines(ipPath: string, netns: string | undefined, object: 'link' | 'addr'): Promise<string[]> {
  const ns = netns === undefined ? [] : ['-n', netns];
  return new Promise((resolve, reject) => {
    childProcess().execFile(ipPath, [...ns, '-o', object, 'show'], { maxBuffer: 16 * 1024 * 1024 }, (e, stdout) => (e ? reject(e) : resolve(stdout.split('\n'))));
  });
}

/**
 * Calls `onLine` with each line of `input` (without its newline; a last line without one when
 * the stream ends). Not node:readline, which the daemon would load only for this (its own
 * module and the keypress and promise parts behind it; docs/performance.md, "Fewer built-in
 * modules").
 */
export function eachLine(input: Readable, onLine: (line: string) => void): void {
  let rest = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
  input.on('end', () => {
    if (rest !== '') onLine(rest);
    rest = '';
  });
}

/** Every link, by name, once (`ip -o link show`). */
async function readLinks(ipPath: string, netns?: string): Promise<Map<string, LinkFacts>> {
  const links = new Map<string, LinkFacts>();
  for (const line of await readLines(ipPath, netns, 'link')) {
    const r = parseLinkLine(line);
    if (r.ok && !r.value.deleted) links.set(r.value.ifname, { index: r.value.index, up: r.value.up });
  }
  return links;
}

/** Read every link's state once (`ip -o link show`). */
export async function readLinkStates(ipPath = 'ip', netns?: string): Promise<Map<string, boolean>> {
  return new Map([...(await readLinks(ipPath, netns))].map(([name, l]) => [name, l.up]));
}

/** Every address once (`ip -o addr show`), by interface index, then by address. */
async function readAddresses(ipPath: string, netns?: string): Promise<Map<number, Map<string, AddressRecord>>> {
  const out = new Map<number, Map<string, AddressRecord>>();
  for (const line of await readLines(ipPath, netns, 'addr')) {
    const r = parseAddressLine(line);
    if (r.ok && !r.value.deleted) addressesOf(out, r.value.index).set(r.value.address, r.value);
  }
  return out;
}

/** One `ip -o monitor link address` line, handed to `sink` (other lines are skipped). */
export function ipMonitorLine(line: string, sink: Pick<MonitorSink, 'link' | 'linkDeleted' | 'address'>): void {
  const link = parseLinkLine(line);
  if (link.ok) {
    if (link.value.deleted) sink.linkDeleted(link.value.index, link.value.ifname);
    else sink.link(link.value.index, link.value.ifname, link.value.up);
    return;
  }
  const addr = parseAddressLine(line);
  if (addr.ok) sink.address(addr.value);
}

/** Same address facts (an IPv6 address leaving tentative is a change). */
function sameRecord(a: AddressRecord, b: AddressRecord): boolean {
  return a.ifname === b.ifname && a.prefixLen === b.prefixLen && a.secondary === b.secondary && a.usable === b.usable && a.scope === b.scope;
}

/** Watches every interface; ask `isUp(ifname)` or listen for 'change'. */
export class LinkMonitor extends EventEmitter<LinkMonitorEvents> {
  private readonly ipPath: string;
  private readonly restartDelayMs: number;
  private readonly netns: string | undefined;
  private readonly opts: LinkMonitorOptions;
  private readonly states = new Map<string, boolean>();
  /** Each link's name by index: a new name for a known index is a rename. */
  private readonly names = new Map<number, string>();
  /** Each link's addresses, by index (a rename keeps them). */
  private readonly addrs = new Map<number, Map<string, AddressRecord>>();
  private child: ChildProcess | undefined;
  private netlink: RtnlMonitorSource | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  /** How many times the state was read: `ip` monitor (re)starts, or rtnetlink dumps. */
  get starts(): number {
    return this.netlink?.dumps ?? this.ipStarts;
  }
  private ipStarts = 0;

  constructor(opts: LinkMonitorOptions = {}) {
    super();
    this.opts = opts;
    this.ipPath = opts.ipPath ?? 'ip';
    this.restartDelayMs = opts.restartDelayMs ?? 200;
    this.netns = opts.netns;
  }

  /** Start monitoring; resolves once the initial state is known. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const socket = this.opts.via === 'ip' ? undefined : this.openSocket();
    if (socket === undefined) return this.launch();
    this.netlink = new RtnlMonitorSource(socket, this.sink, this.restartDelayMs);
    return this.netlink.start();
  }

  /** The rtnetlink socket, or undefined (reported) to fall back on `ip monitor`. */
  private openSocket(): RtnlMonitorSocket | undefined {
    const s = (this.opts.openSocket ?? openRtnlMonitor)(MONITOR_GROUPS, this.opts.rcvbuf ?? MONITOR_RCVBUF, this.netns);
    if (s.ok) return s.value;
    this.emit('monitorError', new Error(`rtnetlink monitor unavailable (${s.error.detail}); using \`ip monitor\``));
    return undefined;
  }

  /** Stop monitoring; no more events. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.netlink?.stop();
    this.netlink = undefined;
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  /** Last known state; undefined for an interface never seen (or deleted). */
  isUp(ifname: string): boolean | undefined {
    return this.states.get(ifname);
  }

  /** The addresses of `ifname` as last known (empty for an interface never seen, or deleted). */
  addresses(ifname: string): AddressRecord[] {
    const index = this.indexOf(ifname);
    return index === undefined ? [] : [...(this.addrs.get(index)?.values() ?? [])];
  }

  /** The index of `ifname` as last known. */
  indexOf(ifname: string): number | undefined {
    for (const [index, name] of this.names) if (name === ifname) return index;
    return undefined;
  }

  /** The `ip monitor` child's pid (tests kill it to check the restart); undefined on rtnetlink. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Malformed rtnetlink messages skipped so far. */
  get dropped(): number {
    return this.netlink?.dropped ?? 0;
  }

  /** Which source is running: 'netlink', 'ip', or undefined when stopped. */
  get via(): 'netlink' | 'ip' | undefined {
    return this.stopped ? undefined : this.netlink !== undefined ? 'netlink' : 'ip';
  }

  /** What both sources feed. */
  private readonly sink: MonitorSink = {
    link: (index, name, up) => this.onLink(index, name, up),
    linkDeleted: (index, name) => this.onLinkDeleted(index, name),
    address: (rec) => this.onAddress(rec),
    catchUp: (snapshot, announce) => this.catchUp(snapshot, announce),
    nameOf: (index) => this.names.get(index),
    error: (e) => this.emit('monitorError', e),
  };

  private async launch(): Promise<void> {
    this.ipStarts++;
    const ns = this.netns === undefined ? [] : ['-n', this.netns];
    let child: ChildProcess;
    try {
      child = childProcess().spawn(this.ipPath, [...ns, '-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      this.emit('monitorError', e instanceof Error ? e : new Error(String(e)));
      this.restartLater();
      return;
    }
    this.child = child;
    child.once('error', (e) => this.emit('monitorError', e));
    child.once('exit', () => this.onExit(child));
    eachLine(child.stdout!, (line) => ipMonitorLine(line, this.sink));
    try {
      const [links, addrs] = await Promise.all([readLinks(this.ipPath, this.netns), readAddresses(this.ipPath, this.netns)]);
      this.catchUp({ links, addrs }, this.ipStarts > 1);
    } catch (e) {
      this.emit('monitorError', e instanceof Error ? e : new Error(String(e)));
    }
  }

  private onExit(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopped) return;
    this.emit('monitorError', new Error('ip monitor exited; restarting'));
    this.restartLater();
  }

  /** launch() never rejects: a failed start is reported and retried. */
  private restartLater(): void {
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      if (!this.stopped) background(this.launch(), (e) => this.emit('monitorError', e instanceof Error ? e : new Error(String(e))));
    }, this.restartDelayMs);
  }

  /** The state read at (re)start; after a restart, what changed meanwhile is emitted. */
  private catchUp({ links, addrs }: Snapshot, announce: boolean): void {
    for (const [name, l] of links) this.onLink(l.index, name, l.up, announce);
    const live = new Set([...links.values()].map((l) => l.index));
    for (const [index, name] of [...this.names]) if (!live.has(index)) this.onLinkDeleted(index, name);
    for (const name of [...this.states.keys()]) if (!links.has(name)) this.forget(name);
    for (const [index, old] of [...this.addrs]) {
      for (const [a, rec] of old) if (!addrs.get(index)?.has(a)) this.onAddress({ ...rec, deleted: true }, announce);
    }
    for (const recs of addrs.values()) for (const rec of recs.values()) this.onAddress(rec, announce);
  }

  /** RTM_NEWLINK: a known index under a new name is a rename (keepalived: the old name is lost). */
  private onLink(index: number, name: string, up: boolean, announceNew = true): void {
    const before = this.names.get(index);
    this.names.set(index, name);
    if (before !== undefined && before !== name) {
      if (this.indexOfOther(before, index) === undefined) this.forget(before);
      this.emit('renamed', index, before, name);
    }
    this.set(name, up, announceNew);
  }

  /** Another index still carrying `name` (a rename onto a name just freed), if any. */
  private indexOfOther(name: string, except: number): number | undefined {
    for (const [i, n] of this.names) if (n === name && i !== except) return i;
    return undefined;
  }

  private onLinkDeleted(index: number, name: string): void {
    this.names.delete(index);
    this.addrs.delete(index);
    if (this.indexOfOther(name, index) === undefined) this.forget(name);
  }

  /** RTM_NEWADDR / RTM_DELADDR: kept by index, emitted when it changes anything. */
  private onAddress(rec: AddressRecord, announce = true): void {
    const table = addressesOf(this.addrs, rec.index);
    const before = table.get(rec.address);
    if (rec.deleted) {
      if (before === undefined) return;
      table.delete(rec.address);
    } else {
      if (before !== undefined && sameRecord(before, rec)) return;
      table.set(rec.address, rec);
    }
    if (announce) this.emit('address', rec);
  }

  private set(name: string, up: boolean, announceNew = true): void {
    const before = this.states.get(name);
    this.states.set(name, up);
    if (before !== up && (before !== undefined || announceNew)) this.emit('change', name, up);
  }

  private forget(name: string): void {
    const before = this.states.get(name);
    this.states.delete(name);
    if (before === true) this.emit('change', name, false);
  }
}
