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
import { describeOutcome, ScriptTracker, type CheckOutcome, type LastCheck, type ScriptCheckInfo, type TrackerAction } from '../../track/script-tracker.js';
import { health, type Reading, type TrackerInfo } from '../../track/tracker.js';
import { DeadlineTimer, type Now } from '../clock.js';
import { RateLimiter, type Logger } from '../log.js';
import { keyOf, type KindRuntime, type TrackedObject, type TrackerContext, type TrackerKind, type Wanted } from './kind.js';

/** How a vrrp_script checks: a program, or vrrpd's fork-free `check_tcp`. */
const checkKind = (script: VrrpScript): ScriptCheckInfo['kind'] => (script.script.kind === 'check_tcp' ? 'check_tcp' : 'script');

export interface ScriptDriverDeps {
  readonly now: Now;
  readonly log: Logger;
  readonly onChange: (name: string, detail: string) => void;
  /** Every finished check (the metrics' duration histogram). */
  readonly onCheck?: (script: { readonly name: string; readonly kind: ScriptCheckInfo['kind'] }, last: LastCheck) => void;
}

export class ScriptDriver implements TrackedObject {
  readonly kind = 'vrrp_script' as const;
  readonly name: string;
  readonly check: ScriptCheckInfo['kind'];
  readonly tracker: ScriptTracker;
  readonly #spec: CheckSpec;
  readonly #now: Now;
  readonly #log: Logger;
  readonly #timer: DeadlineTimer;
  readonly #onChange: (name: string, detail: string) => void;
  readonly #onCheck: ScriptDriverDeps['onCheck'];
  #stopped = false;
  /** Aborted on stop: kills any check still running (its whole process group). */
  readonly #abort = new AbortController();
  /** Settles when the tracker has its first verdict (or at once with init_fail). */
  readonly settled: Promise<void>;
  #settle!: () => void;
  #sinceMs: number | undefined;
  /** A hung check skips a run every interval: one line a minute, then how many more. */
  readonly #skipLog: RateLimiter;

  constructor(script: VrrpScript, spec: CheckSpec, deps: ScriptDriverDeps) {
    this.name = script.name;
    this.check = checkKind(script);
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
    this.#onCheck = deps.onCheck;
    this.#skipLog = new RateLimiter({ windowMs: 60_000, onSuppressed: (_k, n) => this.#log.warn({ skipped: n }, `${this.name}: ${n} more runs skipped, the previous check still running`) });
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
    const t = this.tracker;
    const last = t.lastCheck;
    return {
      kind: this.kind,
      name: this.name,
      health: t.state,
      weight: t.config.weight,
      reverse: t.config.reverse,
      ...(last ? { lastResult: describeOutcome(last.outcome), lastDurationMs: Math.round(last.durationMs * 10) / 10 } : {}),
      ...(this.#sinceMs !== undefined ? { sinceMs: this.#sinceMs } : {}),
      check: { kind: this.check, intervalMs: t.config.intervalMs, timeoutMs: t.timeoutMs, stats: t.stats, ...(last ? { last } : {}) },
    };
  }

  #step(input: Parameters<ScriptTracker['step']>[0]): void {
    for (const a of this.tracker.step(input, this.#now())) this.#perform(a);
    this.#timer.arm(this.#stopped ? undefined : this.tracker.nextDeadline());
  }

  #perform(a: TrackerAction): void {
    switch (a.kind) {
      case 'run': {
        const done = (outcome: CheckOutcome): void => {
          if (this.#stopped) return;
          this.#step({ kind: 'result', outcome });
          const last = this.tracker.lastCheck; // the tracker times the run: started at 'run', ended at this result
          if (last) this.#onCheck?.({ name: this.name, kind: this.check }, last);
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
        if (this.#skipLog.check('skip', this.#now()).log) this.#log.warn({ detail: a.detail }, `${a.name}: previous check still running, skipping this one`);
        break;
      case 'statusChanged':
        this.#sinceMs = this.#now();
        this.#log.info({ from: a.from, to: a.to, detail: a.detail }, `${a.name}: ${a.to === 'healthy' ? 'succeeded' : 'failed'} (${a.detail})`);
        this.#onChange(a.name, `${a.name} ${a.to === 'healthy' ? 'healthy' : 'failed'}: ${a.detail}`);
        break;
    }
  }
}

/** What to check: a planned program, or the `check_tcp` connect; why not when the script is disabled (logged). */
async function checkSpec(script: VrrpScript, ctx: PlanContext, log: Logger): Promise<CheckSpec | { readonly disabled: string }> {
  if (script.script.kind === 'check_tcp') return { kind: 'tcp', target: { host: script.script.host, port: script.script.port } };
  const r = await planScript(script.script.argv, script.user, 'script', ctx);
  if (!r.ok) {
    log.error({ script: script.name, detail: r.error }, `vrrp_script ${script.name} disabled: ${r.error}`);
    return { disabled: r.error };
  }
  for (const note of r.value.notes) log.warn({ script: script.name }, `vrrp_script ${script.name}: ${note}`);
  return { kind: 'script', plan: r.value.plan, launcher: ctx.launcher };
}

/** A script that will not run, as the status model shows it: never checked, never moving a priority. */
function disabledInfo(s: VrrpScript, why: string): TrackerInfo {
  const stats = { runs: 0, skipped: 0, timeouts: 0, failures: 0 };
  const timeoutMs = s.timeoutMs || s.intervalMs; // keepalived's default: the interval
  return { kind: 'vrrp_script', name: s.name, health: 'unknown', weight: s.weight, reverse: s.reverse, disabled: why, check: { kind: checkKind(s), intervalMs: s.intervalMs, timeoutMs, stats } };
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
        if ('disabled' in spec) {
          ctx.disabled(disabledInfo(w.config, spec.disabled));
          return undefined;
        }
        const driver = new ScriptDriver(w.config, spec, {
          now: ctx.now,
          log: ctx.log,
          onChange: (name, detail) => ctx.changed('vrrp_script', name, detail),
          onCheck: ctx.checked,
        });
        driver.start();
        return driver;
      },
      stop() {},
    };
  },
};
