/**
 * An instance's adverts on their way out: the bytes per destination (emitted again only when the
 * advert changed, advert-bytes.ts), a backup's takeover advert built ahead, and its datagram to
 * every destination (each unicast peer, up to ARMED_DESTINATIONS_MAX) armed on the Master_Down
 * timer for the kernel timer to send by itself at one expiry (native-notes/timers.md, "The armed
 * takeover advert", "Every unicast peer at the expiry"). Nothing here decides what to send: the
 * router does; this only has the router's advert ready before it is asked for.
 */
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { Router } from '../protocol/router.js';
import { buildAdvert } from '../protocol/router-config.js';
import type { UnicastChecksum } from '../protocol/unicast-checksum.js';
import type { RouterConfig } from '../protocol/types.js';
import type { IpAddress } from '../wire/address.js';
import type { Advert, AdvertIpContext } from '../wire/types.js';
import { AdvertBytes } from './advert-bytes.js';
import type { ArmedSend } from './deadline-queue.js';
import type { InstanceIo } from './instance-types.js';

/** What the sender needs of the instance's I/O. */
export type AdvertIo = Pick<InstanceIo<unknown>, 'sendTo' | 'prepare' | 'armTakeover' | 'armGroup' | 'armedSent'>;

/**
 * The most destinations whose takeover advert the kernel timer sends at one expiry (the addon's
 * ARMED_GROUP_MAX, armed.h); the adverts to any further unicast peer leave from JavaScript on the
 * timeout's step, right after.
 */
export const ARMED_DESTINATIONS_MAX = 64;

/** What the sender reports to its instance, which counts and logs: a failed send, a bug it caught. */
export interface AdvertSenderHooks {
  failed(dst: IpAddress, detail: string | undefined): void;
  bug(what: string, e: unknown): void;
}

/**
 * A takeover advert armed on the Master_Down timer: per destination armed (the first
 * `members.length` of the instance's, in order), its bytes, destination and datagram; and what
 * the kernel timer sends: that datagram alone, or the group of them (`armGroup`).
 */
interface ArmedTakeover {
  readonly payloads: readonly Uint8Array[];
  readonly dsts: readonly IpAddress[];
  readonly members: readonly ArmedDatagram[];
  /** How many destinations it was made for (members has fewer when the group could not be made). */
  readonly wanted: number;
  readonly send: ArmedSend;
}

/** The catch-up step after a train: its datagrams, sent `count` times each to the first `served` destinations. */
interface TrainSent {
  readonly datagrams: readonly ArmedDatagram[];
  readonly count: number;
  readonly served: number;
}

export class AdvertSender {
  /** Where adverts go (a reload may change the unicast peers). */
  #destinations: readonly IpAddress[];
  /** The bytes of the adverts last sent (or prepared), per destination. */
  readonly #bytes = new AdvertBytes();
  /** What the takeover advert was last prepared for (#prepareTakeover), and the advert. */
  #preparedFor: { config: RouterConfig; priority: number; source: IpAddress; destinations: readonly IpAddress[]; advert: Advert } | undefined;
  /** The takeover advert to its destinations, armed on the Master_Down timer (#armTakeover). */
  #armed: ArmedTakeover | undefined;
  /** During the timeout step whose armed advert the kernel timer sent: that advert, until send() meets it. */
  #armedSent: ArmedTakeover | undefined;
  /** The last ArmedTakeover made, reused while it still holds (no allocation per received advert). */
  #armedKept: ArmedTakeover | undefined;
  /** The last timeout step whose armed advert went out: to how many destinations the kernel timer (or the queue) had sent it, of how many. */
  #armedReport: { readonly byTimer: number; readonly destinations: number } | undefined;
  /** The last train's datagrams (trainDatagrams), reused while they still hold. */
  #trainKept: readonly ArmedDatagram[] | undefined;
  /** During the catch-up step after a train (beginTrainCatchUp): its datagrams, how many times each went out, to how many of them (the first `served`). */
  #trainSent: TrainSent | undefined;

  /** `stallMs`: how late the Master_Down timer may fire for the kernel timer still to send the armed advert. */
  constructor(
    private readonly router: Router,
    private readonly io: AdvertIo,
    private readonly unicastChecksum: UnicastChecksum | undefined,
    destinations: readonly IpAddress[],
    private readonly stallMs: number,
    private readonly hooks: AdvertSenderHooks,
  ) {
    this.#destinations = destinations;
  }

  /** A reload: new destinations, and every advert's bytes emitted again. */
  reconfigure(destinations: readonly IpAddress[]): void {
    this.#destinations = destinations;
    this.#bytes.clear();
  }

  /**
   * Send the advert to each destination, synchronously (VRRPv3's checksum covers the destination).
   * On the timeout whose armed advert the kernel timer sent, that datagram is counted, not sent again.
   */
  send(advert: Advert): void {
    if (this.#trainSent !== undefined) return this.#countTrain(advert, this.#trainSent);
    const destinations = this.#destinations;
    const armedSent = this.#armedSent;
    this.#armedSent = undefined;
    let byTimer = 0;
    for (let i = 0; i < destinations.length; i++) {
      const dst = destinations[i]!;
      const payload = this.#bytes.bytes(i, advert, this.#checksumContext(dst));
      const sent = armedSent === undefined ? undefined : this.#takeArmedSent(armedSent, i, payload, dst);
      if (sent !== undefined) byTimer++;
      const result = sent !== undefined ? this.io.sendTo(payload, dst, sent) : this.io.sendTo(payload, dst);
      if (!result.ok) this.hooks.failed(dst, result.error?.detail);
    }
    if (armedSent !== undefined) this.#armedReport = { byTimer, destinations: destinations.length };
  }

  /** The last armed timeout's adverts: how many of its destinations' went out with the kernel timer's fire (the rest from JavaScript), once. */
  takeArmedReport(): { readonly byTimer: number; readonly destinations: number } | undefined {
    const r = this.#armedReport;
    this.#armedReport = undefined;
    return r;
  }

  /** What the Master_Down timer carries for the kernel timer to send at expiry, if anything. */
  get armed(): ArmedSend | undefined {
    return this.#armed?.send;
  }

  /** A backup: its takeover advert built (again, if anything changed) and armed. A throw leaves nothing armed. */
  prepare(): void {
    this.#armed = undefined;
    this.#armed = this.#prepareTakeover();
  }

  /** Not a backup: nothing armed. */
  disarm(): void {
    this.#armed = undefined;
  }

  /** Before the router steps on a Master_Down timeout whose armed advert the kernel timer sent. */
  beginArmedTimeout(): void {
    this.#armedSent = this.#armed;
  }

  /** After that step: true when the router sent no advert on it (a bug: the caller reports it). */
  endArmedTimeout(): boolean {
    if (this.#armedSent === undefined) return false;
    this.#armedSent = undefined;
    return true;
  }

  /**
   * A master's advert to every destination, as datagrams the addon can send by itself (an advert
   * train, advert-train.ts): the bytes send() hands the socket for the router's advert at this
   * configuration and priority (§7.2), in destination order; undefined when the socket cannot, or
   * for more than ARMED_DESTINATIONS_MAX destinations (the addon's bound: JavaScript sends them).
   */
  trainDatagrams(): readonly ArmedDatagram[] | undefined {
    const arm = this.io.armTakeover;
    const destinations = this.#destinations;
    if (arm === undefined || destinations.length > ARMED_DESTINATIONS_MAX) return undefined;
    const advert = buildAdvert(this.router.config, this.router.priority);
    const kept = this.#trainKept;
    let same = kept !== undefined && kept.length === destinations.length;
    const out: ArmedDatagram[] = [];
    for (let i = 0; i < destinations.length; i++) {
      const dst = destinations[i]!;
      const datagram = arm.call(this.io, this.#bytes.bytes(i, advert, this.#checksumContext(dst)), dst);
      if (datagram === undefined) return undefined;
      same &&= kept![i] === datagram;
      out.push(datagram);
    }
    if (out.length === 0) return undefined;
    return same ? kept : (this.#trainKept = out);
  }

  /**
   * Before the router steps the Adver_Timer fire that catches it up after a train: its adverts went
   * out `count` times each to the first `served` destinations (all of them, unless the train stopped
   * at a failed send in the middle of a deadline); the step sends the others' from JavaScript.
   */
  beginTrainCatchUp(datagrams: readonly ArmedDatagram[], count: number, served = datagrams.length): void {
    this.#trainSent = { datagrams, count, served };
  }

  /** After that step: true when the router sent no advert on it (a bug: the caller reports it). */
  endTrainCatchUp(): boolean {
    if (this.#trainSent === undefined) return false;
    this.#trainSent = undefined;
    return true;
  }

  /** The catch-up advert: the train's datagrams counted by the socket (each as many times as it went out), not sent again; sent to the destinations it did not serve. */
  #countTrain(advert: Advert, sent: TrainSent): void {
    this.#trainSent = undefined;
    const destinations = this.#destinations;
    for (let i = 0; i < destinations.length; i++) {
      const dst = destinations[i]!;
      const payload = this.#bytes.bytes(i, advert, this.#checksumContext(dst));
      const datagram = i < sent.served ? sent.datagrams[i] : undefined;
      if (datagram === undefined || this.io.armTakeover?.(payload, dst) !== datagram) {
        // Past the served ones, expected; else never: the train was taken back before anything changed the advert.
        if (i < sent.served) this.hooks.bug('timeout', new Error("the advert the train sent is not the router's"));
        const result = this.io.sendTo(payload, dst);
        if (!result.ok) this.hooks.failed(dst, result.error?.detail);
        continue;
      }
      for (let k = 0; k < sent.count; k++) this.io.sendTo(payload, dst, datagram);
    }
  }

  /**
   * The datagram the kernel timer's fire sent to destination `i`, when it is this advert's to `dst`
   * (else a bug, reported: this one is sent too); undefined when none was sent there (a
   * destination past the armed ones, or a group's member whose send failed): JavaScript sends it.
   */
  #takeArmedSent(sent: ArmedTakeover, i: number, payload: Uint8Array, dst: IpAddress): ArmedDatagram | undefined {
    const members = sent.members;
    if (i >= members.length) return undefined;
    // One datagram: the queue said it went out. A group: each member's own outcome (its send may have failed).
    if (members.length > 1 && this.io.armedSent?.(members[i]!) !== true) return undefined;
    if (sent.payloads[i] === payload && sent.dsts[i] === dst) return members[i];
    this.hooks.bug('timeout', new Error("the takeover advert the kernel timer sent is not the router's"));
    return undefined;
  }

  /**
   * A backup's next advert is its takeover's (RFC 3768 §6.4.2): its bytes and datagrams are built
   * ahead, while nothing waits, so the Master_Down timeout goes straight to sendto, and every
   * destination's is armed on the timer (#armTakeover). The advert is the router's own (buildAdvert,
   * §7.2: configuration and current priority); send() compares field by field.
   */
  #prepareTakeover(): ArmedTakeover | undefined {
    if (this.router.state !== 'BACKUP') return undefined;
    const cfg = this.router.config;
    let p = this.#preparedFor;
    const priority = this.router.priority;
    const source = this.router.sourceIp;
    if (p === undefined || p.config !== cfg || p.priority !== priority || p.source !== source || p.destinations !== this.#destinations) {
      const advert = buildAdvert(cfg, priority);
      this.#destinations.forEach((dst, i) => this.io.prepare?.(this.#bytes.bytes(i, advert, this.#checksumContext(dst)), dst));
      p = this.#preparedFor = { config: cfg, priority, source, destinations: this.#destinations, advert };
    }
    return this.#armTakeover(p.advert);
  }

  /**
   * The takeover advert to each destination (up to ARMED_DESTINATIONS_MAX; several: one group the
   * addon sends in order at one expiry), armed for the kernel timer to send by itself when the
   * Master_Down timer expires: the bytes send() will hand the socket for the router's advert on
   * that timeout (§6.4.2: become Master, send an advert), looked up again at every step, so that a
   * change of configuration, priority, source, destinations or socket re-arms it. Not sent when
   * the timer fires more than `stallMs` late (the socket is read first then) or a datagram waits
   * on the socket. Without `armGroup`, the first destination's only, as before.
   */
  #armTakeover(advert: Advert): ArmedTakeover | undefined {
    const destinations = this.#destinations;
    if (destinations.length === 0 || this.io.armTakeover === undefined) return undefined;
    const wanted = this.io.armGroup === undefined ? 1 : Math.min(destinations.length, ARMED_DESTINATIONS_MAX);
    const kept = this.#armedKept;
    if (kept !== undefined && this.#stillArmed(kept, advert, wanted)) return kept;
    const payloads: Uint8Array[] = [];
    const dsts: IpAddress[] = [];
    const members: ArmedDatagram[] = [];
    for (let i = 0; i < wanted; i++) {
      const dst = destinations[i]!;
      // The checksum context again each time: keepalived's old unicast checksum may have been adopted since.
      const payload = this.#bytes.bytes(i, advert, this.#checksumContext(dst));
      const datagram = this.io.armTakeover(payload, dst);
      if (datagram === undefined) break;
      payloads.push(payload);
      dsts.push(dst);
      members.push(datagram);
    }
    if (members.length === 0) return undefined;
    let datagram = members[0]!;
    if (members.length > 1) {
      const group = this.io.armGroup?.(members);
      if (group === undefined) members.length = payloads.length = dsts.length = 1;
      else datagram = group;
    }
    return (this.#armedKept = { payloads, dsts, members, wanted, send: { datagram, maxLateMs: this.stallMs } });
  }

  /** Whether `kept` is still this advert's datagrams to the same destinations (each looked up again: nothing allocated but the checksum contexts). */
  #stillArmed(kept: ArmedTakeover, advert: Advert, wanted: number): boolean {
    if (kept.wanted !== wanted) return false;
    const destinations = this.#destinations;
    const members = kept.members;
    for (let i = 0; i < members.length; i++) {
      const dst = destinations[i]!;
      if (kept.dsts[i] !== dst) return false;
      const payload = this.#bytes.bytes(i, advert, this.#checksumContext(dst));
      if (kept.payloads[i] !== payload || this.io.armTakeover!(payload, dst) !== members[i]) return false;
    }
    return true;
  }

  /** VRRPv3's checksum pseudo-header for `dst` (RFC 5798 §5.2.8); none for VRRPv2. */
  #checksumContext(dst: IpAddress): AdvertIpContext | undefined {
    const cfg = this.router.config;
    return cfg.version === 2 ? undefined : { family: cfg.family, src: this.router.sourceIp, dst: this.unicastChecksum?.pseudoHeaderDestination(dst) ?? dst };
  }
}
