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
 */
import { ReceivePath } from '../protocol/receive-path.js';
import { Router } from '../protocol/router.js';
import type { Action, RouterConfig, RouterState, TrackerStatus } from '../protocol/types.js';
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

interface Node {
  readonly name: string;
  config: RouterConfig;
  router: Router;
  /** The node's interface: its own receive path, with the router registered on it. */
  rx: ReceivePath<string>;
  /** Process running (false after kill). */
  alive: boolean;
  /** Cable plugged in: frames flow. */
  cabled: boolean;
  /** Partition group; nodes talk only within the same group. */
  group: number;
  vips: Set<string>;
  /** Bumped whenever the node's timer is rescheduled; stale timer events are ignored. */
  timerGeneration: number;
}

/** A virtual LAN of VRRP routers. */
export class Simulation {
  readonly clock = new VirtualClock();
  readonly transcript: TranscriptEntry[] = [];
  readonly #nodes = new Map<string, Node>();
  readonly #lanDelayMs: number;

  constructor(options: SimulationOptions = {}) {
    this.#lanDelayMs = options.lanDelayMs ?? 0.1;
  }

  get now(): number {
    return this.clock.now;
  }

  /** Add a router (not started: see `start`). Its name is its label in the transcript. */
  addRouter(name: string, config: RouterConfig): this {
    if (this.#nodes.has(name)) throw new Error(`router ${name} already exists`);
    const router = new Router(config);
    this.#nodes.set(name, {
      name,
      config,
      router,
      rx: receivePathFor(name, router),
      alive: false,
      cabled: true,
      group: 0,
      vips: new Set(),
      timerGeneration: 0,
    });
    return this;
  }

  /** Start a router's process at time `at` (default now). */
  start(name: string, at = this.now): this {
    return this.at(at, () => {
      const node = this.#node(name);
      node.alive = true;
      this.#step(node, { kind: 'startup' });
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

  /** Power cut: the process dies without a word; the VIPs it held vanish with the host. */
  kill(name: string, at = this.now): this {
    return this.at(at, () => {
      const node = this.#node(name);
      this.#log(node, 'killed', 'process killed (no shutdown)');
      node.alive = false;
      node.vips.clear();
      node.timerGeneration++;
      this.#replaceRouter(node);
    });
  }

  /** Clean stop (SIGTERM): the router's shutdown actions run (priority 0 from a master). */
  shutdown(name: string, at = this.now): this {
    return this.at(at, () => {
      const node = this.#node(name);
      this.#step(node, { kind: 'shutdown' });
      node.alive = false;
    });
  }

  /** Restart a killed or stopped router with a fresh state machine. */
  restart(name: string, at = this.now): this {
    return this.at(at, () => {
      const node = this.#node(name);
      this.#replaceRouter(node);
      node.alive = true;
      this.#step(node, { kind: 'startup' });
    });
  }

  /**
   * Unplug a router's cable. With `carrier` true (default) the router sees its link go down (FAULT);
   * with false the cut is beyond the switch port and the router notices nothing.
   */
  unplug(name: string, at = this.now, carrier = true): this {
    return this.at(at, () => {
      const node = this.#node(name);
      node.cabled = false;
      this.#log(node, 'unplugged', carrier ? 'link down' : 'silent cut');
      if (carrier && node.alive) this.#step(node, { kind: 'link', up: false });
    });
  }

  /** Plug the cable back in. */
  plug(name: string, at = this.now, carrier = true): this {
    return this.at(at, () => {
      const node = this.#node(name);
      node.cabled = true;
      this.#log(node, 'plugged', 'link up');
      if (carrier && node.alive) this.#step(node, { kind: 'link', up: true });
    });
  }

  /** Split the LAN: routers in different groups stop hearing each other. */
  partition(groups: readonly (readonly string[])[], at = this.now): this {
    return this.at(at, () => {
      groups.forEach((members, i) => members.forEach((m) => (this.#node(m).group = i + 1)));
      this.transcript.push({ t: this.now, node: '*', event: 'partition', detail: groups.map((g) => g.join('+')).join(' | ') });
    });
  }

  /** Heal every partition. */
  heal(at = this.now): this {
    return this.at(at, () => {
      for (const n of this.#nodes.values()) n.group = 0;
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

  /** Names of the routers whose host holds the VIP `ip` now. */
  holders(ip: string): string[] {
    return [...this.#nodes.values()].filter((n) => n.vips.has(ip)).map((n) => n.name);
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

  /** A fresh state machine (a restarted process), registered on the node's receive path. */
  #replaceRouter(node: Node): void {
    node.router = new Router(node.config);
    node.rx = receivePathFor(node.name, node.router);
  }

  #log(node: Node, event: string, detail: string): void {
    this.transcript.push({ t: this.now, node: node.name, event, detail });
  }

  #step(node: Node, input: Parameters<Router['step']>[0]): void {
    const actions = node.router.step(input, this.now);
    for (const action of actions) this.#perform(node, action);
    this.#armTimer(node);
  }

  #armTimer(node: Node): void {
    const generation = ++node.timerGeneration;
    const deadline = node.router.nextDeadline();
    if (deadline === undefined) return;
    this.clock.schedule(deadline, () => {
      if (node.timerGeneration === generation && node.alive) this.#step(node, { kind: 'timeout' });
    });
  }

  #perform(node: Node, action: Action): void {
    switch (action.kind) {
      case 'sendAdvert':
      case 'sendPriorityZero':
        this.#log(node, 'advert', `priority ${action.advert.priority}`);
        this.#broadcast(node, datagramOf(node.config, action.advert));
        break;
      case 'addVips':
        action.vips.forEach((v) => node.vips.add(v));
        this.#log(node, 'vips', `+${action.vips.join(',')}`);
        break;
      case 'removeVips':
        action.vips.forEach((v) => node.vips.delete(v));
        this.#log(node, 'vips', `-${action.vips.join(',')}`);
        break;
      case 'garp':
        this.#log(node, 'garp', action.vips.join(','));
        break;
      case 'garpBurst':
        this.#log(node, 'garp', `${action.vips.join(',')} x${action.count}`);
        break;
      case 'stateChanged':
        this.#log(node, 'state', `${action.from} -> ${action.to} (${action.reason}: ${action.detail})`);
        break;
      case 'dropped':
        this.#log(node, 'drop', `${action.reason} from ${action.from}: ${action.detail}`);
        break;
      case 'notice':
        this.#log(node, 'notice', `${action.code} from ${action.from}: ${action.detail}`);
        break;
      case 'priorityChanged':
        this.#log(node, 'priority', `${action.from} -> ${action.to} (${action.detail})`);
        break;
    }
  }

  #broadcast(sender: Node, datagram: RawDatagram): void {
    if (!sender.cabled) return;
    for (const peer of this.#nodes.values()) {
      if (peer === sender) continue;
      this.clock.schedule(this.now + this.#lanDelayMs, () => {
        // Checked on arrival: a cable pulled while the frame was in flight loses it.
        if (!peer.alive || !peer.cabled || !sender.cabled || peer.group !== sender.group) return;
        const verdict = peer.rx.handle(datagram);
        if (verdict.kind === 'drop') {
          this.#log(peer, 'drop', `${verdict.reason} from ${verdict.from ?? '?'}: ${verdict.detail()}`);
          return;
        }
        this.#step(peer, { kind: 'advert', advert: verdict.advert, srcIp: verdict.ip.src });
      });
    }
  }
}

/** A node's interface with its router registered on it (the daemon does the same per interface). */
function receivePathFor(name: string, router: Router): ReceivePath<string> {
  const rx = new ReceivePath<string>([router.config.primaryIp]);
  const c = router.config;
  const r = rx.register(name, { vrid: c.vrid, version: c.version, family: c.family, counters: router.counters });
  if (!r.ok) throw new Error(r.error.detail);
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
