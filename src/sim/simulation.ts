/**
 * Several VRRP routers on a virtual LAN with a virtual clock: deterministic runs with scripted
 * faults (a router dies, a link drops, the LAN partitions and heals, a tracker changes priority)
 * and a readable transcript. This is how users unit-test state transitions without a network.
 *
 * Every advert crosses the LAN as bytes: emitted by wire/ inside an IPv4 datagram (or an IPv6
 * payload), sorted at the receiver by the daemon's own receive path (protocol/receive-path.ts), so
 * a simulation also exercises the codecs and every receive check. VRRPv2 and VRRPv3 routers may
 * share the LAN (each drops the other's adverts as a version mismatch, as keepalived does).
 * Delivery takes `lanDelayMs` (default 0.1 ms).
 *
 * A router lives on a host (by default a host of its own name). The routers of one host share its
 * interface (one receive path keyed by family and VRID, as in the daemon), its cable and its
 * process: kill, shutdown, restart, unplug and plug act on the whole host. Routers of one host
 * may form a vrrp_sync_group (protocol/sync-group.ts, run as the daemon runs it): an IPv4 and an
 * IPv6 router with the same VRID in one group is the dual-stack case.
 */
import { ReceivePath } from '../protocol/receive-path.js';
import { Router } from '../protocol/router.js';
import { SyncGroups, type SyncGroupSpec, type SyncOrder } from '../protocol/sync-group.js';
import type { Action, Input, RouterConfig, RouterState, TrackerStatus } from '../protocol/types.js';
import type { Ipv4Address } from '../wire/address.js';
import { emitAdvert } from '../wire/advert.js';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6, VRRP_TTL } from '../wire/constants.js';
import type { RawDatagram } from '../wire/datagram.js';
import { emitIpv4 } from '../wire/ipv4.js';
import { VirtualClock } from './clock.js';
import { formatEntry, type TranscriptEntry } from './transcript.js';

export interface SimulationOptions {
  /** One-way LAN latency in ms. */
  readonly lanDelayMs?: number;
}

/** One router (a vrrp_instance) and its state machine. */
interface Node {
  readonly name: string;
  readonly host: Host;
  readonly config: RouterConfig;
  router: Router;
  /** Process running (false after kill). */
  alive: boolean;
  /** Bumped whenever the node's timer is rescheduled; stale timer events are ignored. */
  timerGeneration: number;
}

/** A machine on the LAN: its interface, cable and process, shared by its routers. */
interface Host {
  readonly name: string;
  readonly routers: Node[];
  /** The interface's receive path, every router of the host registered on it. */
  rx: ReceivePath<string>;
  /** Cable plugged in: frames flow. */
  cabled: boolean;
  /** Partition group; hosts talk only within the same group. */
  group: number;
  /** Addresses the host's routers hold. */
  readonly vips: Set<string>;
  readonly groups: SyncGroupSpec[];
  sync: SyncGroups;
}

/** A virtual LAN of VRRP routers. */
export class Simulation {
  readonly clock = new VirtualClock();
  readonly transcript: TranscriptEntry[] = [];
  readonly #nodes = new Map<string, Node>();
  readonly #hosts = new Map<string, Host>();
  readonly #lanDelayMs: number;

  constructor(options: SimulationOptions = {}) {
    this.#lanDelayMs = options.lanDelayMs ?? 0.1;
  }

  get now(): number {
    return this.clock.now;
  }

  /**
   * Add a router (not started: see `start`). Its name is its label in the transcript. `host`: the
   * machine it runs on (default: a host of its own name).
   */
  addRouter(name: string, config: RouterConfig, opts: { host?: string } = {}): this {
    if (this.#nodes.has(name)) throw new Error(`router ${name} already exists`);
    const hostName = opts.host ?? name;
    let host = this.#hosts.get(hostName);
    if (host === undefined) {
      host = { name: hostName, routers: [], rx: new ReceivePath<string>(), cabled: true, group: 0, vips: new Set(), groups: [], sync: new SyncGroups([]) };
      this.#hosts.set(hostName, host);
    }
    const node: Node = { name, host, config, router: new Router(config), alive: false, timerGeneration: 0 };
    host.routers.push(node);
    this.#nodes.set(name, node);
    host.rx = receivePathFor(host);
    return this;
  }

  /** keepalived's vrrp_sync_group: routers of one host that move to MASTER / BACKUP / FAULT together. */
  addSyncGroup(name: string, members: readonly string[]): this {
    const nodes = members.map((m) => this.#node(m));
    const host = nodes[0]?.host;
    if (host === undefined || nodes.some((n) => n.host !== host)) throw new Error(`sync group ${name}: members must be routers of one host`);
    host.groups.push({ name, members: [...members] });
    host.sync = new SyncGroups(host.groups);
    return this;
  }

  /** Start a router's process, or every router of a host given its name, at time `at` (default now). */
  start(name: string, at = this.now): this {
    return this.at(at, () => {
      for (const node of this.#targets(name)) this.#startNode(node);
    });
  }

  /** Start every router at time `at`. */
  startAll(at = this.now): this {
    for (const name of this.#nodes.keys()) this.start(name, at);
    return this;
  }

  /** Schedule any scripted step at virtual time `at`. */
  at(at: number, run: () => void): this {
    this.clock.schedule(at, run);
    return this;
  }

  /** Power cut on a router's host: the process dies without a word; the VIPs it held vanish with it. */
  kill(name: string, at = this.now): this {
    return this.at(at, () => {
      const host = this.#hostOf(name);
      for (const node of host.routers) {
        this.#log(node.name, 'killed', 'process killed (no shutdown)');
        node.alive = false;
        node.timerGeneration++;
      }
      host.vips.clear();
      this.#replaceRouters(host);
    });
  }

  /** Clean stop (SIGTERM) of a router's host: the shutdown actions run (priority 0 from a master). */
  shutdown(name: string, at = this.now): this {
    return this.at(at, () => {
      for (const node of this.#hostOf(name).routers) {
        this.#step(node, { kind: 'shutdown' });
        node.alive = false;
      }
    });
  }

  /** Restart a killed or stopped host's process: its routers start with fresh state machines. */
  restart(name: string, at = this.now): this {
    return this.at(at, () => {
      const host = this.#hostOf(name);
      this.#replaceRouters(host);
      for (const node of host.routers) this.#startNode(node);
    });
  }

  /**
   * Unplug a host's cable. With `carrier` true (default) its routers see the link go down (FAULT);
   * with false the cut is beyond the switch port and they notice nothing.
   */
  unplug(name: string, at = this.now, carrier = true): this {
    return this.at(at, () => this.#cable(this.#hostOf(name), false, carrier));
  }

  /** Plug the cable back in. */
  plug(name: string, at = this.now, carrier = true): this {
    return this.at(at, () => this.#cable(this.#hostOf(name), true, carrier));
  }

  /** Split the LAN: hosts (named, or by one of their routers) in different groups stop hearing each other. */
  partition(groups: readonly (readonly string[])[], at = this.now): this {
    return this.at(at, () => {
      groups.forEach((members, i) => members.forEach((m) => (this.#hostOf(m).group = i + 1)));
      this.transcript.push({ t: this.now, node: '*', event: 'partition', detail: groups.map((g) => g.join('+')).join(' | ') });
    });
  }

  /** Heal every partition. */
  heal(at = this.now): this {
    return this.at(at, () => {
      for (const h of this.#hosts.values()) h.group = 0;
      this.transcript.push({ t: this.now, node: '*', event: 'heal', detail: 'LAN whole again' });
    });
  }

  /** Give a router a new set of tracker results (e.g. a failing check with weight -20). */
  setTrackers(name: string, trackers: readonly TrackerStatus[], at = this.now): this {
    return this.at(at, () => {
      const node = this.#node(name);
      if (node.alive) this.#step(node, { kind: 'trackers', trackers });
    });
  }

  /** Run the simulation up to virtual time `until` (ms). */
  runUntil(until: number): this {
    this.clock.runUntil(until);
    return this;
  }

  /** A router's state now. */
  state(name: string): RouterState {
    return this.#node(name).router.state;
  }

  /** The router behind a name, for detailed assertions (counters, priority). */
  router(name: string): Router {
    return this.#node(name).router;
  }

  /** Names of the routers in MASTER now. */
  masters(): string[] {
    return [...this.#nodes.values()].filter((n) => n.alive && n.router.state === 'MASTER').map((n) => n.name);
  }

  /** Names of the hosts that hold the VIP `ip` now (a router's own host has the router's name). */
  holders(ip: string): string[] {
    return [...this.#hosts.values()].filter((h) => h.vips.has(ip)).map((h) => h.name);
  }

  /** Transcript entries of the given events (default: state changes). */
  entries(events: readonly string[] = ['state']): TranscriptEntry[] {
    return this.transcript.filter((e) => events.includes(e.event));
  }

  /** The transcript as text, one line per entry, filtered like `entries`. */
  format(events?: readonly string[]): string {
    const list = events ? this.entries(events) : this.transcript;
    return list.map(formatEntry).join('\n');
  }

  // --- internals ----------------------------------------------------------------------------

  #node(name: string): Node {
    const node = this.#nodes.get(name);
    if (!node) throw new Error(`no router named ${name}`);
    return node;
  }

  /** The host of that name, or the host of the router of that name. */
  #hostOf(name: string): Host {
    const host = this.#hosts.get(name) ?? this.#nodes.get(name)?.host;
    if (!host) throw new Error(`no host or router named ${name}`);
    return host;
  }

  /** The router of that name, or every router of the host of that name. */
  #targets(name: string): Node[] {
    const node = this.#nodes.get(name);
    return node !== undefined ? [node] : this.#hostOf(name).routers;
  }

  /** Fresh state machines (a restarted process), registered on the host's receive path. */
  #replaceRouters(host: Host): void {
    for (const node of host.routers) node.router = new Router(node.config);
    host.rx = receivePathFor(host);
    host.sync = new SyncGroups(host.groups);
  }

  /** A router's process starts: it first takes the hold its sync group may already have, as the daemon does. */
  #startNode(node: Node): void {
    node.alive = true;
    for (const order of node.host.sync.resync(node.name)) this.#step(node, order.input);
    this.#step(node, { kind: 'startup' });
  }

  #cable(host: Host, up: boolean, carrier: boolean): void {
    host.cabled = up;
    for (const node of host.routers) {
      this.#log(node.name, up ? 'plugged' : 'unplugged', up ? 'link up' : carrier ? 'link down' : 'silent cut');
      if (carrier && node.alive) this.#step(node, { kind: 'link', up });
    }
  }

  #log(node: string, event: string, detail: string): void {
    this.transcript.push({ t: this.now, node, event, detail });
  }

  #step(node: Node, input: Input): void {
    const actions = node.router.step(input, this.now);
    const orders: SyncOrder[] = [];
    for (const action of actions) orders.push(...this.#perform(node, action));
    this.#armTimer(node);
    // Sync group orders after the step's own actions (one may be for this very router), as the daemon's Instance queues them.
    for (const order of orders) {
      const member = this.#node(order.member);
      if (member.alive) this.#step(member, order.input);
    }
  }

  #armTimer(node: Node): void {
    const generation = ++node.timerGeneration;
    const deadline = node.router.nextDeadline();
    if (deadline === undefined) return;
    this.clock.schedule(deadline, () => {
      if (node.timerGeneration === generation && node.alive) this.#step(node, { kind: 'timeout' });
    });
  }

  /** Performs one action; returns the sync group orders it gives rise to. */
  #perform(node: Node, action: Action): SyncOrder[] {
    switch (action.kind) {
      case 'sendAdvert':
      case 'sendPriorityZero':
        this.#log(node.name, 'advert', `priority ${action.advert.priority}`);
        this.#broadcast(node, datagramOf(node.config, action.advert));
        break;
      case 'addVips':
        action.vips.forEach((v) => node.host.vips.add(v));
        this.#log(node.name, 'vips', `+${action.vips.join(',')}`);
        break;
      case 'removeVips':
        action.vips.forEach((v) => node.host.vips.delete(v));
        this.#log(node.name, 'vips', `-${action.vips.join(',')}`);
        break;
      case 'garp':
        this.#log(node.name, 'garp', action.vips.join(','));
        break;
      case 'garpBurst':
        this.#log(node.name, 'garp', `${action.vips.join(',')} x${action.count}`);
        break;
      case 'stateChanged':
        this.#log(node.name, 'state', `${action.from} -> ${action.to} (${action.reason}: ${action.detail})`);
        return node.host.sync.onStateChange(node.name, action.from, action.to, action.reason);
      case 'ownFault':
        return node.host.sync.onOwnFault(node.name, action.faulted, action.detail);
      case 'dropped':
        this.#log(node.name, 'drop', `${action.reason} from ${action.from}: ${action.detail}`);
        break;
      case 'notice':
        this.#log(node.name, 'notice', `${action.code} from ${action.from}: ${action.detail}`);
        break;
      case 'priorityChanged':
        this.#log(node.name, 'priority', `${action.from} -> ${action.to} (${action.detail})`);
        break;
    }
    return [];
  }

  #broadcast(sender: Node, datagram: RawDatagram): void {
    const from = sender.host;
    if (!from.cabled) return;
    for (const peer of this.#hosts.values()) {
      if (peer === from) continue;
      this.clock.schedule(this.now + this.#lanDelayMs, () => {
        // Checked on arrival: a cable pulled while the frame was in flight loses it.
        if (!peer.cabled || !from.cabled || peer.group !== from.group) return;
        if (!peer.routers.some((r) => r.alive)) return;
        const verdict = peer.rx.handle(datagram);
        const to = verdict.key === undefined ? undefined : this.#node(verdict.key);
        if (to !== undefined && !to.alive) return;
        if (verdict.kind === 'drop') {
          this.#log(to?.name ?? peer.name, 'drop', `${verdict.reason} from ${verdict.from ?? '?'}: ${verdict.detail()}`);
          return;
        }
        this.#step(to!, { kind: 'advert', advert: verdict.advert, srcIp: verdict.ip.src });
      });
    }
  }
}

/** A host's interface with each of its routers registered on it (the daemon does the same per interface). */
function receivePathFor(host: Host): ReceivePath<string> {
  const rx = new ReceivePath<string>(host.routers.map((n) => n.config.primaryIp));
  for (const { name, router } of host.routers) {
    const c = router.config;
    const r = rx.register(name, { vrid: c.vrid, version: c.version, family: c.family, counters: router.counters });
    if (!r.ok) throw new Error(`${host.name}: ${r.error.detail}`);
  }
  return rx;
}

/** What the router's advert looks like on the LAN: multicast from its primary address, TTL 255. */
function datagramOf(c: RouterConfig, advert: Parameters<typeof emitAdvert>[0]): RawDatagram {
  if (c.family === 'ipv6') {
    const ctx = { family: 'ipv6' as const, src: c.primaryIp, dst: VRRP_MCAST_GROUP6 };
    return { family: 'ipv6', payload: emitAdvert(advert, ctx), src: c.primaryIp, dst: VRRP_MCAST_GROUP6, hopLimit: VRRP_TTL };
  }
  const src = c.primaryIp as Ipv4Address;
  const payload = emitAdvert(advert, { family: 'ipv4', src, dst: VRRP_MCAST_GROUP4 });
  return { family: 'ipv4', bytes: emitIpv4({ src, dst: VRRP_MCAST_GROUP4 }, payload) };
}
