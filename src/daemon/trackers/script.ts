/**
 * The vrrp_script kind. One ScriptDriver per vrrp_script an instance tracks: the pure
 * ScriptTracker decides when to check and how results count; the driver arms its deadline timer,
 * starts the check (a planned process via the script runner, or a TCP connect for `check_tcp`)
 * without ever blocking the loop, and feeds the outcome back. A script that cannot be planned
 * (io/script-plan.ts: its user, its program, enable_script_security) is disabled with an error
 * line, as keepalived does, and never moves a priority.
 */
import type { VrrpScript, VrrpdConfig } from '../../config/types.js';
import { background, describeError } from '../../background.js';
import { planScript, type PlanContext } from '../../io/script-plan.js';
import { runCheck, type CheckSpec } from '../../io/script-runner.js';
import { describeOutcome, ScriptTracker, type CheckOutcome, type TrackerAction } from '../../track/script-tracker.js';
import { health, type Reading, type TrackerInfo } from '../../track/tracker.js';
import { DeadlineTimer, type Now } from '../clock.js';
import type { Logger } from '../log.js';
import { keyOf, type KindRuntime, type TrackedObject, type TrackerContext, type TrackerKind, type Wanted } from './kind.js';

export class ScriptDriver implements TrackedObject {
  readonly kind = 'vrrp_script' as const;
  readonly name: string;
  readonly tracker: ScriptTracker;
  readonly #spec: CheckSpec;
  readonly #now: Now;
  readonly #log: Logger;
  readonly #timer: DeadlineTimer;
  readonly #onChange: (name: string, detail: string) => void;
  #stopped = false;
  /** Aborted on stop: kills any check still running (its whole process group). */
  readonly #abort = new AbortController();
  /** Settles when the tracker has its first verdict (or at once with init_fail). */
  readonly settled: Promise<void>;
  #settle!: () => void;
  #last: { result: string; durationMs: number } | undefined;
  #sinceMs: number | undefined;

  constructor(script: VrrpScript, spec: CheckSpec, deps: { now: Now; log: Logger; onChange: (name: string, detail: string) => void }) {
    this.name = script.name;
    this.tracker = new ScriptTracker({
      name: script.name,
      intervalMs: script.intervalMs,
      timeoutMs: script.timeoutMs,
      weight: script.weight,
      reverse: script.reverse,
      rise: script.rise,
      fall: script.fall,
      initFail: script.initFail,
    });
    this.#spec = spec;
    this.#now = deps.now;
    this.#log = deps.log.child({ script: script.name });
    this.#onChange = deps.onChange;
    this.#timer = new DeadlineTimer(this.#now, () => this.#step({ kind: 'tick' }));
    this.settled = new Promise((r) => (this.#settle = r));
  }

  start(): void {
    this.#step({ kind: 'start' });
    if (this.tracker.settled) this.#settle();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#timer.cancel();
    this.#step({ kind: 'stop' });
  }

  reading(): Reading {
    return health(this.tracker.state);
  }

  info(): TrackerInfo {
    const c = this.tracker.config;
    return {
      kind: this.kind,
      name: this.name,
      health: this.tracker.state,
      weight: c.weight,
      reverse: c.reverse,
      ...(this.#last ? { lastResult: this.#last.result, lastDurationMs: this.#last.durationMs } : {}),
      ...(this.#sinceMs !== undefined ? { sinceMs: this.#sinceMs } : {}),
    };
  }

  #step(input: Parameters<ScriptTracker['step']>[0]): void {
    for (const a of this.tracker.step(input, this.#now())) this.#perform(a);
    this.#timer.arm(this.#stopped ? undefined : this.tracker.nextDeadline());
  }

  #perform(a: TrackerAction): void {
    switch (a.kind) {
      case 'run': {
        const t0 = this.#now();
        const done = (outcome: CheckOutcome): void => {
          if (this.#stopped) return;
          this.#last = { result: describeOutcome(outcome), durationMs: Math.round((this.#now() - t0) * 10) / 10 };
          this.#step({ kind: 'result', outcome });
          if (this.tracker.settled) this.#settle();
        };
        // runCheck never rejects; were it to (a bug), the run still ends as a failed check so the
        // tracker is not left waiting for a result that never comes.
        const bug = (e: unknown): void => {
          this.#log.error({ err: describeError(e) }, `bug: check ${a.name} threw; counted as a failure`);
          done({ kind: 'error', detail: 'internal error' });
        };
        background(runCheck(this.#spec, a.timeoutMs, undefined, this.#abort.signal).then(done, bug), (e) => {
          this.#log.error({ err: describeError(e) }, `bug: handling the result of check ${a.name} threw`);
        });
        break;
      }
      case 'skip':
        this.#log.warn({ detail: a.detail }, `${a.name}: previous check still running, skipping this one`);
        break;
      case 'statusChanged':
        this.#sinceMs = this.#now();
        this.#log.info({ from: a.from, to: a.to, detail: a.detail }, `${a.name}: ${a.to === 'healthy' ? 'succeeded' : 'failed'} (${a.detail})`);
        this.#onChange(a.name, `${a.name} ${a.to === 'healthy' ? 'healthy' : 'failed'}: ${a.detail}`);
        break;
    }
  }
}

/** What to check: a planned program, or the `check_tcp` connect; undefined when the script is disabled (logged). */
async function checkSpec(script: VrrpScript, ctx: PlanContext, log: Logger): Promise<CheckSpec | undefined> {
  if (script.script.kind === 'check_tcp') return { kind: 'tcp', target: { host: script.script.host, port: script.script.port } };
  const r = await planScript(script.script.argv, script.user, 'script', ctx);
  if (!r.ok) {
    log.error({ script: script.name, detail: r.error }, `vrrp_script ${script.name} disabled: ${r.error}`);
    return undefined;
  }
  for (const note of r.value.notes) log.warn({ script: script.name }, `vrrp_script ${script.name}: ${note}`);
  return { kind: 'script', plan: r.value.plan, launcher: ctx.launcher };
}

export const scriptKind: TrackerKind<VrrpScript> = {
  kind: 'vrrp_script',
  wanted(config: VrrpdConfig): Wanted<VrrpScript>[] {
    const used = new Set(config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
    const g = config.global;
    // The script user and enable_script_security decide how it runs: a change restarts it.
    return config.scripts.filter((s) => used.has(s.name)).map((s) => ({ name: s.name, key: keyOf({ s, u: g.scriptUser, sec: g.enableScriptSecurity }), config: s }));
  },
  refs: (inst) => inst.trackScripts,
  label: (name) => name,
  runtime(ctx: TrackerContext): KindRuntime<VrrpScript> {
    return {
      async create(w, config) {
        const host = await ctx.scriptHost();
        const g = config.global;
        const plan: PlanContext = { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity, launcher: host.launcher, self: host.self };
        const spec = await checkSpec(w.config, plan, ctx.log);
        if (!spec) return undefined;
        const driver = new ScriptDriver(w.config, spec, { now: ctx.now, log: ctx.log, onChange: (name, detail) => ctx.changed('vrrp_script', name, detail) });
        driver.start();
        return driver;
      },
      stop() {},
    };
  },
};
