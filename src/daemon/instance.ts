/**
 * One vrrp_instance at run time: wires a pure Router to its socket (advert-sender.ts), its virtual
 * addresses (instance-vips.ts), its gratuitous ARPs (garp-announcer.ts) and its clock. The one
 * place where time and I/O meet the core: every input is stepped with `now()`, every returned
 * action is performed here, then the timer is re-armed for the router's next deadline.
 */
import { background, describeError } from '../background.js';
import { Router } from '../protocol/router.js';
import { UnicastChecksum } from '../protocol/unicast-checksum.js';
import type { Action, Input, RouterState, TrackerStatus, TransitionReason } from '../protocol/types.js';
import type { IpAddress } from '../wire/address.js';
import type { Advert } from '../wire/types.js';
import type { ReceivedAdvert } from '../io/vrrp-mux.js';
import { takeRefusedArmedFire, takeSentArmedFire } from '../io/kernel-timer.js';
import type { TrainTally } from '../io/advert-trains.js';
import { LATE_TIMER_MS, zeroInstanceIoCounters, type TransitionCount } from '../status/model.js';
import { ActionList, takeLoneAddVips } from './action-list.js';
import { AdvertSender } from './advert-sender.js';
import { AdvertTrainDriver } from './advert-train.js';
import { DeadlineTimer } from './clock.js';
import { GarpAnnouncer } from './garp-announcer.js';
import { InstanceVips } from './instance-vips.js';
import type { InstanceFacts, InstanceIo, InstanceSpec, PriorityEvent, StateEvent } from './instance-types.js';
import { RateLimiter } from './log.js';
import { foldTrainLateness, LatenessTally, type TimerLateness } from './timer-lateness.js';

export type { InstanceFacts, InstanceIo, InstanceSpec, PriorityEvent, StateEvent } from './instance-types.js';
export type { TimerLateness } from './timer-lateness.js';

/** A timer this late means the process did not run: a backup reads its socket before timing out. */
const STALL_MS = 5;

/** The input of every timer fire (the router keeps no input). */
const TIMEOUT: Input = { kind: 'timeout' };

export class Instance<V> {
  readonly router: Router;
  readonly name: string;
  /** keepalived's unicast checksum rule (VRRPv3 unicast over IPv4 only). */
  readonly unicastChecksum: UnicastChecksum | undefined;
  readonly #io: InstanceIo<V>;
  #spec: InstanceSpec<V>;
  readonly #timer: DeadlineTimer;
  readonly #garps: GarpAnnouncer;
  /** The VIPs, routes and rules, kept as the router wants them. */
  readonly #vips: InstanceVips<V>;
  /** The limiter of this instance's failure lines, made at the first: most instances never log one. */
  #dropsMade: RateLimiter | undefined = undefined;
  /** Replaced, not pushed to, by a subscription: a pushed-to array keeps room for 17. */
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
  /** Daemon-level counters (status/model.ts); the router keeps the protocol ones. */
  readonly #counters = zeroInstanceIoCounters();
  /**
   * Transitions counted by (from, to, reason), in first-seen order. A short list searched, not a
   * Map keyed by a built string: a Map's table and its key strings held ~450 bytes per instance.
   */
  #transitions: readonly TransitionCount[] = [];
  /** The adverts' bytes, the takeover advert built ahead and armed on the Master_Down timer. */
  readonly #sender: AdvertSender;
  readonly #lateness = new LatenessTally();
  /** A master's steady adverts, when the addon sends them (advert-train.ts). */
  readonly #train: AdvertTrainDriver;
  /** The last step was a master's Adver_Timer fire (a steady advert): only then is a train handed over. */
  #steady = false;
  constructor(spec: InstanceSpec<V>, io: InstanceIo<V>) {
    this.#spec = spec;
    this.#io = io;
    this.name = spec.router.name;
    this.router = new Router(spec.router);
    const old = spec.oldUnicastChecksum;
    this.unicastChecksum = old && new UnicastChecksum(old.mode, old.group);
    this.#sender = new AdvertSender(this.router, io, this.unicastChecksum, io.destinations, STALL_MS, {
      failed: (dst, detail) => this.#sendFailed(dst, detail),
      bug: (what, e) => this.#bug(what, e),
    });
    // Adverts are sent synchronously (advert-sender.ts), so an `ip` pass never runs while one waits.
    // The first GARP burst waits for the addresses to be in place.
    const log = io.log.child({ instance: this.name });
    this.#vips = new InstanceVips(spec.vips, spec.routes ?? [], io.vipOps, log, this.#counters, () => this.#garps.due(), (what, e) => this.#bug(what, e));
    this.#train = new AdvertTrainDriver(this.router, this.#sender, io.startTrain?.bind(io), {
      timeoutAt: (at) => this.#stepRouter(TIMEOUT, at),
      armOwnTimer: () => this.#timer.arm(this.router.nextDeadline(), this.#sender.armed),
      cancelOwnTimer: () => this.#timer.cancel(),
      now: io.now,
      bug: (what, e) => this.#bug(what, e),
      // A failed send is counted and logged when the instance's own timer sends the advert again; a late one ('late', sent by the train) by `late` below.
      stopped: (reason, errno) => io.log.debug({ instance: this.name, reason, errno }, "advert train stopped; the instance's own timer has the Adver_Timer again"),
      fold: (lateness) => this.#foldTrainLateness(lateness),
      late: (deadline, lateMs) => this.#countLateness(deadline, lateMs),
    });
    this.#timer = new DeadlineTimer(io.now, (deadline, late, armedSent) => this.#onTimer(deadline, late, armedSent));
    // When the queue sends the armed takeover advert itself, it sends these addresses right after (DeadlineQueue.takeover).
    this.#timer.ahead = () => this.#vips.ahead();
    this.#garps = new GarpAnnouncer(io.now, io, () => this.#spec, () => this.router.state === 'MASTER', this.#counters, (what, e) => this.#bug(what, e));
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
    this.reclaimTrain(); // its catch-up uses the destinations and configuration it ran with
    this.#spec = spec;
    this.#sender.reconfigure(destinations);
    this.#step({ kind: 'reconfigure', config: spec.router });
    this.#vips.replace(spec.vips, spec.routes ?? [], (added) => {
      if (added.length > 0 && fresh.length > 0 && this.router.state === 'MASTER' && this.#vips.wantedPresent) this.#garps.burst(spec.garp.repeat, fresh);
    });
  }

  /** Subscribe to state changes. */
  onStateChange(listener: (e: StateEvent) => void): void {
    this.#listeners = this.#listeners.concat(listener);
  }

  /** Subscribe to the router's own fault beginning or ending (vrrp_sync_group counts these). */
  onOwnFault(listener: (faulted: boolean, detail: string) => void): void {
    this.#faultListeners = this.#faultListeners.concat(listener);
  }

  /** Subscribe to effective priority changes. */
  onPriorityChange(listener: (e: PriorityEvent) => void): void {
    this.#priorityListeners = this.#priorityListeners.concat(listener);
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
    this.#garps.stop();
    await this.#vips.stop();
  }

  receive(rx: ReceivedAdvert): void {
    if (rx.checksum === 'old-unicast' && this.unicastChecksum?.oldStyleSeen()) {
      const detail = `${rx.ip.src} computes the checksum as if sending to ${this.unicastChecksum.group} (keepalived <= 1.3.6, old_unicast_checksum)`;
      this.#io.log.warn({ instance: this.name, from: rx.ip.src, detail }, 'old-style VRRPv3 unicast checksum detected: sending old-style from now on, as keepalived does');
    }
    if (this.router.state === 'MASTER') this.#train.masterReceived(this.#io.now());
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
    if (this.router.state !== 'MASTER' || !this.#vips.wantedPresent || lost.length === 0) return;
    this.#counters.vipRestored += lost.length;
    this.#io.log.warn({ instance: this.name, lost }, `${this.name}: virtual address ${lost.join(', ')} removed behind our back while MASTER; adding it back`);
    this.#garps.restart();
    this.#vips.repair();
  }

  /** A vrrp_sync_group order (another member moved). */
  sync(input: Extract<Input, { kind: 'sync' }>): void {
    this.#step(input);
  }

  /** The router's snapshot and what the instance adds to it (status/model.ts builds on this). */
  facts(): InstanceFacts<V> {
    // The counters the train moved (router's and socket's) are caught up first, then it runs on.
    if (this.#train.running) {
      this.reclaimTrain();
      this.#drive(undefined);
    }
    return {
      router: this.router.snapshot(),
      io: { ...this.#counters },
      transitions: this.#transitions,
      vips: this.#vips.placements(),
      vipsSettled: this.#vips.settled,
    };
  }

  // --- the loop -----------------------------------------------------------------------------

  /** Step the router with `input` and perform its actions (#drive); behind any input still waiting. */
  #step(input: Input): void {
    this.reclaimTrain();
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
          this.#timer.deferFirst(this.#askAddresses);
          break;
        }
      }
    } finally {
      this.#stepping = false;
    }
    if (this.router.state === 'BACKUP') this.#guard('prepare', this.#prepare);
    else this.#sender.disarm();
    // A train is handed over after a steady advert only: not in the middle of a takeover, whose
    // other instances' adverts would wait for it, nor at every received advert.
    const idle = this.#steady && this.#pending.length === 0 && this.#inbox.length === 0 && !this.#resumeDeferred;
    if (!this.#train.handOver(idle)) this.#timer.arm(this.router.nextDeadline(), this.#sender.armed);
  }

  /** One router step (at `at`, else now): its adverts leave at once, its other actions wait in #pending. */
  #stepRouter(input: Input, at?: number): void {
    const actions = this.#actions;
    const wasMaster = this.router.state === 'MASTER';
    this.#steady = false;
    try {
      this.router.stepInto(input, at ?? this.#io.now(), actions);
      this.#steady = input === TIMEOUT && wasMaster && this.router.state === 'MASTER';
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

  /**
   * A timer batch's first tier (DeadlineQueue.deferFirst): a takeover's addVips is performed ahead
   * of the step's other actions (its state line, listeners, GARP schedule), so that every instance
   * of the batch has asked for its addresses before any of that runs, and the daemon sends them
   * then (betweenTimerTiers). Only when it is the one address action pending: an add after a
   * remove keeps its place. The advert has left already; the GARPs still wait for the addresses.
   */
  readonly #askAddresses = (): void => {
    const add = this.#stepping ? undefined : takeLoneAddVips(this.#pending);
    if (add !== undefined) this.#performContained(add);
  };

  /** The end of a timer batch: what this instance's steps in it left to perform. */
  readonly #resume = (): void => {
    this.#resumeDeferred = false;
    this.#drive(undefined);
  };

  /** The sender's prepare, made once (a closure per step would be garbage); a throw leaves nothing armed. */
  readonly #prepare = (): void => this.#sender.prepare();

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
      this.#sender.send(advert);
    } catch (e) {
      this.#bug(what, e);
    }
  }

  /** The protocol timer's lateness so far (SIGUSR2 statistics; the soak bench reads it). */
  timerLateness(): TimerLateness {
    return this.#lateness.snapshot();
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
    this.#lateness.record(lateMs);
    if (lateMs > LATE_TIMER_MS) {
      this.#counters.timerLate++;
      this.#io.log.warn({ instance: this.name, deadline, lateMs: Math.round(lateMs) }, 'timer fired late');
    }
  }

  /** A train's sends, into the tally and the metrics hook as if the instance's own timer had fired them (timer-lateness.ts). */
  #foldTrainLateness(lateness: TrainTally): void {
    this.#lateness.fold(lateness);
    const onTimer = this.#io.onTimer;
    if (onTimer !== undefined) foldTrainLateness(lateness, (lateMs, n) => {
      for (let i = 0; i < n; i++) onTimer(lateMs);
    });
  }

  #perform(a: Action): void {
    const log = this.#io.log;
    switch (a.kind) {
      case 'sendAdvert':
      case 'sendPriorityZero':
        break; // sent at once by #stepRouter (#sendContained), never pending
      case 'addVips':
        this.#vips.add();
        break;
      case 'removeVips':
        this.#garps.stop();
        this.#vips.remove();
        break;
      case 'garp':
        this.#garps.start();
        if (this.#vips.settledPresent) this.#garps.due();
        break;
      case 'garpBurst':
        if (this.#vips.settledPresent) this.#garps.burst(a.count);
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
        const gate = this.#drops().check(key, this.#io.now());
        if (gate.log) {
          const level = a.kind === 'dropped' && a.reason === 'not-running' ? 'debug' : 'warn';
          log[level]({ instance: this.name, reason: key, from: a.from, detail: a.detail, suppressed: gate.suppressed }, a.kind === 'dropped' ? 'advert dropped' : 'advert accepted with a mismatch');
        }
        break;
      }
    }
  }

  /**
   * The Master_Down timeout whose advert the kernel timer sent at expiry (advert-sender.ts): the
   * router steps now, never through `later`, as the advert is out; the sender counts it and does
   * not send it again.
   */
  #armedTimeout(): void {
    this.#sender.beginArmedTimeout();
    this.#step(TIMEOUT);
    if (this.#sender.endArmedTimeout()) this.#bug('timeout', new Error('the kernel timer sent the takeover advert but the router sent none on this timeout'));
    // Unicast peers: to how many of them the fire sent it (the others from JavaScript on this step).
    const report = this.#sender.takeArmedReport();
    const peers = report !== undefined && report.destinations > 1 ? { armedTo: report.byTimer, destinations: report.destinations } : undefined;
    // How late the timerfd woke and the advert left (µs, timer.c): native-notes/timers.md, "The early wake". Only for
    // the advert the kernel timer sent at its wake-up: the others of a mass takeover, sent by the deadline queue, add no
    // line of their own to the pass that sends them (their state lines follow).
    const trace = takeSentArmedFire();
    if (trace !== undefined) {
      this.#io.log.info({ instance: this.name, ...trace, ...peers }, 'takeover advert sent by the kernel timer');
      return;
    }
    // The kernel timer refused it at its wake-up (woken too late, most often: a host that ran the
    // process late) and the queue's pass sent it: the same line's figures, so a late takeover says why.
    const refused = takeRefusedArmedFire();
    if (refused !== undefined) this.#io.log.info({ instance: this.name, ...refused, ...peers }, 'takeover advert sent by the deadline queue: the kernel timer refused it');
  }

  /** Takes the advert train back, if one runs (advert-train.ts): before anything else happens to the instance, and before its source changes. */
  reclaimTrain(): void {
    this.#train.reclaim();
  }

  #sendFailed(dst: IpAddress, detail: string | undefined): void {
    this.#counters.advertSendErrors++;
    const gate = this.#drops().check(`send:${dst}`, this.#io.now());
    if (gate.log) this.#io.log.error({ instance: this.name, dst, detail, suppressed: gate.suppressed }, 'advert send failed');
  }

  // --- facts for status and metrics -----------------------------------------------------------

  #drops(): RateLimiter {
    return (this.#dropsMade ??= new RateLimiter({ onSuppressed: (reason, n) => this.#io.log.warn({ instance: this.name, reason, suppressed: n }, `${n} more lines suppressed`) }));
  }

  #countTransition(from: RouterState, to: RouterState, reason: TransitionReason): void {
    const list = this.#transitions;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t.from === from && t.to === to && t.reason === reason) {
        const next = list.slice();
        next[i] = { from, to, reason, count: t.count + 1 };
        this.#transitions = next;
        return;
      }
    }
    this.#transitions = list.concat({ from, to, reason, count: 1 });
  }
}
