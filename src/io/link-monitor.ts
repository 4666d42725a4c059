/**
 * Interface up/down, rename and address events within milliseconds, from netlink via
 * `ip -o monitor link address` (RTM_NEWLINK / RTM_DELLINK, RTM_NEWADDR / RTM_DELADDR).
 *
 * The monitor is started first, then the current state is read with `ip -o link show` and
 * `ip -o addr show`, so no change falls between the two. Both run in the daemon's own network
 * namespace (a child inherits it; under `ip netns exec` that is the test namespace). If the
 * monitor dies it is restarted after `restartDelayMs` and the state is read again; differences
 * are emitted. Events: 'change' (ifname, up) only when an interface's state actually changes (a
 * rename is the old name going and the new one coming), 'renamed' (index, from, to), 'address'
 * (record) for every address added, changed (IPv6 leaving tentative) or deleted, and
 * 'monitorError' (Error) for monitor failures (named so an unheard one never throws).
 * The initial read sets states without events; read them with `isUp` and `addresses`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { parseLinkLine } from '../track/link-parse.js';
import { background } from '../background.js';
import { parseAddressLine, type AddressRecord } from './addr-parse.js';

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
}

export interface LinkMonitorEvents {
  change: [ifname: string, up: boolean];
  renamed: [index: number, from: string, to: string];
  address: [record: AddressRecord];
  monitorError: [err: Error];
}

/** One link as read: its index and whether it is up. */
interface LinkFacts {
  readonly index: number;
  readonly up: boolean;
}

/** `ip [-n NS] -o OBJECT show`, its lines. */
function readLines(ipPath: string, netns: string | undefined, object: 'link' | 'addr'): Promise<string[]> {
  const ns = netns === undefined ? [] : ['-n', netns];
  return new Promise((resolve, reject) => {
    execFile(ipPath, [...ns, '-o', object, 'show'], { maxBuffer: 16 * 1024 * 1024 }, (e, stdout) => (e ? reject(e) : resolve(stdout.split('\n'))));
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

function addressesOf(table: Map<number, Map<string, AddressRecord>>, index: number): Map<string, AddressRecord> {
  let m = table.get(index);
  if (m === undefined) table.set(index, (m = new Map()));
  return m;
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
  private readonly states = new Map<string, boolean>();
  /** Each link's name by index: a new name for a known index is a rename. */
  private readonly names = new Map<number, string>();
  /** Each link's addresses, by index (a rename keeps them). */
  private readonly addrs = new Map<number, Map<string, AddressRecord>>();
  private child: ChildProcess | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  /** How many times the monitor process was (re)started. */
  starts = 0;

  constructor(opts: LinkMonitorOptions = {}) {
    super();
    this.ipPath = opts.ipPath ?? 'ip';
    this.restartDelayMs = opts.restartDelayMs ?? 200;
    this.netns = opts.netns;
  }

  /** Start monitoring; resolves once the initial state is known. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.launch();
  }

  /** Stop the monitor process; no more events. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
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

  /** The monitor's pid (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    this.starts++;
    const ns = this.netns === undefined ? [] : ['-n', this.netns];
    let child: ChildProcess;
    try {
      child = spawn(this.ipPath, [...ns, '-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      this.emit('monitorError', e instanceof Error ? e : new Error(String(e)));
      this.restartLater();
      return;
    }
    this.child = child;
    child.once('error', (e) => this.emit('monitorError', e));
    child.once('exit', () => this.onExit(child));
    eachLine(child.stdout!, (line) => this.onLine(line));
    try {
      const [links, addrs] = await Promise.all([readLinks(this.ipPath, this.netns), readAddresses(this.ipPath, this.netns)]);
      this.catchUp(links, addrs, this.starts > 1);
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
  private catchUp(links: Map<string, LinkFacts>, addrs: Map<number, Map<string, AddressRecord>>, announce: boolean): void {
    for (const [name, l] of links) this.onLink(l.index, name, l.up, announce);
    const live = new Set([...links.values()].map((l) => l.index));
    for (const [index, name] of [...this.names]) if (!live.has(index)) this.onLinkDeleted(index, name);
    for (const name of [...this.states.keys()]) if (!links.has(name)) this.forget(name);
    for (const [index, old] of [...this.addrs]) {
      for (const [a, rec] of old) if (!addrs.get(index)?.has(a)) this.onAddress({ ...rec, deleted: true }, announce);
    }
    for (const recs of addrs.values()) for (const rec of recs.values()) this.onAddress(rec, announce);
  }

  private onLine(line: string): void {
    const link = parseLinkLine(line);
    if (link.ok) {
      if (link.value.deleted) this.onLinkDeleted(link.value.index, link.value.ifname);
      else this.onLink(link.value.index, link.value.ifname, link.value.up);
      return;
    }
    const addr = parseAddressLine(line);
    if (addr.ok) this.onAddress(addr.value);
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
