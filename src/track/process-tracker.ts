/**
 * vrrp_track_process as sans-IO state: which live processes each tracker counts, and when its
 * quorum is gained or lost, with keepalived 2.2.7's semantics (track_process.c):
 *
 * - A tracker is in quorum while `quorum <= count <= quorum_max`.
 * - A fork of a counted process counts the child at once, without reading anything: until it
 *   execs it is the same program. An exec or a name change (comm) is judged again from what the
 *   process now is; an exit uncounts it.
 * - A change of quorum caused by a fork is reported after `fork_delay`, one caused by an exit
 *   after `terminate_delay`, any other at once. A pending report is dropped when the count comes
 *   back to the reported side before it is due, so a restart within the delay is never seen
 *   (keepalived cancels its timer the same way); the report, when due, says where the count is
 *   then.
 * - A full picture (the start, a rescan after lost events, each poll when there are no events)
 *   is compared with what is counted, as one change: a gain made only of children of counted
 *   processes is a fork, a loss with a vanished process an exit, anything else is at once.
 *
 * Time is passed in (monotonic ms); the caller wakes `tick` at `nextDeadline()`.
 */
import { processMatches, type ProcessSpec, type ProcessView } from './process-match.js';

export interface QuorumSpec {
  readonly quorum: number;
  /** Undefined: no upper bound. */
  readonly quorumMax?: number | undefined;
  readonly forkDelayMs: number;
  readonly terminateDelayMs: number;
}

export type TrackedProcessSpec = ProcessSpec & QuorumSpec & { readonly name: string };

/** Why a count changed. */
export type Cause = 'fork' | 'exit' | 'other';

/** A tracker whose quorum was gained or lost. */
export interface QuorumChange {
  readonly name: string;
  readonly inQuorum: boolean;
  readonly count: number;
}

/** One tracker's count and reported quorum. */
class Quorum {
  readonly pids = new Set<number>();
  /** What was last reported; undefined before the first picture. */
  reported: boolean | undefined;
  pendingAt: number | undefined;

  constructor(readonly spec: TrackedProcessSpec) {}

  inRange(n = this.pids.size): boolean {
    return n >= this.spec.quorum && (this.spec.quorumMax === undefined || n <= this.spec.quorumMax);
  }

  /** After the count changed: report now, later, or not at all. */
  settle(cause: Cause, now: number): QuorumChange | undefined {
    if (this.reported === undefined) return undefined;
    const inRange = this.inRange();
    if (this.pendingAt !== undefined) {
      if (inRange === this.reported) this.pendingAt = undefined; // back before it was due
      return undefined;
    }
    if (inRange === this.reported) return undefined;
    const delay = cause === 'fork' ? this.spec.forkDelayMs : cause === 'exit' ? this.spec.terminateDelayMs : 0;
    if (delay > 0) {
      this.pendingAt = now + delay;
      return undefined;
    }
    return this.report(inRange);
  }

  report(inQuorum: boolean): QuorumChange {
    this.reported = inQuorum;
    return { name: this.spec.name, inQuorum, count: this.pids.size };
  }

  tick(now: number): QuorumChange | undefined {
    if (this.pendingAt === undefined || now < this.pendingAt) return undefined;
    this.pendingAt = undefined;
    const inRange = this.inRange();
    return inRange === this.reported ? undefined : this.report(inRange);
  }
}

/** One live process in a full picture of the system. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly view: ProcessView;
}

/** Every tracker's counted processes, fed with process events or full pictures. */
export class ProcessTable {
  readonly #trackers: Quorum[];
  /** pid -> the trackers counting it. */
  readonly #counted = new Map<number, Set<Quorum>>();

  constructor(specs: readonly TrackedProcessSpec[]) {
    this.#trackers = specs.map((s) => new Quorum(s));
  }

  /** A tracker's count and reported quorum (undefined before the first picture). */
  state(name: string): { readonly count: number; readonly inQuorum: boolean | undefined; readonly pending: boolean } | undefined {
    const q = this.#trackers.find((t) => t.spec.name === name);
    return q && { count: q.pids.size, inQuorum: q.reported, pending: q.pendingAt !== undefined };
  }

  /** Pids counted by some tracker (to watch for their exit). */
  counted(): number[] {
    return [...this.#counted.keys()];
  }

  /**
   * A full picture of the live processes. The first one sets every tracker's quorum without
   * reports; later ones are judged as one change each (no report of an intermediate count).
   */
  picture(procs: readonly ProcessEntry[], now: number): QuorumChange[] {
    const out: QuorumChange[] = [];
    const present = new Set(procs.map((p) => p.pid));
    for (const q of this.#trackers) {
      const before = new Set(q.pids);
      const matching = new Map(procs.filter((p) => processMatches(q.spec, p.view)).map((p) => [p.pid, p]));
      let exited = false;
      for (const pid of before) {
        if (matching.has(pid)) continue;
        exited ||= !present.has(pid);
        this.#uncount(q, pid);
      }
      const added = [...matching.values()].filter((p) => this.#count(q, p.pid));
      if (q.reported === undefined) {
        q.reported = q.inRange();
        continue;
      }
      const forks = added.length > 0 && added.every((p) => before.has(p.ppid));
      this.#push(out, q.settle(q.inRange() ? (forks ? 'fork' : 'other') : exited ? 'exit' : 'other', now));
    }
    return out;
  }

  /** A process forked: its child is counted by whatever counts the parent. */
  fork(parent: number, child: number, now: number): QuorumChange[] {
    const out: QuorumChange[] = [];
    for (const q of [...(this.#counted.get(parent) ?? [])]) this.#push(out, this.#add(q, child, 'fork', now));
    return out;
  }

  /** A process exec'ed (or was first seen): judge it again from what it is now. `comm` alone: only name trackers are judged. */
  judge(pid: number, view: ProcessView, now: number, commOnly = false): QuorumChange[] {
    const out: QuorumChange[] = [];
    for (const q of this.#trackers) {
      if (commOnly && q.spec.fullCommand) continue;
      const counted = q.pids.has(pid);
      const matches = processMatches(q.spec, view);
      if (matches && !counted) this.#push(out, this.#add(q, pid, 'other', now));
      else if (!matches && counted) this.#push(out, this.#remove(q, pid, 'other', now));
    }
    return out;
  }

  /** A process exited. */
  exit(pid: number, now: number): QuorumChange[] {
    const out: QuorumChange[] = [];
    for (const q of [...(this.#counted.get(pid) ?? [])]) this.#push(out, this.#remove(q, pid, 'exit', now));
    return out;
  }

  /** Delays that are due. */
  tick(now: number): QuorumChange[] {
    const out: QuorumChange[] = [];
    for (const q of this.#trackers) this.#push(out, q.tick(now));
    return out;
  }

  /** The earliest pending delay, or undefined. */
  nextDeadline(): number | undefined {
    const due = this.#trackers.map((q) => q.pendingAt).filter((t) => t !== undefined);
    return due.length === 0 ? undefined : Math.min(...due);
  }

  #push(out: QuorumChange[], c: QuorumChange | undefined): void {
    if (c) out.push(c);
  }

  #count(q: Quorum, pid: number): boolean {
    if (q.pids.has(pid)) return false;
    q.pids.add(pid);
    let set = this.#counted.get(pid);
    if (!set) this.#counted.set(pid, (set = new Set()));
    set.add(q);
    return true;
  }

  #uncount(q: Quorum, pid: number): boolean {
    if (!q.pids.delete(pid)) return false;
    const set = this.#counted.get(pid);
    set?.delete(q);
    if (set?.size === 0) this.#counted.delete(pid);
    return true;
  }

  #add(q: Quorum, pid: number, cause: Cause, now: number): QuorumChange | undefined {
    return this.#count(q, pid) ? q.settle(cause, now) : undefined;
  }

  #remove(q: Quorum, pid: number, cause: Cause, now: number): QuorumChange | undefined {
    return this.#uncount(q, pid) ? q.settle(cause, now) : undefined;
  }
}
