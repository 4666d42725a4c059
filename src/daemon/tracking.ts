/**
 * Health tracking and notifications for the daemon. Every tracker kind (trackers/registry.ts) is
 * handled alike: the objects a configuration asks for are started, kept across a reload while
 * their settings are unchanged, and stopped when no longer wanted; an instance's trackers are its
 * references (`track_script { NAME weight N }` ...) read through keepalived's weight rules.
 * Notify scripts run in order on every state change; every script is planned first
 * (io/script-plan.ts), and one that cannot be planned is disabled with an error line, as
 * keepalived does, and never runs.
 */
import type { VrrpdConfig, VrrpInstance, VrrpSyncGroup } from '../config/types.js';
import { NotifyRunner, type NotifyScripts, type NotifyState, type NotifyWhich } from '../io/notify-runner.js';
import { systemScriptHost, type Launcher, type ScriptHost } from '../io/script-launcher.js';
import { planNotifyScripts, type PlanContext, type ScriptPlan } from '../io/script-plan.js';
import type { TrackerStatus } from '../protocol/types.js';
import { statusOf, type TrackerInfo, type TrackerKindName } from '../track/tracker.js';
import { describeError } from '../background.js';
import type { Now } from './clock.js';
import type { StateEvent } from './instance.js';
import type { Logger } from './log.js';
import type { KindRuntime, LinkView, TrackedObject, TrackerContext, TrackerKind } from './trackers/kind.js';
import { TRACKER_KINDS } from './trackers/registry.js';

const STATE_FOR_NOTIFY: Partial<Record<StateEvent['to'], NotifyState>> = { MASTER: 'MASTER', BACKUP: 'BACKUP', FAULT: 'FAULT', INIT: 'STOP' };

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
  #notify: NotifyRunner | undefined;
  readonly #notifyPlans = new Map<string, NotifyScripts>();
  readonly #log: Logger;
  readonly #ctx: TrackerContext;
  #host: Promise<ScriptHost> | undefined;
  /** Set after the first apply: later ones are reloads. */
  #applied = false;
  readonly #hostFor: () => Promise<ScriptHost>;

  constructor(deps: TrackingDeps) {
    this.#log = deps.log;
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

  /** Start the tracked objects the configuration asks for, keeping unchanged ones across reloads; plan the notify scripts. */
  async apply(config: VrrpdConfig): Promise<void> {
    const host = await this.#ctx.scriptHost();
    this.#notify ??= this.#notifyRunner(host.launcher);
    for (const kind of TRACKER_KINDS) await this.#applyKind(kind, config);
    this.#applied = true;
    const g = config.global;
    await this.#planNotifies(config, { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity, launcher: host.launcher, self: host.self });
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

  /** Queue the instance's notify scripts for a state change (never blocks). */
  notify(inst: VrrpInstance, event: StateEvent): void {
    this.#queue('INSTANCE', inst.name, event);
  }

  /** Queue a sync group's notify scripts when one of its members leads a move. */
  notifyGroup(group: VrrpSyncGroup, event: StateEvent): void {
    this.#queue('GROUP', group.name, event);
  }

  #queue(scope: 'INSTANCE' | 'GROUP', name: string, event: StateEvent): void {
    const state = STATE_FOR_NOTIFY[event.to];
    const scripts = this.#notifyPlans.get(`${scope}:${name}`);
    if (!state || !scripts) return;
    this.#notify?.notify({ scope, name, state, priority: event.priority }, scripts);
  }

  /** Wait for queued notify scripts (bounded by the caller). */
  async idle(): Promise<void> {
    await this.#notify?.idle();
  }

  stop(): void {
    for (const r of this.#running.values()) r.obj.stop();
    this.#running.clear();
    for (const rt of this.#runtimes.values()) rt.stop();
    this.#runtimes.clear();
  }

  #notifyRunner(launcher: Launcher): NotifyRunner {
    return new NotifyRunner({
      launcher,
      onDone: (d) => {
        const r = d.result;
        const ok = r.exitCode === 0 && r.error === undefined;
        this.#log[ok ? 'info' : 'warn'](
          { instance: d.event.name, state: d.event.state, script: d.plan.file, user: d.plan.user, exitCode: r.exitCode, timedOut: r.timedOut, error: r.error },
          `notify ${d.which} ${ok ? 'done' : 'failed'}`,
        );
      },
      onDropped: (e, waiting) => {
        this.#log.warn({ [e.scope === 'GROUP' ? 'group' : 'instance']: e.name, state: e.state, priority: e.priority, waiting }, `notify scripts for ${e.name} -> ${e.state} dropped: ${waiting} newer state changes are already waiting for their scripts`);
      },
    });
  }

  /** Plan the notify scripts of every instance and sync group; a disabled one is logged and left out. */
  async #planNotifies(config: VrrpdConfig, ctx: PlanContext): Promise<void> {
    this.#notifyPlans.clear();
    for (const n of await planNotifyScripts(config, ctx)) {
      const key = `${n.scope}:${n.owner}`;
      const plans: { [K in NotifyWhich]?: ScriptPlan } = { ...this.#notifyPlans.get(key) };
      if (!n.result.ok) {
        this.#log.error({ script: n.command, detail: n.result.error }, `${n.what} disabled: ${n.result.error}`);
      } else {
        for (const note of n.result.value.notes) this.#log.warn({ script: n.command }, `${n.what}: ${note}`);
        plans[n.which] = n.result.value.plan;
      }
      this.#notifyPlans.set(key, plans);
    }
  }
}
