/**
 * One queue for every deadline timer of the process: a binary min-heap of armed timers and a
 * single wake-up source armed at the earliest deadline (a kernel timerfd, or setTimeout when the
 * addon is missing). 255 instances cost one wake-up per distinct deadline, not 255 timers, and
 * nothing polls: the loop sleeps until the wake source fires. Timers due at the same moment
 * fire in the order they were armed.
 *
 * A wake-up is a batch: work a callback hands to `defer` runs once every timer of the batch has
 * fired, so the time-critical part of each (an advert) goes first for all of them and the rest
 * after: first what `deferFirst` collected (a takeover's addresses, then `betweenTiers`, which
 * sends them), then the rest (logs, listeners). A callback that must first let the loop read its
 * sockets goes through `later`: every such callback of a turn runs in one setImmediate, a batch too.
 *
 * A slot may carry a datagram for the wake source to send by itself when it fires for that slot,
 * before any JavaScript runs (a backup's takeover advert: native-notes/timers.md, "The armed
 * takeover advert"). The wake source always holds the head slot's, so what it sends is what the
 * head's callback would send first; the callback is told whether it went out. Every other due slot
 * with an armed datagram has it sent by the wake source's `fire` at the start of the dispatch pass
 * that takes it, before any callback of that pass runs, and its address requests (`ahead`) go to
 * `takeover` right after: a mass takeover's adverts and addresses leave within microseconds of
 * each other, not 0.3 ms of interpreted JavaScript per instance apart (native-notes/timers.md,
 * "Every due slot, and its addresses").
 */
import type { AheadRequests } from '../io/addr-netlink.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { Now } from './clock.js';

/** A datagram the wake source sends by itself at the slot's deadline, before the slot fires. */
export interface ArmedSend {
  readonly datagram: ArmedDatagram;
  /** Not sent when the wake-up is more than this late (the owner then reads its sockets first). */
  readonly maxLateMs: number;
}

/** What wakes the queue: armed at one deadline (on the queue's clock) at a time, with the head slot's armed datagram if any. */
export interface Wake {
  arm(deadline: number, armed?: ArmedSend): void;
  disarm(): void;
  /**
   * Sends `armed` now, with the same guards as at a wake-up except lateness (nothing is sent when a
   * datagram waits on its socket: JavaScript reads it first): the bytes sent, else <= 0. Absent:
   * only the head slot's datagram is ever sent by the wake source.
   */
  fire?(armed: ArmedSend): number;
}

/** One armed timer's place in the queue (owned by a DeadlineTimer). */
export interface QueueSlot {
  /** `armedSent`: the slot's armed datagram was sent by the wake source for this deadline. */
  readonly fire: (deadline: number, lateMs: number, armedSent: boolean) => void;
  deadline: number;
  /** What the wake source sends by itself when it fires for this slot. */
  armed: ArmedSend | undefined;
  /** Arm order: ties fire first-armed first, and a fired slot re-armed meanwhile is not fired twice. */
  seq: number;
  /** Position in the heap; IDLE when not armed, POPPED while due in a dispatch. */
  index: number;
  /** The arm order (seq) whose armed datagram `Wake.fire` sent in the dispatch in progress; 0: none. */
  sentSeq: number;
  /** What a takeover adds, asked for when the slot's armed datagram is sent by the queue (the instance's VIPs, when they may go ahead). */
  ahead: (() => AheadRequests | undefined) | undefined;
}

const IDLE = -1;
const POPPED = -2;
/** How long one wake-up may keep firing timers that fall due while it runs, before I/O gets a turn. */
const DISPATCH_BUDGET_MS = 5;
/**
 * While a pass fires its slots, every this many the queue looks for armed slots fallen due
 * meanwhile and sends them (#catchUp): a mass takeover's later cluster does not wait for the
 * JavaScript of the earlier one (~0.1-0.3 ms per instance without a JIT).
 */
const CATCH_UP_EVERY = 4;

/** Heap order: earlier deadline first, then first armed (a plain function: cheaper than a method without a JIT). */
function before(a: QueueSlot, b: QueueSlot): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
}

/**
 * A slot's deadline before its first arm. Not a number on purpose: V8 then keeps `deadline` as a
 * tagged field (a pointer to the number) rather than a double field, and without a JIT (the bin
 * runs `--jitless`) every read of a double field allocates a fresh heap number. The heap reads
 * deadlines ~2 log2(n) times per re-arm; this was a quarter of the daemon's allocation with 255
 * masters (docs/performance.md, "CPU at 255 masters, profiled").
 */
const NEVER_ARMED = undefined as unknown as number;

export function newSlot(fire: (deadline: number, lateMs: number, armedSent: boolean) => void): QueueSlot {
  return { fire, deadline: NEVER_ARMED, armed: undefined, seq: 0, index: IDLE, sentSeq: 0, ahead: undefined };
}

/** Whether `slot` waits to fire: in the queue, or taken by the dispatch in progress and not fired yet. */
export function slotPending(slot: QueueSlot): boolean {
  return slot.index !== IDLE;
}

/** What #due holds where no slot is, after a dispatch (so it keeps no fired slot, nor its owner, alive). */
const NO_SLOT = newSlot(() => undefined);

export class DeadlineQueue {
  readonly now: Now;
  readonly #heap: QueueSlot[] = [];
  readonly #wake: Wake;
  #seq = 0;
  /**
   * The slots one dispatch pass took and their arm order when taken. Kept and overwritten, never
   * truncated (truncating an array frees its backing store), so a wake-up allocates nothing;
   * #dueUsed: how many entries this dispatch wrote, cleared to NO_SLOT when it ends.
   */
  readonly #due: QueueSlot[] = [];
  readonly #dueSeq: number[] = [];
  #dueUsed = 0;
  /** The deadline the wake source is armed for, and the slot whose armed datagram it holds (with its arm order). */
  #wakeAt: number | undefined;
  #wakeArmed: ArmedSend | undefined;
  #wakeSlot: QueueSlot | undefined;
  #wakeSeq = 0;
  /** During a dispatch: the slot whose armed datagram the wake source sent, until it fires. */
  #sentSlot: QueueSlot | undefined;
  #sentSeq = 0;
  #dispatching = false;
  /** During a wake-up's dispatch: the last arm order it may fire (slots armed meanwhile wait for the next wake-up). */
  #armedBefore = 0;
  /** Whether `defer` collects work (a batch runs); what it collected. */
  #collecting = false;
  #deferred: (() => void)[] = [];
  /** What `deferFirst` collected: run before #deferred. */
  #deferredFirst: (() => void)[] = [];
  /** Callbacks for the next `later` batch; undefined when none is scheduled. */
  #later: (() => void)[] | undefined;

  /** `makeWake` builds the wake source around the queue's dispatch function (`armed`: the armed datagram's bytes sent at this wake-up, else <= 0). */
  constructor(now: Now, makeWake: (onWake: (armed: number) => void) => Wake) {
    this.now = now;
    this.#wake = makeWake((armed) => this.#dispatch(armed));
  }

  /** Armed timers (for tests and status). */
  get size(): number {
    return this.#heap.length;
  }

  /**
   * Resolves at the first turn of the loop when no timer is due within `marginMs`, or after
   * `maxWaitMs` at most: the moment to fork (`ip`), which blocks the loop for milliseconds,
   * without making an advert late.
   */
  async quiet(marginMs: number, maxWaitMs: number): Promise<void> {
    const giveUp = this.now() + maxWaitMs;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const now = this.now();
      const top = this.#heap[0];
      if (top === undefined || top.deadline > now + marginMs || now >= giveUp) return;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(giveUp - now, top.deadline - now + 1))));
    }
  }

  /**
   * Runs `work` once the timers of the current batch (a wake-up, or a `later` batch) have all
   * fired, in the order deferred; false (and nothing done) outside a batch: the caller runs it.
   */
  defer(work: () => void): boolean {
    if (!this.#collecting) return false;
    this.#deferred.push(work);
    return true;
  }

  /**
   * `defer`'s first tier: `work` runs once the batch's timers have fired, before any work deferred
   * with `defer`, and `betweenTiers` runs after it (a takeover asks for its addresses here, and
   * the daemon sends them before the state lines and listeners of the batch). False outside a batch.
   */
  deferFirst(work: () => void): boolean {
    if (!this.#collecting) return false;
    this.#deferredFirst.push(work);
    return true;
  }

  /** Runs after a batch's first-tier work, when there was any (the daemon: the address batch's flushNow). */
  betweenTiers: (() => void) | undefined;

  /**
   * Gets the address requests of the slots whose armed datagrams were just sent, before any of
   * their callbacks runs (the daemon: NetlinkBatcher.sendAhead). Their instances still ask for the
   * same addresses when they step; the kernel then answers "already there".
   */
  takeover: ((requests: readonly AheadRequests[]) => void) | undefined;

  /**
   * Runs `work` at the loop's next check phase, after the I/O callbacks of this turn (a socket's
   * pending datagrams are read first), as one batch with every other `later` callback of the turn.
   */
  later(work: () => void): void {
    if (this.#later !== undefined) {
      this.#later.push(work);
      return;
    }
    const batch = [work];
    this.#later = batch;
    setImmediate(() => {
      this.#later = undefined;
      this.#dispatching = true; // re-armed once at the end, as after a wake-up
      try {
        this.#batch(() => {
          for (const w of batch) w();
        });
      } finally {
        this.#dispatching = false;
        this.#sync();
      }
    });
  }

  /**
   * Arms `slot` for `deadline`, replacing its previous deadline and armed datagram. Only the
   * armed datagram changing keeps the slot's place among equal deadlines.
   */
  schedule(slot: QueueSlot, deadline: number, armed?: ArmedSend): void {
    slot.armed = armed;
    if (slot.index >= 0 && slot.deadline === deadline) return this.#sync();
    slot.deadline = deadline;
    slot.seq = ++this.#seq;
    if (slot.index >= 0) {
      this.#siftUp(slot.index);
      this.#siftDown(slot.index);
    } else {
      slot.index = this.#heap.length;
      this.#heap.push(slot);
      this.#siftUp(slot.index);
    }
    this.#sync();
  }

  /** Disarms `slot` (nothing happens if it is not armed). */
  cancel(slot: QueueSlot): void {
    slot.armed = undefined;
    if (slot.index === POPPED) slot.index = IDLE;
    if (slot.index < 0) return;
    this.#removeAt(slot.index);
    this.#sync();
  }

  /**
   * Fires every slot due now; then, as long as it stays within DISPATCH_BUDGET_MS, the slots that
   * fell due meanwhile (each wake-up saved is a timerfd_settime, an epoll_wait and a context
   * switch); then re-arms the wake source for the next deadline. Slots armed during the dispatch
   * wait for the next wake-up, so a callback re-arming itself for a past deadline cannot loop.
   */
  #dispatch(armed: number): void {
    // The wake source sent the head slot's datagram (bytes > 0): that slot fires first and is told.
    const sent = armed > 0 ? this.#wakeSlot : undefined;
    this.#sentSlot = sent;
    this.#sentSeq = this.#wakeSeq;
    this.#wakeAt = undefined;
    this.#wakeArmed = undefined;
    this.#wakeSlot = undefined;
    // It is due: the wake source saw its deadline pass (this clock is the same, read later).
    const start = sent === undefined ? this.now() : Math.max(this.now(), sent.deadline);
    const armedBefore = this.#seq;
    this.#armedBefore = armedBefore;
    this.#dispatching = true;
    try {
      this.#batch(() => {
        for (let now = start; now - start <= DISPATCH_BUDGET_MS; now = this.now()) {
          const count = this.#takeDue(now, armedBefore);
          if (count === 0) break;
          this.#sendArmed(0, count);
          this.#fire(now, count, this.#wake.fire !== undefined);
        }
      });
    } finally {
      for (let i = 0; i < this.#dueUsed; i++) this.#due[i] = NO_SLOT;
      this.#dueUsed = 0;
      this.#sentSlot = undefined;
      this.#dispatching = false;
      this.#sync();
    }
  }

  /**
   * Runs `fire` with `defer` collecting, then what was deferred (also when `fire` threw: a
   * callback's bug does not strand the others' work). The first exception is thrown again.
   */
  #batch(fire: () => void): void {
    let failure: { e: unknown } | undefined;
    this.#collecting = true;
    try {
      fire();
    } catch (e) {
      failure = { e };
    } finally {
      this.#collecting = false;
    }
    const first = this.#deferredFirst;
    const deferred = this.#deferred;
    this.#deferredFirst = [];
    this.#deferred = [];
    const run = (work: () => void): void => {
      try {
        work();
      } catch (e) {
        failure ??= { e };
      }
    };
    if (first.length > 0) {
      for (const work of first) run(work);
      if (this.betweenTiers !== undefined) run(this.betweenTiers);
    }
    for (const work of deferred) run(work);
    if (failure !== undefined) throw failure.e;
  }

  /** Pops the slots due at `now` that were armed before the dispatch began into #due; how many. */
  #takeDue(now: number, armedBefore: number): number {
    const due = this.#due;
    const seqs = this.#dueSeq;
    let n = 0;
    for (let top = this.#heap[0]; top !== undefined && top.deadline <= now && top.seq <= armedBefore; top = this.#heap[0]) {
      this.#removeAt(0);
      top.index = POPPED;
      due[n] = top;
      seqs[n] = top.seq;
      n++;
    }
    if (n > this.#dueUsed) this.#dueUsed = n;
    return n;
  }

  /**
   * Sends the armed datagram of every slot just taken (#due[0..count)) that carries one, through
   * the wake source's `fire`, before any of their callbacks runs; then the address requests of
   * those sent (and of the slot whose datagram the wake source sent itself), in one call to
   * `takeover`. The slots sent are moved ahead of the others in #due, in deadline order: each is
   * fired before any callback that could step its instance otherwise (a tracker's timer due in the
   * same pass), so it steps the timeout its advert announced.
   */
  #sendArmed(from: number, count: number): number {
    const fire = this.#wake.fire;
    if (fire === undefined) return 0;
    const due = this.#due;
    const seqs = this.#dueSeq;
    let requests: AheadRequests[] | undefined;
    let sent = 0;
    for (let i = from; i < count; i++) {
      const slot = due[i]!;
      let out = slot === this.#sentSlot && seqs[i] === this.#sentSeq;
      if (!out && slot.armed !== undefined) {
        try {
          out = fire.call(this.#wake, slot.armed) > 0;
        } catch {
          out = false; // a bug in the wake source: the callback sends it as usual
        }
        if (out) slot.sentSeq = seqs[i]!;
      }
      if (!out) continue;
      sent++;
      const ahead = this.#aheadOf(slot);
      if (ahead !== undefined) (requests ??= []).push(ahead);
    }
    if (sent > 0 && sent < count - from) this.#sentFirst(from, count);
    if (requests !== undefined && this.takeover !== undefined) {
      try {
        this.takeover(requests);
      } catch {
        // The daemon's hook contains its own failures; the instances ask for the addresses anyway.
      }
    }
    return sent;
  }

  /** A sent slot's address requests; undefined when it has none or asking throws (a bug: the instance asks as usual). */
  #aheadOf(slot: QueueSlot): AheadRequests | undefined {
    try {
      return slot.ahead?.();
    } catch {
      return undefined;
    }
  }

  /** Reorders #due[0..count) so that the slots whose datagram went out come first, each group in its order. */
  #sentFirst(from: number, count: number): void {
    const due = this.#due;
    const seqs = this.#dueSeq;
    const rest: QueueSlot[] = [];
    const restSeqs: number[] = [];
    let n = from;
    for (let i = from; i < count; i++) {
      const slot = due[i]!;
      const seq = seqs[i]!;
      if (slot.sentSeq === seq || (slot === this.#sentSlot && seq === this.#sentSeq)) {
        due[n] = slot;
        seqs[n] = seq;
        n++;
      } else {
        rest.push(slot);
        restSeqs.push(seq);
      }
    }
    for (let j = 0; j < rest.length; j++) {
      due[n + j] = rest[j]!;
      seqs[n + j] = restSeqs[j]!;
    }
  }

  /**
   * Fires #due[0..count); with `catchUp`, every CATCH_UP_EVERY slots the armed slots fallen due
   * meanwhile are taken, sent (#sendArmed) and fired next, before the rest of the pass.
   */
  #fire(now: number, count: number, catchUp = false): void {
    const due = this.#due;
    const seqs = this.#dueSeq;
    for (let i = 0; i < count; i++) {
      if (catchUp && i > 0 && i % CATCH_UP_EVERY === 0) {
        const later = this.now();
        const n = this.#catchUp(i, count, later);
        if (n > 0) {
          count += n;
          now = later;
        }
      }
      const slot = due[i]!;
      const seq = seqs[i]!;
      const sentByFire = slot.sentSeq === seq;
      slot.sentSeq = 0;
      // Cancelled or re-armed by an earlier callback of this dispatch: not due any more.
      if (slot.index !== POPPED || slot.seq !== seq) continue;
      slot.index = IDLE;
      let armedSent = sentByFire;
      if (slot === this.#sentSlot && seq === this.#sentSeq) {
        armedSent = true;
        this.#sentSlot = undefined;
      }
      try {
        slot.fire(slot.deadline, now - slot.deadline, armedSent);
      } catch (e) {
        // Put back what has not fired yet; it fires on the next wake-up, right away.
        for (let j = i + 1; j < count; j++) {
          due[j]!.sentSeq = 0;
          if (due[j]!.index === POPPED && due[j]!.seq === seqs[j]) this.#reinsert(due[j]!);
        }
        throw e;
      }
    }
  }

  /**
   * Takes the slots fallen due by `now` (armed before the dispatch began) and sends their armed
   * datagrams; those sent go to #due[at..], ahead of every slot of the pass not fired yet, so that
   * no other callback runs between a send and its slot's fire; those not sent go after the pass's
   * others. How many it took. Only slots fallen due are taken: none is sent before its deadline.
   */
  #catchUp(at: number, count: number, now: number): number {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined || top.deadline > now || top.seq > this.#armedBefore) return 0;
    const taken: QueueSlot[] = [];
    for (let t = heap[0]; t !== undefined && t.deadline <= now && t.seq <= this.#armedBefore; t = heap[0]) {
      this.#removeAt(0);
      t.index = POPPED;
      taken.push(t);
    }
    const due = this.#due;
    const seqs = this.#dueSeq;
    const n = taken.length;
    for (let k = 0; k < n; k++) {
      due[count + k] = taken[k]!;
      seqs[count + k] = taken[k]!.seq;
    }
    if (count + n > this.#dueUsed) this.#dueUsed = count + n;
    // Sent first within the block; then the sent ones move to `at`, the pass's rest after them.
    const sent = this.#sendArmed(count, count + n);
    if (sent > 0 && at < count) {
      const moved = due.slice(count, count + sent);
      const movedSeqs = seqs.slice(count, count + sent);
      for (let j = count - 1; j >= at; j--) {
        due[j + sent] = due[j]!;
        seqs[j + sent] = seqs[j]!;
      }
      for (let k = 0; k < sent; k++) {
        due[at + k] = moved[k]!;
        seqs[at + k] = movedSeqs[k]!;
      }
    }
    return n;
  }

  #reinsert(slot: QueueSlot): void {
    slot.index = this.#heap.length;
    this.#heap.push(slot);
    this.#siftUp(slot.index);
  }

  /**
   * Points the wake source at the earliest deadline and the head slot's armed datagram, touching
   * it only when either changed (or the head did, while one is armed).
   */
  #sync(): void {
    if (this.#dispatching) return;
    const top = this.#heap[0];
    if (top === undefined) {
      if (this.#wakeAt !== undefined) this.#wake.disarm();
      this.#wakeAt = undefined;
      this.#wakeArmed = undefined;
      this.#wakeSlot = undefined;
    } else if (top.deadline !== this.#wakeAt || top.armed !== this.#wakeArmed || (top.armed !== undefined && top !== this.#wakeSlot)) {
      this.#wakeAt = top.deadline;
      this.#wakeArmed = top.armed;
      this.#wakeSlot = top.armed === undefined ? undefined : top;
      this.#wakeSeq = top.seq;
      if (top.armed === undefined) this.#wake.arm(top.deadline);
      else this.#wake.arm(top.deadline, top.armed);
    }
  }

  #removeAt(i: number): void {
    const heap = this.#heap;
    const gone = heap[i]!;
    const last = heap.pop()!;
    gone.index = IDLE;
    if (last === gone) return;
    heap[i] = last;
    last.index = i;
    this.#siftUp(i);
    this.#siftDown(last.index);
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const slot = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!before(slot, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = slot;
    slot.index = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const slot = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, slot)) break;
      heap[i] = heap[child]!;
      heap[i]!.index = i;
      i = child;
    }
    heap[i] = slot;
    slot.index = i;
  }
}

/**
 * The portable wake source: setTimeout, rounded up to the millisecond libuv counts in, and
 * re-armed when it comes back early, so it fires 0 to ~1 ms late (more on a busy machine).
 */
export function timeoutWake(now: Now): (onWake: (armed: number) => void) => Wake {
  return (onWake) => {
    let handle: NodeJS.Timeout | undefined;
    let target: number | undefined;
    const start = (delayMs: number): void => {
      handle = setTimeout(tick, Math.max(1, Math.ceil(delayMs)));
    };
    const tick = (): void => {
      handle = undefined;
      if (target === undefined) return;
      const left = target - now();
      if (left > 0) return start(left);
      target = undefined;
      onWake(0);
    };
    return {
      arm(deadline) {
        if (handle !== undefined) clearTimeout(handle);
        target = deadline;
        start(deadline - now());
      },
      disarm() {
        if (handle !== undefined) clearTimeout(handle);
        handle = undefined;
        target = undefined;
      },
    };
  };
}
