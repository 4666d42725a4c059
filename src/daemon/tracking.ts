/**
 * Health tracking for the daemon. Every tracker kind (trackers/registry.ts) is handled alike: the
 * objects a configuration asks for are started, kept across a reload while their settings are
 * unchanged, and stopped when no longer wanted; an instance's trackers are its references
 * (`track_script { NAME weight N }` ..., its sync group's included) read through keepalived's
 * weight rules. Notifications are ./notifications.ts's.
 */
import type { VrrpdConfig, VrrpInstance } from '../config/types.js';
import { systemScriptHost, type ScriptHost } from '../io/script-launcher.js';
import type { TrackerStatus } from '../protocol/types.js';
import { statusOf, type TrackerInfo, type TrackerKindName } from '../track/tracker.js';
import { describeError } from '../background.js';
import type { Now } from './clock.js';
import type { Logger } from './log.js';
import type { KindRuntime, LinkView, TrackedObject, TrackerContext, TrackerKind } from './trackers/kind.js';
import { TRACKER_KINDS } from './trackers/registry.js';

/** One tracker of an instance: the object, and the weight the instance gives it. */
export interface InstanceTracker {
  readonly info: TrackerInfo;
  readonly weight: number;
  readonly reverse: boolean;
  /** Where the reference comes from: the instance itself, or its sync group. */
  readonly group?: string;
}

interface Running {
  readonly obj: TrackedObject;
  readonly key: string;
}

export interface TrackingDeps {
  readonly now: Now;
  readonly log: Logger;
  /** A tracked object's reading changed: update every instance that tracks it. */
  readonly onChange: (kind: TrackerKindName, name: string, detail: string) => void;
  readonly links: LinkView;
  readonly runDir: string;
  /** Tests inject their own script host. */
  readonly host?: () => Promise<ScriptHost>;
}

export class Tracking {
  readonly #running = new Map<string, Running>();
  readonly #runtimes = new Map<TrackerKindName, KindRuntime<unknown>>();
  readonly #ctx: TrackerContext;
  #host: Promise<ScriptHost> | undefined;
  /** Set after the first apply: later ones are reloads. */
  #applied = false;
  readonly #hostFor: () => Promise<ScriptHost>;

  constructor(deps: TrackingDeps) {
    this.#hostFor = deps.host ?? systemScriptHost;
    this.#ctx = {
      now: deps.now,
      log: deps.log,
      changed: deps.onChange,
      links: deps.links,
      runDir: deps.runDir,
      scriptHost: () => (this.#host ??= this.#hostFor()),
      bug: (what, e) => deps.log.error({ err: describeError(e) }, `bug: ${what} threw; contained`),
    };
  }

  /** Start the tracked objects the configuration asks for, keeping unchanged ones across reloads. */
  async apply(config: VrrpdConfig): Promise<void> {
    for (const kind of TRACKER_KINDS) await this.#applyKind(kind, config);
    this.#applied = true;
  }

  async #applyKind(kind: TrackerKind, config: VrrpdConfig): Promise<void> {
    const wanted = new Map(kind.wanted(config).map((w) => [w.name, w]));
    const prefix = `${kind.kind}:`;
    for (const [id, r] of this.#running) {
      if (!id.startsWith(prefix) || wanted.get(r.obj.name)?.key === r.key) continue;
      r.obj.stop();
      this.#running.delete(id);
    }
    let runtime = this.#runtimes.get(kind.kind);
    for (const w of wanted.values()) {
      if (this.#running.has(prefix + w.name)) continue;
      if (!runtime) this.#runtimes.set(kind.kind, (runtime = kind.runtime(this.#ctx)));
      const obj = await runtime.create(w, config, this.#applied);
      if (obj) this.#running.set(prefix + w.name, { obj, key: w.key });
    }
    runtime?.settle?.([...this.#running.entries()].filter(([id]) => id.startsWith(prefix)).map(([, r]) => r.obj));
  }

  #get(kind: TrackerKindName, name: string): TrackedObject | undefined {
    return this.#running.get(`${kind}:${name}`)?.obj;
  }

  /** Wait (at most `capMs`) for the first verdict of every object the instance tracks. */
  async settled(inst: VrrpInstance, capMs = 3000): Promise<void> {
    const pending = TRACKER_KINDS.flatMap((k) => k.refs(inst).map((r) => this.#get(k.kind, r.name)?.settled)).filter((p) => p !== undefined);
    if (pending.length === 0) return;
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, capMs).unref())]);
  }

  /** The instance's trackers now, as the router takes them: each reference read with its weight (or the object's own). */
  statuses(inst: VrrpInstance): TrackerStatus[] {
    return this.trackers(inst).map((t) => {
      const kind = TRACKER_KINDS.find((k) => k.kind === t.info.kind)!;
      const obj = this.#get(t.info.kind, t.info.name)!;
      return statusOf(kind.label(t.info.name), obj.reading(), t.weight, t.reverse);
    });
  }

  /** The instance's trackers for the status model: each object's info and the weight the instance gives it. */
  trackers(inst: VrrpInstance): InstanceTracker[] {
    const out: InstanceTracker[] = [];
    for (const kind of TRACKER_KINDS) {
      for (const ref of kind.refs(inst)) {
        const obj = this.#get(kind.kind, ref.name);
        if (!obj) continue; // disabled (logged when it was planned)
        const info = obj.info();
        out.push({ info, weight: ref.weight ?? info.weight, reverse: ref.reverse ?? info.reverse, ...(ref.group !== undefined ? { group: ref.group } : {}) });
      }
    }
    return out;
  }

  /** Whether the instance tracks (kind, name). */
  tracks(inst: VrrpInstance, kind: TrackerKindName, name: string): boolean {
    return TRACKER_KINDS.some((k) => k.kind === kind && k.refs(inst).some((r) => r.name === name));
  }

  /** Every running tracked object, for the status model. */
  objects(): TrackerInfo[] {
    return [...this.#running.values()].map((r) => r.obj.info());
  }

  stop(): void {
    for (const r of this.#running.values()) r.obj.stop();
    this.#running.clear();
    for (const rt of this.#runtimes.values()) rt.stop();
    this.#runtimes.clear();
  }
}
