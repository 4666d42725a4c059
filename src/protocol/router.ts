/**
 * The VRRPv2 router of RFC 3768 §6, sans-IO: `step(input, now)` returns the actions to perform,
 * `nextDeadline()` says when to call back with a `timeout` input. It reads no clock and does no I/O.
 *
 * All transitions go through `enter()`, which runs the one exit action of the old state and the
 * one entry action of the new state; the table below (TRANSITIONS) lists the legal moves, and any
 * other move is a bug that throws. Received adverts are checked for meaning (§7.1) in
 * `acceptAdvert()` before the per-state rules of §6.4.2 / §6.4.3 see them.
 */
import type { Advert, Ipv4String } from '../wire/types.js';
import { effectivePriority, OWNER_PRIORITY, type EffectivePriority } from './priority.js';
import { masterDownIntervalMs, skewTimeMs } from './timers.js';
import type {
  Action,
  DropReason,
  Input,
  RouterConfig,
  RouterCounters,
  RouterSnapshot,
  RouterState,
  TrackerStatus,
  TransitionReason,
} from './types.js';
import { compareIpv4, sameAddressSet } from './address.js';
import { checkAdvert } from './receive-checks.js';

/** Legal transitions; anything else is a programming error. */
const TRANSITIONS: Readonly<Record<RouterState, readonly RouterState[]>> = {
  INIT: ['BACKUP', 'MASTER', 'FAULT'],
  BACKUP: ['MASTER', 'FAULT', 'INIT'],
  MASTER: ['BACKUP', 'FAULT', 'INIT'],
  FAULT: ['BACKUP', 'MASTER', 'INIT'],
};

const zeroCounters = (): RouterCounters => ({
  becomeMaster: 0,
  becomeBackup: 0,
  becomeFault: 0,
  advertiseRcvd: 0,
  advertiseSent: 0,
  priorityZeroPktsRcvd: 0,
  priorityZeroPktsSent: 0,
  ipTtlErrors: 0,
  vrIdErrors: 0,
  ownerConflicts: 0,
  authTypeMismatch: 0,
  authFailures: 0,
  advertiseIntervalErrors: 0,
  addressListErrors: 0,
  discardedNotRunning: 0,
});

/** Which counter each drop reason moves (RFC 2787 VRRP-MIB names). */
const DROP_COUNTER: Readonly<Record<DropReason, keyof RouterCounters>> = {
  'ip-ttl': 'ipTtlErrors',
  vrid: 'vrIdErrors',
  owner: 'ownerConflicts',
  'auth-type-mismatch': 'authTypeMismatch',
  'auth-failure': 'authFailures',
  'interval-mismatch': 'advertiseIntervalErrors',
  'address-list': 'addressListErrors',
  'not-running': 'discardedNotRunning',
};

/** One VRRPv2 virtual router instance. */
export class Router {
  readonly config: RouterConfig;
  #state: RouterState = 'INIT';
  #since = 0;
  #running = false;
  #linkUp = true;
  #trackers: readonly TrackerStatus[] = [];
  #prio: EffectivePriority;
  /** §6.2 Master_Down_Timer deadline (BACKUP only). */
  #masterDownAt: number | undefined;
  /** §6.2 Adver_Timer deadline (MASTER only). */
  #adverAt: number | undefined;
  /** keepalived preempt_delay: lower-priority adverts are honoured until this time. */
  #preemptHoldUntil: number | undefined;
  #masterIp: Ipv4String | undefined;
  /** Set while a sync group member is in FAULT (keepalived holds the whole group there). */
  #syncFault: string | undefined;
  readonly #counters: RouterCounters = zeroCounters();

  constructor(config: RouterConfig) {
    if (config.authData.length !== 8) throw new RangeError('authData must be exactly 8 bytes');
    if (config.adverIntervalMs <= 0) throw new RangeError('adverIntervalMs must be positive');
    this.config = config;
    this.#prio = effectivePriority(config.priority, []);
  }

  get state(): RouterState {
    return this.#state;
  }

  /** The priority we advertise now: base adjusted by trackers (RFC 3768 §5.3.4, keepalived weights). */
  get priority(): number {
    return this.#prio.priority;
  }

  /** RFC 3768 §6.1 Skew_Time for our current priority, in ms. */
  get skewTimeMs(): number {
    return skewTimeMs(this.#prio.priority);
  }

  /** RFC 3768 §6.1 Master_Down_Interval for our current priority, in ms. */
  get masterDownIntervalMs(): number {
    return masterDownIntervalMs(this.config.adverIntervalMs, this.#prio.priority);
  }

  /** When the caller must step us with `timeout` next, or undefined when no timer runs. */
  nextDeadline(): number | undefined {
    if (this.#state === 'BACKUP') return this.#masterDownAt;
    if (this.#state === 'MASTER') return this.#adverAt;
    return undefined;
  }

  /** Feed one input at monotonic time `now` (ms); returns the actions to perform in order. */
  step(input: Input, now: number): Action[] {
    const out: Action[] = [];
    switch (input.kind) {
      case 'startup':
        this.#startup(now, out);
        break;
      case 'shutdown':
        this.#shutdown(now, out);
        break;
      case 'timeout':
        this.#timeout(now, out);
        break;
      case 'advert':
        this.#advert(input.advert, input.srcIp, input.ttl, now, out);
        break;
      case 'trackers':
        this.#trackers = input.trackers;
        this.#reevaluate(now, out);
        break;
      case 'link':
        this.#linkUp = input.up;
        this.#reevaluate(now, out);
        break;
      case 'sync':
        this.#sync(input.to, input.detail, now, out);
        break;
    }
    return out;
  }

  snapshot(): RouterSnapshot {
    return {
      name: this.config.name,
      vrid: this.config.vrid,
      state: this.#state,
      basePriority: this.config.priority,
      effectivePriority: this.#prio.priority,
      masterIp: this.#masterIp,
      since: this.#since,
      linkUp: this.#linkUp,
      faultReasons: this.#faultReasons(),
      counters: { ...this.#counters },
    };
  }

  // --- inputs -------------------------------------------------------------------------------

  /** RFC 3768 §6.4.1: leave Initialize on Startup. */
  #startup(now: number, out: Action[]): void {
    if (this.#running) throw new Error(`${this.config.name}: startup while already running`);
    this.#running = true;
    this.#leaveQuietState('startup', now, out);
  }

  /** §6.4.2 / §6.4.3 Shutdown: back to Initialize, a master says goodbye with priority 0. */
  #shutdown(now: number, out: Action[]): void {
    if (!this.#running) return;
    this.#running = false;
    this.#enter('INIT', 'shutdown', 'shutdown requested', now, out);
  }

  #timeout(now: number, out: Action[]): void {
    if (this.#state === 'BACKUP' && this.#masterDownAt !== undefined && now >= this.#masterDownAt) {
      // §6.4.2: "If the Master_Down_Timer fires" -> Master.
      this.#enter('MASTER', 'master-down-timer', this.#masterIp ? `no advert from ${this.#masterIp}` : 'no master heard', now, out);
    } else if (this.#state === 'MASTER' && this.#adverAt !== undefined && now >= this.#adverAt) {
      // §6.4.3: "If the Adver_Timer fires": send an advert, reset the timer. Deadlines chain from the
      // previous deadline (no drift); after a stall longer than an interval we restart from now.
      this.#sendAdvert(out);
      const next = this.#adverAt + this.config.adverIntervalMs;
      this.#adverAt = next > now ? next : now + this.config.adverIntervalMs;
    }
  }

  #advert(advert: Advert, srcIp: Ipv4String, ttl: number, now: number, out: Action[]): void {
    const running = this.#running && (this.#state === 'BACKUP' || this.#state === 'MASTER');
    const rejection = running ? checkAdvert(this.config, advert, ttl) : { reason: 'not-running' as const, detail: `received in ${this.#state}` };
    if (rejection) {
      this.#counters[DROP_COUNTER[rejection.reason]]++;
      out.push({ kind: 'dropped', reason: rejection.reason, from: srcIp, detail: rejection.detail });
      return;
    }
    if (!sameAddressSet(advert.addresses, this.config.vips)) {
      this.#counters.addressListErrors++;
      const detail = `advertises [${advert.addresses.join(', ')}], we have [${this.config.vips.join(', ')}]`;
      // §7.1: only the address owner's adverts may continue when the list differs.
      if (this.config.addressMismatch === 'drop' && advert.priority !== OWNER_PRIORITY) {
        out.push({ kind: 'dropped', reason: 'address-list', from: srcIp, detail });
        return;
      }
      out.push({ kind: 'notice', code: 'address-list-mismatch', from: srcIp, detail });
    }
    this.#counters.advertiseRcvd++;
    if (advert.priority === 0) this.#counters.priorityZeroPktsRcvd++;
    if (this.#state === 'BACKUP') this.#backupReceives(advert, srcIp, now);
    else if (this.#state === 'MASTER') this.#masterReceives(advert, srcIp, now, out);
  }

  /** RFC 3768 §6.4.2: an accepted advert while Backup. */
  #backupReceives(advert: Advert, srcIp: Ipv4String, now: number): void {
    if (advert.priority === 0) {
      // The master is leaving: take over after Skew_Time unless a better backup speaks first.
      this.#masterDownAt = now + this.skewTimeMs;
      this.#masterIp = undefined;
      return;
    }
    const ours = this.#prio.priority;
    let honour = !this.config.preempt || advert.priority >= ours;
    if (honour) {
      this.#preemptHoldUntil = undefined;
    } else if (this.config.preemptDelayMs > 0) {
      // keepalived preempt_delay: keep deferring to a lower-priority master for a while.
      this.#preemptHoldUntil ??= now + this.config.preemptDelayMs;
      honour = now < this.#preemptHoldUntil;
    }
    if (!honour) return; // §6.4.2: "Otherwise: Discard the ADVERTISEMENT"
    this.#masterDownAt = now + this.masterDownIntervalMs;
    this.#masterIp = srcIp;
  }

  /** RFC 3768 §6.4.3: an accepted advert while Master. */
  #masterReceives(advert: Advert, srcIp: Ipv4String, now: number, out: Action[]): void {
    if (advert.priority === 0) {
      // Another router is leaving: re-assert at once so backups keep their timers.
      this.#sendAdvert(out);
      this.#adverAt = now + this.config.adverIntervalMs;
      return;
    }
    const ours = this.#prio.priority;
    const wins =
      advert.priority > ours || (advert.priority === ours && compareIpv4(srcIp, this.config.primaryIp) > 0);
    if (!wins) {
      // §6.4.3: "Otherwise: Discard the ADVERTISEMENT". Like keepalived, also re-assert at once
      // (advert + gratuitous ARP) so a lower-priority router that thinks it is master, e.g.
      // after a partition heals, steps down now and neighbours' ARP caches point back to us.
      this.#sendAdvert(out);
      out.push({ kind: 'garp', vips: this.config.vips });
      this.#adverAt = now + this.config.adverIntervalMs;
      return;
    }
    this.#masterIp = srcIp;
    const why = advert.priority > ours ? `priority ${advert.priority} > ours ${ours}` : `equal priority ${ours}, higher address`;
    this.#enter('BACKUP', 'higher-priority-advert', `${srcIp}: ${why}${this.#trackerNote()}`, now, out);
  }

  /** " (chk_nginx -20)" when trackers move our priority: the state line says which one did. */
  #trackerNote(): string {
    const moved = this.#movedBy();
    return moved.length > 0 ? ` (${moved.join(', ')})` : '';
  }

  /** The trackers moving our priority now, as "name -20". */
  #movedBy(): string[] {
    return this.#prio.contributions.map((c) => `${c.name} ${c.delta > 0 ? '+' : ''}${c.delta}`);
  }

  /** keepalived vrrp_sync_group: follow another member's move. */
  #sync(to: 'MASTER' | 'BACKUP' | 'FAULT' | 'OK', detail: string, now: number, out: Action[]): void {
    if (to === 'FAULT' || to === 'OK') {
      this.#syncFault = to === 'FAULT' ? detail : undefined;
      this.#reevaluate(now, out);
    } else if (to === 'MASTER' && this.#state === 'BACKUP') {
      this.#enter('MASTER', 'sync-group', detail, now, out);
    } else if (to === 'BACKUP' && this.#state === 'MASTER') {
      this.#enter('BACKUP', 'sync-group', detail, now, out);
    }
  }

  /** Trackers or link changed: recompute priority and FAULT, and move if needed. */
  #reevaluate(now: number, out: Action[]): void {
    const before = this.#prio;
    this.#prio = effectivePriority(this.config.priority, this.#trackers);
    if (before.priority !== this.#prio.priority) {
      const moved = this.#movedBy();
      out.push({
        kind: 'priorityChanged',
        from: before.priority,
        to: this.#prio.priority,
        detail: moved.length > 0 ? moved.join(', ') : 'all trackers neutral',
      });
    }
    if (!this.#running) return;
    const faults = this.#faultReasons();
    if (faults.length > 0 && this.#state !== 'FAULT') {
      this.#enter('FAULT', this.#faultReason(), faults.join(', '), now, out);
    } else if (faults.length === 0 && this.#state === 'FAULT') {
      this.#leaveQuietState('fault-cleared', now, out);
    }
  }

  // --- states -------------------------------------------------------------------------------

  /** From INIT or FAULT: FAULT if something is wrong, else §6.4.1 (owner -> Master, others -> Backup). */
  #leaveQuietState(reason: 'startup' | 'fault-cleared', now: number, out: Action[]): void {
    const faults = this.#faultReasons();
    if (faults.length > 0) {
      if (this.#state !== 'FAULT') {
        this.#enter('FAULT', this.#faultReason(), faults.join(', '), now, out);
      }
      return;
    }
    if (this.config.priority === OWNER_PRIORITY) {
      this.#enter('MASTER', reason === 'startup' ? 'startup-owner' : reason, 'address owner (priority 255)', now, out);
    } else {
      this.#enter('BACKUP', reason, `priority ${this.#prio.priority}`, now, out);
    }
  }

  /** The one place where state changes: exit action of the old state, entry action of the new. */
  #enter(to: RouterState, reason: TransitionReason, detail: string, now: number, out: Action[]): void {
    const from = this.#state;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`${this.config.name}: illegal transition ${from} -> ${to}`);
    this.#state = to;
    this.#since = now;
    out.push({ kind: 'stateChanged', from, to, reason, detail });
    if (from === 'MASTER') this.#exitMaster(to, out);
    this.#masterDownAt = undefined;
    this.#adverAt = undefined;
    switch (to) {
      case 'MASTER':
        this.#counters.becomeMaster++;
        this.#masterIp = this.config.primaryIp;
        // §6.4.1 / §6.4.2: send an advert, broadcast gratuitous ARP, start the Adver_Timer.
        // The advert goes first: it is what stops the other routers' timers; the addresses
        // must be in place before the gratuitous ARPs announce them.
        this.#sendAdvert(out);
        out.push({ kind: 'addVips', vips: this.config.vips });
        out.push({ kind: 'garp', vips: this.config.vips });
        this.#adverAt = now + this.config.adverIntervalMs;
        break;
      case 'BACKUP':
        this.#counters.becomeBackup++;
        this.#masterDownAt = now + this.masterDownIntervalMs;
        break;
      case 'FAULT':
        this.#counters.becomeFault++;
        this.#masterIp = undefined;
        break;
      case 'INIT':
        this.#masterIp = undefined;
        break;
    }
  }

  /** Leaving Master: to FAULT or INIT say so with priority 0 (§6.4.3 Shutdown), and give up the VIPs. */
  #exitMaster(to: RouterState, out: Action[]): void {
    if (to === 'FAULT' || to === 'INIT') {
      this.#counters.priorityZeroPktsSent++;
      out.push({ kind: 'sendPriorityZero', advert: this.#buildAdvert(0) });
    }
    out.push({ kind: 'removeVips', vips: this.config.vips });
  }

  #sendAdvert(out: Action[]): void {
    this.#counters.advertiseSent++;
    out.push({ kind: 'sendAdvert', advert: this.#buildAdvert(this.#prio.priority) });
  }

  /** RFC 3768 §7.2: fill in the advert from our configuration (checksum is wire/'s job). */
  #buildAdvert(priority: number): Advert {
    const cfg = this.config;
    return {
      version: 2,
      type: 1,
      vrid: cfg.vrid,
      priority,
      authType: cfg.authType,
      adverIntervalSec: cfg.adverIntervalMs / 1000,
      addresses: cfg.vips,
      authData: cfg.authData,
    };
  }

  #faultReasons(): string[] {
    const reasons = this.#linkUp ? [] : ['interface down'];
    if (this.#syncFault) reasons.push(this.#syncFault);
    return reasons.concat(this.#prio.faults.map((name) => `${name} failed`));
  }

  #faultReason(): TransitionReason {
    if (!this.#linkUp) return 'link-down';
    return this.#prio.faults.length > 0 ? 'tracker-fault' : 'sync-group';
  }
}
