/**
 * Health tracking and notifications for the daemon: one ScriptDriver per vrrp_script in use,
 * the effective tracker list of each instance (track_script + track_interface), and notify
 * scripts run in order on every state change. Every script is planned first (io/script-plan.ts:
 * its user, its program, enable_script_security, no capabilities); one that cannot be planned is
 * disabled with an error line, as keepalived does, and never runs. A disabled vrrp_script never
 * moves the priority.
 */
import type { VrrpdConfig, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/types.js';
import { NotifyRunner, type NotifyScripts, type NotifyState, type NotifyWhich } from '../io/notify-runner.js';
import { systemScriptHost, type Launcher, type ScriptHost } from '../io/script-launcher.js';
import { planNotifyScripts, planScript, type PlanContext, type ScriptPlan } from '../io/script-plan.js';
import type { CheckSpec } from '../io/script-runner.js';
import type { TrackerStatus } from '../protocol/types.js';
import { interfaceTrackerStatus } from '../track/interface-tracker.js';
import type { CheckStats, LastCheck, ScriptHealth } from '../track/script-tracker.js';
import type { Now } from './clock.js';
import type { StateEvent } from './instance.js';
import type { Logger } from './log.js';
import { ScriptDriver } from './script-driver.js';

const STATE_FOR_NOTIFY: Partial<Record<StateEvent['to'], NotifyState>> = { MASTER: 'MASTER', BACKUP: 'BACKUP', FAULT: 'FAULT', INIT: 'STOP' };

/** One vrrp_script in use, as status and metrics see it (times monotonic). */
export interface ScriptFacts {
  readonly name: string;
  readonly kind: 'script' | 'check_tcp';
  readonly state: ScriptHealth | 'disabled';
  readonly disabled?: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly last?: LastCheck;
  readonly stats: CheckStats;
}

/** One tracker of an instance: what the router is told, plus its kind, raw state and last check. */
export interface InstanceTrackerFacts {
  readonly name: string;
  readonly kind: 'script' | 'check_tcp' | 'interface';
  readonly state: ScriptHealth | 'up' | 'down';
  readonly weight: number;
  readonly healthy: boolean;
  readonly last?: LastCheck;
}

export class Tracking {
  readonly #drivers = new Map<string, { driver: ScriptDriver; key: string }>();
  #notify: NotifyRunner | undefined;
  readonly #notifyPlans = new Map<string, NotifyScripts>();
  /** Scripts in use that were not started, and why (facts for status). */
  readonly #disabled = new Map<string, { script: VrrpScript; why: string }>();
  readonly #onResult: ((script: { name: string; kind: 'script' | 'check_tcp' }, last: LastCheck) => void) | undefined;
  readonly #log: Logger;
  readonly #now: Now;
  readonly #onChange: (script: string, detail: string) => void;
  #host: ScriptHost | undefined;
  readonly #hostFor: () => Promise<ScriptHost>;

  constructor(deps: {
    now: Now;
    log: Logger;
    onScriptChange: (script: string, detail: string) => void;
    host?: () => Promise<ScriptHost>;
    /** Every finished check (the metrics' duration histogram). */
    onCheckResult?: (script: { name: string; kind: 'script' | 'check_tcp' }, last: LastCheck) => void;
  }) {
    this.#onResult = deps.onCheckResult;
    this.#log = deps.log;
    this.#now = deps.now;
    this.#onChange = deps.onScriptChange;
    this.#hostFor = deps.host ?? systemScriptHost;
  }

  /** Plan every script; start drivers for the vrrp_scripts in use, keeping unchanged ones across reloads. */
  async apply(config: VrrpdConfig): Promise<void> {
    const host = (this.#host ??= await this.#hostFor());
    this.#notify ??= this.#notifyRunner(host.launcher);
    const ctx: PlanContext = { scriptUser: config.global.scriptUser, enableScriptSecurity: config.global.enableScriptSecurity, launcher: host.launcher, self: host.self };
    const used = new Set(config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
    const wanted = config.scripts.filter((s) => used.has(s.name));
    const g = config.global;
    const keys = new Map(wanted.map((s) => [s.name, JSON.stringify({ ...s, pos: undefined, u: g.scriptUser, sec: g.enableScriptSecurity })]));
    for (const [name, d] of this.#drivers) {
      if (keys.get(name) !== d.key) {
        d.driver.stop();
        this.#drivers.delete(name);
      }
    }
    this.#disabled.clear();
    for (const script of wanted) {
      if (this.#drivers.has(script.name)) continue;
      const spec = await this.#checkSpec(script, ctx, host.launcher);
      if (typeof spec === 'string') {
        this.#disabled.set(script.name, { script, why: spec });
        continue;
      }
      const onResult = this.#onResult;
      const driver = new ScriptDriver(script, spec, { now: this.#now, log: this.#log, onChange: this.#onChange, ...(onResult ? { onResult } : {}) });
      this.#drivers.set(script.name, { driver, key: keys.get(script.name)! });
      driver.start();
    }
    await this.#planNotifies(config, ctx);
  }

  /** Wait (at most `capMs`) for the first verdict of the scripts an instance uses with weight 0. */
  async settled(inst: VrrpInstance, capMs = 3000): Promise<void> {
    const pending = inst.trackScripts.map((t) => this.#drivers.get(t.name)?.driver.settled).filter((p) => p !== undefined);
    if (pending.length === 0) return;
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, capMs).unref())]);
  }

  /** The instance's trackers now: its scripts (with per-instance weight overrides) and interfaces. */
  statuses(inst: VrrpInstance, linkUp: (ifname: string) => boolean | undefined): TrackerStatus[] {
    return this.trackerFacts(inst, linkUp).map(({ name, weight, healthy }) => ({ name, weight, healthy }));
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
    for (const d of this.#drivers.values()) d.driver.stop();
    this.#drivers.clear();
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

  /** What a vrrp_script runs, or why it is disabled (logged here). */
  async #checkSpec(script: VrrpScript, ctx: PlanContext, launcher: Launcher): Promise<CheckSpec | string> {
    if (script.script.kind === 'check_tcp') return { kind: 'tcp', target: { host: script.script.host, port: script.script.port } };
    const r = await planScript(script.script.argv, script.user, 'script', ctx);
    if (!r.ok) {
      this.#log.error({ script: script.name, detail: r.error }, `vrrp_script ${script.name} disabled: ${r.error}`);
      return r.error;
    }
    for (const note of r.value.notes) this.#log.warn({ script: script.name }, `vrrp_script ${script.name}: ${note}`);
    return { kind: 'script', plan: r.value.plan, launcher };
  }

  // --- facts for status and metrics ----------------------------------------------------------

  /** Every vrrp_script in use: running ones and disabled ones. */
  scriptFacts(): ScriptFacts[] {
    const running = [...this.#drivers.values()].map(({ driver }): ScriptFacts => {
      const t = driver.tracker;
      const last = t.lastCheck;
      return { name: driver.name, kind: driver.kind, state: t.state, intervalMs: t.config.intervalMs, timeoutMs: t.timeoutMs, stats: t.stats, ...(last ? { last } : {}) };
    });
    const disabled = [...this.#disabled.values()].map(({ script, why }): ScriptFacts => ({
      name: script.name,
      kind: script.script.kind === 'check_tcp' ? 'check_tcp' : 'script',
      state: 'disabled',
      disabled: why,
      intervalMs: script.intervalMs,
      timeoutMs: script.timeoutMs || script.intervalMs,
      stats: { runs: 0, skipped: 0, timeouts: 0, failures: 0 },
    }));
    return [...running, ...disabled];
  }

  /** An instance's trackers with the facts behind them: what `statuses` gives the router, and more. */
  trackerFacts(inst: VrrpInstance, linkUp: (ifname: string) => boolean | undefined): InstanceTrackerFacts[] {
    const out: InstanceTrackerFacts[] = [];
    for (const ref of inst.trackScripts) {
      const d = this.#drivers.get(ref.name)?.driver;
      if (!d) continue; // disabled: it never moves the priority (scriptFacts says why)
      const last = d.tracker.lastCheck;
      const s = d.status({ weight: ref.weight, reverse: ref.reverse });
      out.push({ name: s.name, kind: d.kind, state: d.tracker.state, weight: s.weight, healthy: s.healthy, ...(last ? { last } : {}) });
    }
    for (const ref of inst.trackInterfaces) {
      const up = linkUp(ref.name);
      const s = interfaceTrackerStatus({ ifname: ref.name, weight: ref.weight ?? 0, reverse: ref.reverse ?? false }, up);
      out.push({ name: s.name, kind: 'interface', state: up === undefined ? 'unknown' : up ? 'up' : 'down', weight: s.weight, healthy: s.healthy });
    }
    return out;
  }
}
