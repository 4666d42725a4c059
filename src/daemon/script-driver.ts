/**
 * Runs one vrrp_script: the pure ScriptTracker decides when to check and how results count;
 * this driver arms its deadline timer, starts the check (a process via the script runner, or a
 * TCP connect for `check_tcp`) without ever blocking the loop, and feeds the outcome back.
 */
import type { VrrpScript } from '../config/types.js';
import { background, describeError } from '../background.js';
import { runCheck, type CheckSpec } from '../io/script-runner.js';
import { ScriptTracker, type CheckOutcome, type LastCheck, type TrackBinding, type TrackerAction } from '../track/script-tracker.js';
import type { TrackerStatus } from '../protocol/types.js';
import { DeadlineTimer, type Now } from './clock.js';
import type { Logger } from './log.js';

export class ScriptDriver {
  readonly name: string;
  readonly kind: 'script' | 'check_tcp';
  readonly tracker: ScriptTracker;
  readonly #spec: CheckSpec;
  readonly #now: Now;
  readonly #log: Logger;
  readonly #timer: DeadlineTimer;
  readonly #onChange: (name: string, detail: string) => void;
  readonly #onResult: ((script: ScriptDriver, last: LastCheck) => void) | undefined;
  #stopped = false;
  /** Aborted on stop: kills any check still running (its whole process group). */
  readonly #abort = new AbortController();
  /** Settles when the tracker has its first verdict (or at once with init_fail). */
  readonly settled: Promise<void>;
  #settle!: () => void;

  constructor(
    script: VrrpScript,
    spec: CheckSpec,
    deps: { now: Now; log: Logger; onChange: (name: string, detail: string) => void; onResult?: (script: ScriptDriver, last: LastCheck) => void },
  ) {
    this.name = script.name;
    this.kind = script.script.kind === 'check_tcp' ? 'check_tcp' : 'script';
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
    this.#onResult = deps.onResult;
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

  /** The instance's view: `track_script { NAME weight N }` overrides the script's own weight. */
  status(binding: TrackBinding): TrackerStatus {
    return this.tracker.trackerStatus(binding);
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
          const last = this.tracker.lastCheck;
          if (last) this.#onResult?.(this, last);
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
        this.#log.info({ from: a.from, to: a.to, detail: a.detail }, `${a.name}: ${a.to === 'healthy' ? 'succeeded' : 'failed'} (${a.detail})`);
        this.#onChange(a.name, `${a.name} ${a.to === 'healthy' ? 'healthy' : 'failed'}: ${a.detail}`);
        break;
    }
  }
}
