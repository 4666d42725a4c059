/**
 * The VRRP router of RFC 3768 §6 (VRRPv2) and RFC 5798 §6 (VRRPv3), sans-IO: `step(input, now)` returns the actions to perform,
 * `nextDeadline()` says when to call back with a `timeout` input. It reads no clock and does no I/O.
 *
 * All transitions go through `enter()`, which runs the one exit action of the old state and the
 * one entry action of the new state; the table below (TRANSITIONS) lists the legal moves, and any
 * other move is a bug that throws. Received adverts are checked for meaning (§7.1,
 * receive-checks.ts) in `#advert()` before the per-state rules of §6.4.2 / §6.4.3 (advert-rules.ts)
 * see them. The router owns its state and applies these pure pieces: the timer formulas
 * (timers.ts) and its deadlines (deadlines.ts), what FAULT and the effective priority are decided
 * from (health.ts), the configuration check and the advert it sends (router-config.ts), and
 * keepalived's answers when two masters meet (split-brain.ts).
 *
 * A step allocates little when nothing changes (a master's steady advert): the caller may pass its
 * own action list (`stepInto`), and the advert action is made again only when the configuration or
 * the priority changed (actions are immutable values).
 *
 * The versions differ in three places only: v2 checks authentication and the interval (§7.1), v3
 * has a backup adopt the master's interval as Master_Adver_Interval (RFC 5798 §6.4.2, §6.4.3), and
 * the timer formulas (timers.ts).
 */
import type { IpAddress } from '../wire/address.js';
import type { Advert } from '../wire/types.js';
import { backupHonours, masterYields } from './advert-rules.js';
import { zeroInstanceCounters, type InstanceCounters } from './counters.js';
import { Deadlines } from './deadlines.js';
import { Health } from './health.js';
import { OWNER_PRIORITY } from './priority.js';
import { admitAdvert } from './receive-checks.js';
import { identityClash } from './reconfigure.js';
import { AdvertActions, buildAdvert, checkConfig } from './router-config.js';
import { dueLowerPriorityGarps, lowerPriorityGarps, reconfigureLowerPriorityGarps, splitBrainOf } from './split-brain.js';
import { csToMs, masterDownIntervalMs, nextAdverDeadline, skewTimeMs } from './timers.js';
import type { Action, ActionSink, Input, RouterConfig, RouterSnapshot, RouterState, TransitionReason } from './types.js';

/** Legal transitions; anything else is a programming error. */
const TRANSITIONS: Readonly<Record<RouterState, readonly RouterState[]>> = {
  INIT: ['BACKUP', 'MASTER', 'FAULT'],
  BACKUP: ['MASTER', 'FAULT', 'INIT'],
  MASTER: ['BACKUP', 'FAULT', 'INIT'],
  FAULT: ['BACKUP', 'MASTER', 'INIT'],
};

/** One virtual router instance (VRRPv2 or VRRPv3, IPv4 or IPv6). */
export class Router {
  #config: RouterConfig;
  #state: RouterState = 'INIT';
  #since = 0;
  #running = false;
  /** The address our adverts leave from: the §6.4.3 tie-break address, and our master address. */
  #sourceIp: IpAddress;
  /** Link, source address, sync group and trackers: FAULT and the effective priority. */
  readonly #health: Health;
  readonly #timers = new Deadlines();
  readonly #adverts = new AdvertActions();
  #masterIp: IpAddress | undefined;
  #masterPriority: number | undefined;
  /** RFC 5798 §6.1 Master_Adver_Interval (cs): ours, or under v3 the master's as learned. */
  #masterAdverIntervalCs: number;
  #reason: TransitionReason | undefined;
  #reasonDetail = '';
  /** The per virtual router counters (counters.ts); the receive path moves its own drops here too. */
  readonly counters: InstanceCounters = zeroInstanceCounters();

  constructor(config: RouterConfig) {
    checkConfig(config);
    this.#config = config;
    this.#sourceIp = config.primaryIp;
    this.#masterAdverIntervalCs = config.adverIntervalCs;
    this.#health = new Health(config.priority);
  }

  /** The configuration in force (a reload may replace it: the `reconfigure` input). */
  get config(): RouterConfig {
    return this.#config;
  }

  get state(): RouterState {
    return this.#state;
  }

  /** The priority we advertise now: base adjusted by trackers (RFC 3768 §5.3.4, keepalived weights). */
  get priority(): number {
    return this.#health.prio.priority;
  }

  /** RFC 3768 §6.1 / RFC 5798 §6.1 Skew_Time for our current priority and Master_Adver_Interval, in ms. */
  get skewTimeMs(): number {
    return skewTimeMs(this.config.version, this.#health.prio.priority, this.#masterAdverIntervalCs);
  }

  /** RFC 3768 §6.1 / RFC 5798 §6.1 Master_Down_Interval for our current priority, in ms. */
  get masterDownIntervalMs(): number {
    return masterDownIntervalMs(this.config.version, this.#health.prio.priority, this.#masterAdverIntervalCs);
  }

  /** The address our adverts leave from now (RFC 3768 §5.2.1, RFC 5798 §5.1.2.1). */
  get sourceIp(): IpAddress {
    return this.#sourceIp;
  }

  /** Master_Adver_Interval in centiseconds (learned from the master under VRRPv3). */
  get masterAdverIntervalCs(): number {
    return this.#masterAdverIntervalCs;
  }

  /** When the caller must step us with `timeout` next, or undefined when no timer runs. */
  nextDeadline(): number | undefined {
    return this.#timers.next(this.#state);
  }

  /** Feed one input at monotonic time `now` (ms); returns the actions to perform in order. */
  step(input: Input, now: number): Action[] {
    const out: Action[] = [];
    this.stepInto(input, now, out);
    return out;
  }

  /** `step`, with the actions pushed onto `out` (the caller's list, which it may reuse). */
  stepInto(input: Input, now: number, out: ActionSink): void {
    const faultedBefore = this.#ownFaulted();
    this.#handle(input, now, out);
    const faulted = this.#ownFaulted();
    if (faulted !== faultedBefore) out.push({ kind: 'ownFault', faulted, detail: faulted ? this.#health.ownFaultDetail() : 'fault cleared' });
  }

  #handle(input: Input, now: number, out: ActionSink): void {
    switch (input.kind) {
      case 'startup':
        this.#startup(now, input.holdMs ?? 0, out);
        break;
      case 'shutdown':
        this.#shutdown(now, out);
        break;
      case 'timeout':
        this.#timeout(now, out);
        break;
      case 'advert':
        this.#advert(input.advert, input.srcIp, now, Math.min(input.receivedAt ?? now, now), out);
        break;
      case 'trackers':
        this.#health.trackers = input.trackers;
        this.#reevaluate(now, out);
        break;
      case 'link':
        this.#health.linkUp = input.up;
        this.#reevaluate(now, out);
        break;
      case 'source':
        this.#source(input.ip, input.detail, now, out);
        break;
      case 'sync':
        this.#sync(input.to, input.detail, now, out);
        break;
      case 'reconfigure':
        this.#reconfigure(input.config, now, out);
        break;
    }
  }

  snapshot(): RouterSnapshot {
    return {
      name: this.config.name,
      vrid: this.config.vrid,
      version: this.config.version,
      family: this.config.family,
      state: this.#state,
      basePriority: this.config.priority,
      effectivePriority: this.#health.prio.priority,
      masterIp: this.#masterIp,
      masterPriority: this.#masterPriority,
      masterAdverIntervalCs: this.#masterAdverIntervalCs,
      since: this.#since,
      reason: this.#reason,
      reasonDetail: this.#reasonDetail,
      linkUp: this.#health.linkUp,
      sourceIp: this.#sourceIp,
      faultReasons: this.#health.reasons(),
      counters: { ...this.counters },
    };
  }

  // --- inputs -------------------------------------------------------------------------------

  /** RFC 3768 §6.4.1 / RFC 5798 §6.4.1: leave Initialize on Startup (after `holdMs`, keepalived vrrp_startup_delay). */
  #startup(now: number, holdMs: number, out: ActionSink): void {
    if (this.#running) throw new Error(`${this.config.name}: startup while already running`);
    this.#running = true;
    this.#timers.startupHoldUntil = now + Math.max(0, holdMs);
    this.#leaveQuietState('startup', now, out);
  }

  /** §6.4.2 / §6.4.3 Shutdown: back to Initialize, a master says goodbye with priority 0. */
  #shutdown(now: number, out: ActionSink): void {
    if (!this.#running) return;
    this.#running = false;
    this.#enter('INIT', 'shutdown', 'shutdown requested', now, out);
  }

  #timeout(now: number, out: ActionSink): void {
    if (this.#state === 'MASTER') dueLowerPriorityGarps(this.config, this.#timers, now, out);
    const timers = this.#timers;
    if (this.#state === 'BACKUP' && timers.masterDownAt !== undefined && now >= timers.masterDownAt) {
      // §6.4.2: "If the Master_Down_Timer fires" -> Master.
      this.#enter('MASTER', 'master-down-timer', this.#masterIp ? `no advert from ${this.#masterIp}` : 'no master heard', now, out);
    } else if (this.#state === 'MASTER' && timers.adverAt !== undefined && now >= timers.adverAt) {
      // §6.4.3: "If the Adver_Timer fires": send an advert, reset the timer.
      this.#sendAdvert(out);
      timers.adverAt = nextAdverDeadline(timers.adverAt, now, csToMs(this.config.adverIntervalCs));
    }
  }

  /** An advert processed at `now` that reached the host at `receivedAt` (<= now). */
  #advert(advert: Advert, srcIp: IpAddress, now: number, receivedAt: number, out: ActionSink): void {
    if (!admitAdvert(this.config, this.#state, this.#running, advert, srcIp, this.counters, out)) return;
    if (this.#state === 'BACKUP') this.#backupReceives(advert, srcIp, receivedAt);
    else if (this.#state === 'MASTER') this.#masterReceives(advert, srcIp, now, out);
  }

  /** RFC 3768 §6.4.2 / RFC 5798 §6.4.2: an accepted advert while Backup; its timers run from `now`, when it arrived. */
  #backupReceives(advert: Advert, srcIp: IpAddress, now: number): void {
    if (advert.priority === 0) {
      // The master is leaving: take over after Skew_Time unless a better backup speaks first.
      this.#timers.masterDownIn(now, this.skewTimeMs);
      this.#masterIp = undefined;
      this.#masterPriority = undefined;
      return;
    }
    const { honour, preemptHoldUntil } = backupHonours(this.config, advert.priority, this.#health.prio.priority, now, this.#timers.preemptHoldUntil);
    this.#timers.preemptHoldUntil = preemptHoldUntil;
    if (!honour) return; // §6.4.2: "Otherwise: Discard the ADVERTISEMENT"
    this.#learnInterval(advert); // RFC 5798 §6.4.2: Master_Adver_Interval from the advert
    this.#timers.masterDownIn(now, this.masterDownIntervalMs);
    this.#masterIp = srcIp;
    this.#masterPriority = advert.priority;
  }

  /** RFC 3768 §6.4.3 / RFC 5798 §6.4.3: an accepted advert while Master. */
  #masterReceives(advert: Advert, srcIp: IpAddress, now: number, out: ActionSink): void {
    if (advert.priority === 0) {
      // Another router is leaving: re-assert at once so backups keep their timers.
      this.#sendAdvert(out);
      this.#timers.adverAt = now + csToMs(this.config.adverIntervalCs);
      return;
    }
    const why = masterYields(advert.priority, srcIp, this.#health.prio.priority, this.#sourceIp);
    if (why === undefined) {
      this.#lowerPriorityMaster(now, out);
      return;
    }
    // keepalived higher_prio_send_advert: one advert at our priority before stepping down.
    if (splitBrainOf(this.config).higherPrioSendAdvert) this.#sendAdvert(out);
    this.#masterIp = srcIp;
    this.#masterPriority = advert.priority;
    this.#learnInterval(advert); // RFC 5798 §6.4.3: Master_Adver_Interval from the advert, then Backup
    this.#enter('BACKUP', 'higher-priority-advert', `${srcIp}: ${why}${this.#health.trackerNote()}`, now, out);
  }

  /**
   * §6.4.3: "Otherwise: Discard the ADVERTISEMENT". Like keepalived, also re-assert (split-brain.ts):
   * an advert at once, so a lower-priority router that thinks it is master steps down now, and GARPs.
   */
  #lowerPriorityMaster(now: number, out: ActionSink): void {
    if (!splitBrainOf(this.config).lowerPrioNoAdvert) {
      this.#sendAdvert(out);
      this.#timers.adverAt = now + csToMs(this.config.adverIntervalCs);
    }
    lowerPriorityGarps(this.config, this.#timers, now, out);
  }

  /**
   * The interface's address changed: adverts leave from the new one (a master keeps its state:
   * the backups accept any source, §7.1), or, with none left, FAULT until one comes back.
   */
  #source(ip: IpAddress | undefined, detail: string, now: number, out: ActionSink): void {
    this.#health.noSource = ip === undefined ? detail : undefined;
    if (ip !== undefined && ip !== this.#sourceIp) {
      this.#sourceIp = ip;
      if (this.#state === 'MASTER') this.#masterIp = ip;
    }
    this.#reevaluate(now, out);
  }

  /** keepalived vrrp_sync_group: follow another member's move. */
  #sync(to: 'MASTER' | 'BACKUP' | 'FAULT' | 'OK', detail: string, now: number, out: ActionSink): void {
    if (to === 'FAULT' || to === 'OK') {
      this.#health.syncFault = to === 'FAULT' ? detail : undefined;
      this.#reevaluate(now, out);
    } else if (to === 'MASTER' && this.#state === 'BACKUP') {
      this.#enter('MASTER', 'sync-group', detail, now, out);
    } else if (to === 'BACKUP' && this.#state === 'MASTER') {
      this.#enter('BACKUP', 'sync-group', detail, now, out);
    }
  }

  /**
   * A reload changed this router's settings but not its identity (reconfigure.ts): take them with
   * no transition. The state machine then runs on the new values by its ordinary rules: a master
   * whose priority drops stays master until a better advert arrives (§6.4.3) or a preempting
   * backup's Master_Down_Timer fires (§6.4.2); a backup that now outranks the master with preempt
   * discards its adverts and takes over when its Master_Down_Timer fires; a backup that becomes the
   * address owner takes over at once, as at startup (§6.4.1: the owner is Master).
   */
  #reconfigure(next: RouterConfig, now: number, out: ActionSink): void {
    const clash = identityClash(this.#config, next);
    if (clash) throw new Error(`${this.#config.name}: reconfigure cannot change ${clash} (restart the instance)`);
    checkConfig(next);
    const prev = this.#config;
    this.#config = next;
    // A changed preempt rule starts preempt_delay afresh at the next lower-priority advert.
    const timers = this.#timers;
    if (prev.preempt !== next.preempt || prev.preemptDelayMs !== next.preemptDelayMs) timers.preemptHoldUntil = undefined;
    reconfigureLowerPriorityGarps(next, timers);
    // Master_Adver_Interval is ours except in a VRRPv3 backup, which keeps the one learned from the master.
    if (next.version === 2 || this.#state !== 'BACKUP') this.#masterAdverIntervalCs = next.adverIntervalCs;
    // §6.4.3 Adver_Timer: a shorter interval applies from now, a longer one after the advert already due.
    if (this.#state === 'MASTER' && timers.adverAt !== undefined) timers.adverAt = Math.min(timers.adverAt, now + csToMs(next.adverIntervalCs));
    this.#reevaluate(now, out);
    if (this.#state === 'BACKUP' && (next.priority === OWNER_PRIORITY) !== (prev.priority === OWNER_PRIORITY)) this.#armMasterDown(now);
  }

  /** Trackers or link changed: recompute priority and FAULT, and move if needed. */
  #reevaluate(now: number, out: ActionSink): void {
    this.#health.recompute(this.config.priority, out);
    if (this.#state === 'MASTER') this.#masterPriority = this.#health.prio.priority;
    if (!this.#running) return;
    const faults = this.#health.reasons();
    if (faults.length > 0 && this.#state !== 'FAULT') {
      this.#enter('FAULT', this.#health.reason(), faults.join(', '), now, out);
    } else if (faults.length === 0 && this.#state === 'FAULT') {
      this.#leaveQuietState('fault-cleared', now, out);
    }
  }

  // --- states -------------------------------------------------------------------------------

  /** From INIT or FAULT: FAULT if something is wrong, else §6.4.1 (owner -> Master, others -> Backup). */
  #leaveQuietState(reason: 'startup' | 'fault-cleared', now: number, out: ActionSink): void {
    const faults = this.#health.reasons();
    if (faults.length > 0) {
      if (this.#state !== 'FAULT') {
        this.#enter('FAULT', this.#health.reason(), faults.join(', '), now, out);
      }
      return;
    }
    const holdUntil = this.#timers.startupHoldUntil;
    if (this.config.priority === OWNER_PRIORITY && now >= holdUntil) {
      this.#enter('MASTER', reason === 'startup' ? 'startup-owner' : reason, 'address owner (priority 255)', now, out);
    } else {
      const held = now < holdUntil ? `, held back by vrrp_startup_delay for ${holdUntil - now} ms` : '';
      this.#enter('BACKUP', reason, `priority ${this.#health.prio.priority}${held}`, now, out);
    }
  }

  /** The one place where state changes: exit action of the old state, entry action of the new. */
  #enter(to: RouterState, reason: TransitionReason, detail: string, now: number, out: ActionSink): void {
    const from = this.#state;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`${this.config.name}: illegal transition ${from} -> ${to}`);
    this.#state = to;
    this.#since = now;
    this.#reason = reason;
    this.#reasonDetail = detail;
    out.push({ kind: 'stateChanged', from, to, reason, detail });
    if (from === 'MASTER') this.#exitMaster(to, out);
    this.#timers.stop();
    switch (to) {
      case 'MASTER':
        this.counters.becomeMaster++;
        this.#masterIp = this.#sourceIp;
        this.#masterPriority = this.#health.prio.priority;
        this.#masterAdverIntervalCs = this.config.adverIntervalCs;
        // §6.4.1 / §6.4.2: send an advert, announce the addresses (gratuitous ARP / unsolicited
        // NA), start the Adver_Timer. The advert goes first: it is what stops the other routers'
        // timers; the addresses must be in place before the announcements.
        this.#sendAdvert(out);
        out.push({ kind: 'addVips', vips: this.config.vips });
        out.push({ kind: 'garp', vips: this.config.vips });
        this.#timers.adverAt = now + csToMs(this.config.adverIntervalCs);
        break;
      case 'BACKUP':
        this.counters.becomeBackup++;
        // RFC 5798 §6.4.1: a fresh backup starts from its own interval; one stepping down for a
        // better master has just learned the master's (§6.4.3).
        if (reason !== 'higher-priority-advert') this.#masterAdverIntervalCs = this.config.adverIntervalCs;
        this.#armMasterDown(now);
        break;
      case 'FAULT':
        this.counters.becomeFault++;
        this.#masterIp = undefined;
        this.#masterPriority = undefined;
        break;
      case 'INIT':
        this.#masterIp = undefined;
        this.#masterPriority = undefined;
        break;
    }
  }

  /** Leaving Master: to FAULT or INIT say so with priority 0 (§6.4.3 Shutdown), and give up the VIPs. */
  #exitMaster(to: RouterState, out: ActionSink): void {
    if (to === 'FAULT' || to === 'INIT') {
      this.counters.priorityZeroPktsSent++;
      this.counters.advertiseSent++;
      out.push({ kind: 'sendPriorityZero', advert: buildAdvert(this.config, 0) });
    }
    out.push({ kind: 'removeVips', vips: this.config.vips });
  }

  /** §6.4.3 / §7.2: an advert at our priority. */
  #sendAdvert(out: ActionSink): void {
    this.counters.advertiseSent++;
    out.push(this.#adverts.of(this.config, this.#health.prio.priority));
  }

  /** §6.4.2: the Master_Down_Timer from `now`; an owner held back by vrrp_startup_delay takes over as soon as the hold ends (keepalived: 1 µs). */
  #armMasterDown(now: number): void {
    this.#timers.masterDownIn(now, this.config.priority === OWNER_PRIORITY ? 0 : this.masterDownIntervalMs);
  }

  /** RFC 5798 §6.4.2 / §6.4.3: under VRRPv3 Master_Adver_Interval follows the master's adverts. */
  #learnInterval(advert: Advert): void {
    if (this.config.version === 3) this.#masterAdverIntervalCs = advert.adverIntervalCs;
  }

  /** Running with a fault of its own: what a sync group counts (keepalived's num_member_fault). */
  get ownFaulted(): boolean {
    return this.#ownFaulted();
  }

  #ownFaulted(): boolean {
    return this.#running && this.#health.ownFault();
  }
}
