/**
 * One vrrp_instance at run time: wires a pure Router to its socket, its virtual addresses, its
 * gratuitous ARPs and its clock. The one place where time and I/O meet the core: every input is
 * stepped with `now()`, every returned action is performed here, then the timer is re-armed for
 * the router's next deadline.
 */
import { background, describeError } from '../background.js';
import { Router } from '../protocol/router.js';
import { buildAdvert } from '../protocol/router-config.js';
import { UnicastChecksum } from '../protocol/unicast-checksum.js';
import type { Action, Input, RouterConfig, RouterSnapshot, RouterState, TrackerStatus, TransitionReason } from '../protocol/types.js';
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import type { Advert, AdvertIpContext, OldUnicastChecksum } from '../wire/types.js';
import { dueGarps, startGarpSchedule, type GarpCursor, type GarpScheduleConfig } from '../io/garp-schedule.js';
import type { Raw4Armed } from '../io/packet-addon.js';
import type { ReceivedAdvert } from '../io/vrrp-mux.js';
import type { Result } from '../result.js';
import { LATE_TIMER_MS, zeroInstanceIoCounters, type InstanceIoCounters, type TransitionCount } from '../status/model.js';
import { ActionList } from './action-list.js';
import { AdvertBytes } from './advert-bytes.js';
import { DeadlineTimer, type Now } from './clock.js';
import type { ArmedSend } from './deadline-queue.js';
import { RateLimiter, type Logger } from './log.js';
import { VipKeeper, type VipOps } from './vip-keeper.js';

/** What an instance needs from the outside; the daemon passes real I/O, tests pass fakes. */
export interface InstanceIo<V> {
  readonly now: Now;
  readonly log: Logger;
  /** Where adverts go: the multicast group, or each unicast peer. */
  readonly destinations: readonly IpAddress[];
  /**
   * Send one advert payload to `dst` (its v3 checksum covers `dst`), synchronously: the datagram is
   * with the kernel on return. `armedSent`: what `armTakeover` gave for it, which the kernel timer
   * already sent: counted, not sent again.
   */
  sendTo(payload: Uint8Array, dst: IpAddress, armedSent?: Raw4Armed): { ok: boolean; error?: { detail: string } };
  /** Get ready to send `payload` to `dst` (build its datagram) without sending it. */
  prepare?(payload: Uint8Array, dst: IpAddress): void;
  /** The datagram of `payload` to `dst` as the kernel timer can send it by itself at expiry; undefined when it cannot. */
  armTakeover?(payload: Uint8Array, dst: IpAddress): Raw4Armed | undefined;
  readonly vipOps: VipOps<V>;
  /** One gratuitous ARP per address, `count` times, and how many went out; undefined when GARP is unavailable. */
  garp?(addresses: readonly IpAddress[], count: number): Promise<{ sent: number; failed: number }>;
  /** Every VRRP timer fire, with how late it was (ms): the metrics' lateness histogram. */
  onTimer?(lateMs: number): void;
}

/** What the instance knows beyond the router: io counters, transitions by reason, its VIPs. */
export interface InstanceFacts<V> {
  readonly router: RouterSnapshot;
  readonly io: Readonly<InstanceIoCounters>;
  readonly transitions: readonly TransitionCount[];
  readonly vips: readonly { readonly vip: V; readonly present: boolean; readonly error?: string }[];
  /** Whether the last `ip addr` pass left every VIP as the router wants. */
  readonly vipsSettled: boolean;
}

export interface InstanceSpec<V> {
  readonly router: RouterConfig;
  /** virtual_ipaddress and virtual_ipaddress_excluded (and their no_accept drop entries): all added and removed together. */
  readonly vips: readonly V[];
  /** virtual_routes and virtual_rules: added once the VIPs' pass is done, removed with them (none by default). */
  readonly routes?: readonly V[];
  /** Addresses to announce by gratuitous ARP. */
  readonly garpAddresses: readonly IpAddress[];
  readonly garp: GarpScheduleConfig;
  /** VRRPv3 over IPv4 in unicast mode: keepalived's `old_unicast_checksum` and the group it computes with. */
  readonly oldUnicastChecksum?: { readonly mode: OldUnicastChecksum; readonly group: Ipv4Address };
}

/** The effective priority moved (keepalived's notify_priority_changes). */
export interface PriorityEvent {
  readonly instance: string;
  readonly from: number;
  readonly to: number;
  /** The state the instance is in. */
  readonly state: RouterState;
}

/** A state change as the daemon reports it to notify scripts, sync groups and logs. */
export interface StateEvent {
  readonly instance: string;
  readonly from: RouterState;
  readonly to: RouterState;
  readonly reason: TransitionReason;
  readonly detail: string;
  readonly priority: number;
}

/** A timer this late means the process did not run: a backup reads its socket before timing out. */
const STALL_MS = 5;

/** The input of every timer fire (the router keeps no input). */
const TIMEOUT: Input = { kind: 'timeout' };

/** A takeover advert armed on the Master_Down timer: its bytes, destination and what the kernel timer sends. */
interface ArmedTakeover {
  readonly payload: Uint8Array;
  readonly dst: IpAddress;
  readonly send: ArmedSend;
}

/** Upper bounds (ms) of the timer-lateness histogram SIGUSR2 reports; the last bucket is open. */
export const LATENESS_BOUNDS_MS = [1, 5, 20, 100] as const;

/** How late the instance's protocol timer (adverts, Master_Down) fired: a count per bucket and the worst. */
export interface TimerLateness {
  readonly fired: number;
  readonly maxLateMs: number;
  /** `le1`, `le5`, `le20`, `le100`, `over100`: timers that fired that late. */
  readonly buckets: Readonly<Record<string, number>>;
}

export class Instance<V> {
  readonly router: Router;
  readonly name: string;
  /** keepalived's unicast checksum rule (VRRPv3 unicast over IPv4 only). */
  readonly unicastChecksum: UnicastChecksum | undefined;
  readonly #io: InstanceIo<V>;
  #spec: InstanceSpec<V>;
  /** Where adverts go (a reload may change the unicast peers). */
  #destinations: readonly IpAddress[];
  readonly #timer: DeadlineTimer;
  readonly #garpTimer: DeadlineTimer;
  readonly #vips: VipKeeper<V>;
  #routes: VipKeeper<V> | undefined;
  /** The VIPs' latest pass: routes are added after it (a route may use a VIP as its source). */
  #vipPass: Promise<unknown> = Promise.resolve();
  readonly #drops = new RateLimiter({ onSuppressed: (reason, n) => this.#io.log.warn({ instance: this.name, reason, suppressed: n }, `${n} more lines suppressed`) });
  #garpCursor: GarpCursor | undefined;
  #listeners: ((e: StateEvent) => void)[] = [];
  #faultListeners: ((faulted: boolean, detail: string) => void)[] = [];
  #priorityListeners: ((e: PriorityEvent) => void)[] = [];
  #stepping = false;
  /** Inputs that arrived while the instance was stepping (#drive): each waits its turn. */
  readonly #inbox: Input[] = [];
  /** The actions of the step in progress (one list, refilled at every step). */
  readonly #actions = new ActionList();
  /** A step's actions other than adverts, not performed yet (#drive). */
  #pending: Action[] = [];
  /** Whether #resume waits for the end of the current timer batch. */
  #resumeDeferred = false;
  /** The bytes of the adverts last sent (or prepared), per destination. */
  readonly #advertBytes = new AdvertBytes();
  /** What the takeover advert was last prepared for (#prepareTakeover), and the advert. */
  #preparedFor: { config: RouterConfig; priority: number; source: IpAddress; destinations: readonly IpAddress[]; advert: Advert } | undefined;
  /** The takeover advert to its first destination, armed on the Master_Down timer for the kernel timer to send (#armTakeover). */
  #armed: ArmedTakeover | undefined;
  /** During the timeout step whose armed advert the kernel timer sent: that advert, until #send meets it. */
  #armedSent: ArmedTakeover | undefined;
  /** The last ArmedTakeover made, reused while it still holds (no allocation per received advert). */
  #armedKept: ArmedTakeover | undefined;
  /** Daemon-level counters (status/model.ts); the router keeps the protocol ones. */
  readonly #counters = zeroInstanceIoCounters();
  readonly #transitions = new Map<string, TransitionCount>();
  /** Each VIP as the last `ip addr` on it left it. */
  readonly #placed: Map<V, { present: boolean; error?: string }>;
  readonly #lateBuckets = new Array<number>(LATENESS_BOUNDS_MS.length + 1).fill(0);
  /**
   * The latest fire so far (ms), undefined before the first. Not a number at first on purpose: V8
   * then keeps the field tagged, and without a JIT every read of a double field allocates a heap
   * number (deadline-queue.ts, NEVER_ARMED).
   */
  #lateMax: number | undefined = undefined;

  constructor(spec: InstanceSpec<V>, io: InstanceIo<V>) {
    this.#spec = spec;
    this.#io = io;
    this.#destinations = io.destinations;
    this.name = spec.router.name;
    this.router = new Router(spec.router);
    const old = spec.oldUnicastChecksum;
    this.unicastChecksum = old && new UnicastChecksum(old.mode, old.group);
    const log = io.log.child({ instance: this.name });
    // Adverts are sent synchronously (#send), so an `ip` pass never runs while one waits.
    this.#placed = new Map(spec.vips.map((v) => [v, { present: false }]));
    this.#vips = new VipKeeper(spec.vips, this.#countedVipOps(io.vipOps), log);
    const routes = spec.routes ?? [];
    this.#routes = routes.length > 0 ? this.#routeKeeper(routes) : undefined;
    // The first GARP burst waits for the addresses to be in place.
    this.#vips.onSettled = (state) => {
      if (state === 'present') this.#onGarpTimer();
    };
    this.#timer = new DeadlineTimer(io.now, (deadline, late, armedSent) => this.#onTimer(deadline, late, armedSent));
    this.#garpTimer = new DeadlineTimer(io.now, () => this.#onGarpTimer());
  }

  /** The keeper of virtual routes and rules: its passes wait for the VIPs' (a route may use a VIP as its source). */
  #routeKeeper(routes: readonly V[]): VipKeeper<V> {
    return new VipKeeper(routes, this.#io.vipOps, this.#io.log.child({ instance: this.name }), () => this.#vipPass);
  }

  /**
   * A reload changed this instance's settings but not its identity. The router takes them with no
   * transition (its `reconfigure` input); the host entries change by their difference only:
   * entries in both configurations are left untouched, dropped ones go and new ones are added
   * while master, and the new addresses are announced with one burst of vrrp_garp_master_repeat
   * (keepalived's reload sends one burst, for every address, when it added any).
   */
  update(spec: InstanceSpec<V>, destinations: readonly IpAddress[]): void {
    const announced = new Set(this.#spec.garpAddresses);
    const fresh = spec.garpAddresses.filter((a) => !announced.has(a));
    this.#spec = spec;
    this.#destinations = destinations;
    this.#advertBytes.clear();
    this.#step({ kind: 'reconfigure', config: spec.router });
    const placed = new Map([...this.#placed].map(([v, p]) => [entryKey(v), p]));
    this.#placed.clear();
    for (const v of spec.vips) this.#placed.set(v, placed.get(entryKey(v)) ?? { present: false });
    const pass = this.#vips.replace(spec.vips, entryKey).then((added) => {
      if (added.length > 0 && fresh.length > 0 && this.router.state === 'MASTER' && this.#vips.wanted === 'present') this.#sendGarps(spec.garp.repeat, fresh);
    });
    this.#vipPass = pass;
    background(pass, (e) => this.#bug('reload', e));
    const routes = spec.routes ?? [];
    if (this.#routes) background(this.#routes.replace(routes, entryKey), (e) => this.#bug('reload', e));
    else if (routes.length > 0) {
      this.#routes = this.#routeKeeper(routes);
      if (this.#vips.wanted === 'present') background(this.#routes.want('present'), (e) => this.#bug('reload', e));
    }
  }

  /** Subscribe to state changes. */
  onStateChange(listener: (e: StateEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Subscribe to the router's own fault beginning or ending (vrrp_sync_group counts these). */
  onOwnFault(listener: (faulted: boolean, detail: string) => void): void {
    this.#faultListeners.push(listener);
  }

  /** Subscribe to effective priority changes. */
  onPriorityChange(listener: (e: PriorityEvent) => void): void {
    this.#priorityListeners.push(listener);
  }

  get state(): RouterState {
    return this.router.state;
  }

  /** Leave Initialize; `holdMs`: what remains of vrrp_startup_delay. */
  start(holdMs = 0): void {
    this.#step(holdMs > 0 ? { kind: 'startup', holdMs } : { kind: 'startup' });
  }

  /** Shutdown: a master sends priority 0 and gives up its VIPs; resolves once they are gone. */
  async stop(): Promise<void> {
    this.#step({ kind: 'shutdown' });
    this.#timer.cancel();
    this.#garpTimer.cancel();
    await Promise.all([this.#vips.want('absent'), this.#routes?.want('absent')]);
    this.#vips.stop();
    this.#routes?.stop();
  }

  receive(rx: ReceivedAdvert): void {
    if (rx.checksum === 'old-unicast' && this.unicastChecksum?.oldStyleSeen()) {
      const detail = `${rx.ip.src} computes the checksum as if sending to ${this.unicastChecksum.group} (keepalived <= 1.3.6, old_unicast_checksum)`;
      this.#io.log.warn({ instance: this.name, from: rx.ip.src, detail }, 'old-style VRRPv3 unicast checksum detected: sending old-style from now on, as keepalived does');
    }
    this.#step(rx.arrivedAt === undefined ? { kind: 'advert', advert: rx.advert, srcIp: rx.ip.src } : { kind: 'advert', advert: rx.advert, srcIp: rx.ip.src, receivedAt: rx.arrivedAt });
  }

  setTrackers(trackers: readonly TrackerStatus[]): void {
    this.#step({ kind: 'trackers', trackers });
  }

  setLink(up: boolean): void {
    this.#step({ kind: 'link', up });
  }

  /** The interface's address changed: the source of our adverts, or none (FAULT); see Router. */
  setSource(ip: IpAddress | undefined, detail: string): void {
    const before = this.router.sourceIp;
    this.#step({ kind: 'source', ip, detail });
    if (ip === undefined || ip === before) return;
    this.#counters.sourceChanges++;
    this.#io.log.warn({ instance: this.name, source: ip, was: before }, `${this.name}: adverts now leave from ${ip} (was ${before})`);
  }

  /**
   * Some of our VIPs were deleted by someone else (`lost`, as the address watch saw them). A
   * master puts them back at once, counted and logged, and announces them again (gratuitous ARP
   * on the master's schedule). keepalived 2.2.7 instead leaves MASTER (priority 0, every VIP
   * removed) and takes over again after Skew_Time (netlink_if_address_filter, set_vrrp_backup).
   */
  restoreVips(lost: readonly string[]): void {
    if (this.router.state !== 'MASTER' || this.#vips.wanted !== 'present' || lost.length === 0) return;
    this.#counters.vipRestored += lost.length;
    this.#io.log.warn({ instance: this.name, lost }, `${this.name}: virtual address ${lost.join(', ')} removed behind our back while MASTER; adding it back`);
    this.#garpCursor = startGarpSchedule(this.#io.now());
    this.#garpTimer.cancel();
    this.#vipPass = this.#vips.repair();
    background(this.#vipPass, (e) => this.#bug('restoreVips', e));
    // The kernel flushes the routes whose source was a deleted address: those go back too.
    if (this.#routes) background(this.#routes.repair(), (e) => this.#bug('restoreVips', e));
  }

  /** A vrrp_sync_group order (another member moved). */
  sync(input: Extract<Input, { kind: 'sync' }>): void {
    this.#step(input);
  }

  /** The router's snapshot and what the instance adds to it (status/model.ts builds on this). */
  facts(): InstanceFacts<V> {
    return {
      router: this.router.snapshot(),
      io: { ...this.#counters },
      transitions: [...this.#transitions.values()],
      vips: [...this.#placed].map(([vip, p]) => ({ vip, ...p })),
      vipsSettled: this.#vips.settled,
    };
  }

  // --- the loop -----------------------------------------------------------------------------

  /** Step the router with `input` and perform its actions (#drive); behind any input still waiting. */
  #step(input: Input): void {
    if (this.#stepping || this.#inbox.length > 0) {
      this.#inbox.push(input);
      this.#drive(undefined);
    } else {
      this.#drive(input);
    }
  }

  /**
   * Steps the router through the queued inputs and performs their actions. Not reentrant: an
   * input arriving while actions are performed (a listener reacting to a state change) waits until
   * they are all done, so no action of an older step is performed after a newer step's.
   *
   * Adverts leave at once, before anything else is done: they are what the other routers' timers
   * wait for. The rest keeps the router's order; one action's bug does not cost the others. When
   * the step runs in a timer batch (a wake-up firing many instances' timers: a mass takeover), the
   * rest waits until every timer of the batch has sent its advert (DeadlineQueue.defer), and is
   * performed before this instance steps again.
   *
   * A master's steady advert allocates nothing here: its input is `first` (the inbox stays empty),
   * its action goes through the kept list, and no closure is made (indexed loops, #sendContained).
   */
  #drive(first: Input | undefined): void {
    if (this.#stepping) return;
    this.#stepping = true;
    let next = first;
    try {
      for (;;) {
        if (this.#pending.length > 0) {
          const pending = this.#pending;
          this.#pending = [];
          for (let i = 0; i < pending.length; i++) this.#performContained(pending[i]!);
          continue;
        }
        const input = next ?? this.#inbox.shift();
        next = undefined;
        if (input === undefined) break;
        this.#stepRouter(input);
        if (this.#pending.length > 0 && !this.#resumeDeferred && this.#timer.defer(this.#resume)) {
          this.#resumeDeferred = true;
          break;
        }
      }
    } finally {
      this.#stepping = false;
    }
    if (this.router.state === 'BACKUP') this.#guard('prepare', this.#prepare);
    else this.#armed = undefined;
    this.#timer.arm(this.router.nextDeadline(), this.#armed?.send);
  }

  /** One router step: its adverts leave at once, its other actions wait in #pending. */
  #stepRouter(input: Input): void {
    const actions = this.#actions;
    try {
      this.router.stepInto(input, this.#io.now(), actions);
    } catch (e) {
      actions.clear();
      this.#bug(input.kind, e); // contained: this input is lost, the timers go on
      return;
    }
    for (let i = 0; i < actions.length; i++) {
      const a = actions.at(i);
      if (a.kind === 'sendAdvert' || a.kind === 'sendPriorityZero') this.#sendContained(a.kind, a.advert);
      else this.#pending.push(a); // a master's steady advert leaves nothing here
    }
    actions.clear();
  }

  /** The end of a timer batch: what this instance's steps in it left to perform. */
  readonly #resume = (): void => {
    this.#resumeDeferred = false;
    this.#drive(undefined);
  };

  /** #prepareTakeover, made once (a closure per step would be garbage); a throw leaves nothing armed. */
  readonly #prepare = (): void => {
    this.#armed = undefined;
    this.#armed = this.#prepareTakeover();
  };

  /** A timer fire whose step waits for this turn's I/O (#onTimer), made once. */
  readonly #stepTimeout = (): void => this.#step(TIMEOUT);

  /** A bug (an exception) while handling one input or action: logged, never fatal to the daemon. */
  #bug(what: string, e: unknown): void {
    this.#io.log.error({ instance: this.name, what, err: describeError(e) }, `bug: ${this.name}: handling ${what} threw; contained`);
  }

  #guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.#bug(what, e);
    }
  }

  /** #guard for one action, without a closure (one per action would be garbage at every step). */
  #performContained(a: Action): void {
    try {
      this.#perform(a);
    } catch (e) {
      this.#bug(a.kind, e);
    }
  }

  /**
   * #performContained for an advert's send, apart from #perform: a function that makes closures
   * (#perform does) allocates its context at every call without a JIT, and this runs at every advert.
   */
  #sendContained(what: 'sendAdvert' | 'sendPriorityZero', advert: Advert): void {
    try {
      this.#send(advert);
    } catch (e) {
      this.#bug(what, e);
    }
  }

  /** The protocol timer's lateness so far (SIGUSR2 statistics; the soak bench reads it). */
  timerLateness(): TimerLateness {
    const buckets: Record<string, number> = {};
    LATENESS_BOUNDS_MS.forEach((b, i) => (buckets[`le${b}`] = this.#lateBuckets[i]!));
    buckets[`over${LATENESS_BOUNDS_MS.at(-1)!}`] = this.#lateBuckets.at(-1)!;
    return { fired: this.#lateBuckets.reduce((a, b) => a + b, 0), maxLateMs: this.#lateMax ?? 0, buckets };
  }

  #onTimer(deadline: number, lateMs: number, armedSent: boolean): void {
    // A backup whose Master_Down timer fires late did not run for a while (a stalled or starved
    // process): the master's adverts that arrived meanwhile may be waiting in the socket, ready in
    // this same turn of the loop. setImmediate runs after this turn's I/O callbacks, so they are
    // read first and the timeout only wins if none came (RFC 3768 §6.4.2: an advert received
    // before the timer expired resets it). Found by the soak: op2 took over once after a 1.5 s stall.
    // Every late timeout of the turn runs in one such batch (DeadlineQueue.later).
    if (armedSent) this.#armedTimeout();
    else if (lateMs > STALL_MS && this.router.state === 'BACKUP') this.#timer.later(this.#stepTimeout);
    else this.#step(TIMEOUT);
    // Counted once the advert this timer may send has left: it is what the other routers wait for.
    // A late one is logged, after every advert of the batch.
    if (lateMs <= LATE_TIMER_MS) this.#countLateness(deadline, lateMs);
    else this.#countLate(deadline, lateMs);
  }

  /** A late timer is counted after every advert of its batch (at once outside one). Apart from #onTimer: a closure there would cost every fire a context. */
  #countLate(deadline: number, lateMs: number): void {
    const count = (): void => this.#countLateness(deadline, lateMs);
    if (!this.#timer.defer(count)) count();
  }

  #countLateness(deadline: number, lateMs: number): void {
    this.#io.onTimer?.(lateMs);
    this.#lateBuckets[latenessBucket(lateMs)]!++;
    if (this.#lateMax === undefined || lateMs > this.#lateMax) this.#lateMax = lateMs;
    if (lateMs > LATE_TIMER_MS) {
      this.#counters.timerLate++;
      this.#io.log.warn({ instance: this.name, deadline, lateMs: Math.round(lateMs) }, 'timer fired late');
    }
  }

  #perform(a: Action): void {
    const log = this.#io.log;
    switch (a.kind) {
      case 'sendAdvert':
      case 'sendPriorityZero':
        break; // sent at once by #stepRouter (#sendContained), never pending
      case 'addVips':
        this.#vipPass = this.#vips.want('present');
        background(this.#vipPass, (e) => this.#bug('addVips', e));
        if (this.#routes) background(this.#routes.want('present'), (e) => this.#bug('addVips', e));
        break;
      case 'removeVips':
        this.#garpCursor = undefined;
        this.#garpTimer.cancel();
        this.#vipPass = Promise.resolve();
        if (this.#routes) background(this.#routes.want('absent'), (e) => this.#bug('removeVips', e));
        background(this.#vips.want('absent'), (e) => this.#bug('removeVips', e));
        break;
      case 'garp':
        this.#garpCursor = startGarpSchedule(this.#io.now());
        if (this.#vips.settled && this.#vips.wanted === 'present') this.#onGarpTimer();
        break;
      case 'garpBurst':
        if (this.#vips.settled && this.#vips.wanted === 'present') this.#sendGarps(a.count);
        break;
      case 'stateChanged': {
        const event: StateEvent = { instance: this.name, from: a.from, to: a.to, reason: a.reason, detail: a.detail, priority: this.router.priority };
        this.#countTransition(a.from, a.to, a.reason);
        log.info({ instance: this.name, from: a.from, to: a.to, reason: a.reason, detail: a.detail, priority: event.priority }, `${this.name}: ${a.from} -> ${a.to}`);
        for (const l of this.#listeners) l(event);
        break;
      }
      case 'ownFault':
        for (const l of this.#faultListeners) l(a.faulted, a.detail);
        break;
      case 'priorityChanged': {
        log.info({ instance: this.name, from: a.from, to: a.to, detail: a.detail }, `${this.name}: priority ${a.from} -> ${a.to}`);
        const event: PriorityEvent = { instance: this.name, from: a.from, to: a.to, state: this.router.state };
        for (const l of this.#priorityListeners) l(event);
        break;
      }
      case 'dropped':
      case 'notice': {
        const key = a.kind === 'dropped' ? a.reason : a.code;
        const gate = this.#drops.check(key, this.#io.now());
        if (gate.log) {
          const level = a.kind === 'dropped' && a.reason === 'not-running' ? 'debug' : 'warn';
          log[level]({ instance: this.name, reason: key, from: a.from, detail: a.detail, suppressed: gate.suppressed }, a.kind === 'dropped' ? 'advert dropped' : 'advert accepted with a mismatch');
        }
        break;
      }
    }
  }

  /**
   * Send the advert to each destination, synchronously (VRRPv3's checksum covers the destination).
   * The bytes are emitted again only when the advert changed (advert-bytes.ts).
   */
  #send(advert: Advert): void {
    const destinations = this.#destinations;
    for (let i = 0; i < destinations.length; i++) {
      const dst = destinations[i]!;
      const payload = this.#advertBytes.bytes(i, advert, this.#checksumContext(dst));
      const result = i === 0 && this.#armedSent !== undefined ? this.#io.sendTo(payload, dst, this.#takeArmedSent(payload, dst)) : this.#io.sendTo(payload, dst);
      if (!result.ok) this.#sendFailed(dst, result.error?.detail);
    }
  }

  /**
   * The Master_Down timeout whose advert the kernel timer sent at expiry (#armTakeover): the router
   * steps now, never through `later`, as the advert is out; #send counts it and does not send it again.
   */
  #armedTimeout(): void {
    this.#armedSent = this.#armed;
    this.#step(TIMEOUT);
    if (this.#armedSent !== undefined) {
      this.#armedSent = undefined;
      this.#bug('timeout', new Error('the kernel timer sent the takeover advert but the router sent none on this timeout'));
    }
  }

  /** The armed datagram the kernel timer sent, when it is this advert's to `dst` (else a bug, logged: this one is sent too). */
  #takeArmedSent(payload: Uint8Array, dst: IpAddress): Raw4Armed | undefined {
    const sent = this.#armedSent!;
    this.#armedSent = undefined;
    if (sent.payload === payload && sent.dst === dst) return sent.send.datagram;
    this.#bug('timeout', new Error("the takeover advert the kernel timer sent is not the router's"));
    return undefined;
  }

  /**
   * A backup's next advert is its takeover's (RFC 3768 §6.4.2): its bytes and datagrams are built
   * ahead, while nothing waits, so the Master_Down timeout goes straight to sendto, and the first
   * destination's is armed on the timer (#armTakeover). The advert is the router's own (buildAdvert,
   * §7.2: configuration and current priority); #send compares field by field.
   */
  #prepareTakeover(): ArmedTakeover | undefined {
    if (this.router.state !== 'BACKUP') return undefined;
    const cfg = this.router.config;
    let p = this.#preparedFor;
    const priority = this.router.priority;
    const source = this.router.sourceIp;
    if (p === undefined || p.config !== cfg || p.priority !== priority || p.source !== source || p.destinations !== this.#destinations) {
      const advert = buildAdvert(cfg, priority);
      this.#destinations.forEach((dst, i) => this.#io.prepare?.(this.#advertBytes.bytes(i, advert, this.#checksumContext(dst)), dst));
      p = this.#preparedFor = { config: cfg, priority, source, destinations: this.#destinations, advert };
    }
    return this.#armTakeover(p.advert);
  }

  /**
   * The takeover advert to the first destination, armed for the kernel timer to send by itself
   * when the Master_Down timer expires (native-notes/timers.md, "The armed takeover advert"): the
   * bytes #send will hand the socket for the router's advert on that timeout (§6.4.2: become
   * Master, send an advert), looked up again at every step, so that a change of configuration,
   * priority, source, destination or socket re-arms it. Not sent when the timer fires more than
   * STALL_MS late (the socket is read first then) or a datagram waits on the socket.
   */
  #armTakeover(advert: Advert): ArmedTakeover | undefined {
    const dst = this.#destinations[0];
    if (dst === undefined || this.#io.armTakeover === undefined) return undefined;
    // The checksum context again each time: keepalived's old unicast checksum may have been adopted since.
    const payload = this.#advertBytes.bytes(0, advert, this.#checksumContext(dst));
    const datagram = this.#io.armTakeover(payload, dst);
    if (datagram === undefined) return undefined;
    const kept = this.#armedKept;
    if (kept !== undefined && kept.send.datagram === datagram && kept.payload === payload && kept.dst === dst) return kept;
    return (this.#armedKept = { payload, dst, send: { datagram, maxLateMs: STALL_MS } });
  }

  /** VRRPv3's checksum pseudo-header for `dst` (RFC 5798 §5.2.8); none for VRRPv2. */
  #checksumContext(dst: IpAddress): AdvertIpContext | undefined {
    const cfg = this.router.config;
    return cfg.version === 2 ? undefined : { family: cfg.family, src: this.router.sourceIp, dst: this.unicastChecksum?.pseudoHeaderDestination(dst) ?? dst };
  }

  #sendFailed(dst: IpAddress, detail: string | undefined): void {
    this.#counters.advertSendErrors++;
    const gate = this.#drops.check(`send:${dst}`, this.#io.now());
    if (gate.log) this.#io.log.error({ instance: this.name, dst, detail, suppressed: gate.suppressed }, 'advert send failed');
  }

  /** Send the gratuitous ARP bursts that are due, then wait for the next. */
  #onGarpTimer(): void {
    if (this.#garpCursor === undefined || this.router.state !== 'MASTER') return;
    const due = dueGarps(this.#spec.garp, this.#garpCursor, this.#io.now());
    this.#garpCursor = due.cursor;
    for (const burst of due.bursts) this.#sendGarps(burst.count);
    this.#garpTimer.arm(due.nextAt);
  }

  /** One burst of `count` gratuitous ARPs / NAs for every address (or those given), counted when it has gone out. */
  #sendGarps(count: number, addresses: readonly IpAddress[] = this.#spec.garpAddresses): void {
    const sending = this.#io.garp?.(addresses, count);
    if (!sending) return;
    const tally = (n: { sent: number; failed: number }): void => {
      this.#counters.garpSent += n.sent;
      this.#counters.garpFailures += n.failed;
    };
    background(sending.then(tally), (e) => this.#bug('garp', e));
  }

  // --- facts for status and metrics -----------------------------------------------------------

  #countTransition(from: RouterState, to: RouterState, reason: TransitionReason): void {
    const key = `${from}:${to}:${reason}`;
    const t = this.#transitions.get(key);
    this.#transitions.set(key, { from, to, reason, count: (t?.count ?? 0) + 1 });
  }

  /** The keeper's `ip addr` operations, counting failures and remembering where each VIP stands. */
  #countedVipOps(ops: VipOps<V>): VipOps<V> {
    const apply = async (state: 'present' | 'absent', vips: readonly V[]): Promise<readonly Result<unknown, { detail: string }>[]> => {
      const adding = state === 'present';
      const results = await ops.apply(state, vips);
      results.forEach((r, i) => {
        const vip = vips[i]!;
        if (!this.#placed.has(vip)) return; // dropped by a reload: no longer shown
        if (r.ok) this.#placed.set(vip, { present: adding });
        else {
          this.#counters[adding ? 'vipAddFailures' : 'vipRemoveFailures']++;
          this.#placed.set(vip, { present: this.#placed.get(vip)?.present ?? false, error: r.error.detail });
        }
      });
      return results;
    };
    return { apply, describe: (v) => ops.describe(v), ...(ops.prepare ? { prepare: (vs: readonly V[]) => ops.prepare?.(vs) } : {}) };
  }
}

/** The index in LATENESS_BOUNDS_MS of the first bound `lateMs` is within; past the last, the open bucket. */
function latenessBucket(lateMs: number): number {
  let i = 0;
  while (i < LATENESS_BOUNDS_MS.length && lateMs > LATENESS_BOUNDS_MS[i]!) i++;
  return i;
}

/** One host entry's identity across a reload (entries are plain data: equal text, same entry). */
function entryKey(v: unknown): string {
  return JSON.stringify(v);
}
