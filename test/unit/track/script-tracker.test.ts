import { describe, expect, it } from 'vitest';
import {
  ScriptTracker,
  type CheckOutcome,
  type ScriptTrackerConfig,
  type TrackerAction,
} from '../../../src/track/script-tracker.js';
import { effectivePriority } from '../../../src/protocol/priority.js';

const base: ScriptTrackerConfig = { name: 'chk', intervalMs: 2000, weight: -20, reverse: false, rise: 1, fall: 1, initFail: false };
const OK: CheckOutcome = { kind: 'exit', code: 0 };
const FAIL: CheckOutcome = { kind: 'exit', code: 1 };

/** A fake clock plus a fake runner: every 'run' is answered by the next scripted outcome. */
class Harness {
  now = 0;
  log: TrackerAction[] = [];
  constructor(readonly t: ScriptTracker) {}
  start(): TrackerAction[] {
    return this.push(this.t.step({ kind: 'start' }, this.now));
  }
  /** Advance to the next deadline and tick. */
  tick(): TrackerAction[] {
    this.now = this.t.nextDeadline() ?? this.now;
    return this.push(this.t.step({ kind: 'tick' }, this.now));
  }
  result(o: CheckOutcome): TrackerAction[] {
    return this.push(this.t.step({ kind: 'result', outcome: o }, this.now));
  }
  /** One full cycle: the run that is due now answered with `o`. Returns the status changes. */
  cycle(o: CheckOutcome): string[] {
    const acts = this.t.busy || this.t.nextDeadline() === undefined ? [] : this.tick();
    expect(acts.some((a) => a.kind === 'run') || this.t.busy).toBe(true);
    return this.result(o)
      .filter((a) => a.kind === 'statusChanged')
      .map((a) => (a.kind === 'statusChanged' ? `${a.from}->${a.to}` : ''));
  }
  private push(a: TrackerAction[]): TrackerAction[] {
    this.log.push(...a);
    return a;
  }
}

function started(cfg: Partial<ScriptTrackerConfig> = {}): Harness {
  const h = new Harness(new ScriptTracker({ ...base, ...cfg }));
  const acts = h.start();
  expect(acts).toEqual([{ kind: 'run', name: 'chk', timeoutMs: cfg.timeoutMs || cfg.intervalMs || 2000 }]);
  return h;
}

describe('ScriptTracker scheduling', () => {
  it('runs at once on start, then every interval', () => {
    const h = started();
    expect(h.t.nextDeadline()).toBe(2000);
    h.result(OK);
    expect(h.tick()).toEqual([{ kind: 'run', name: 'chk', timeoutMs: 2000 }]);
    expect(h.now).toBe(2000);
    expect(h.t.nextDeadline()).toBe(4000);
  });
  it('timeout defaults to the interval (keepalived), else the configured one', () => {
    expect(new ScriptTracker(base).timeoutMs).toBe(2000);
    expect(new ScriptTracker({ ...base, timeoutMs: 0 }).timeoutMs).toBe(2000);
    expect(new ScriptTracker({ ...base, timeoutMs: 500 }).timeoutMs).toBe(500);
  });
  it('an early tick does nothing', () => {
    const h = started();
    h.result(OK);
    expect(h.t.step({ kind: 'tick' }, 1999)).toEqual([]);
  });
  it('skips a run while the previous one is still going, and counts it', () => {
    const h = started();
    expect(h.tick()).toEqual([{ kind: 'skip', name: 'chk', detail: 'previous run still going' }]);
    expect(h.t.stats).toMatchObject({ runs: 1, skipped: 1 });
    h.result(OK);
    expect(h.tick()[0]?.kind).toBe('run');
  });
  it('stop clears the deadline; a stray result afterwards is ignored', () => {
    const h = started();
    h.t.step({ kind: 'stop' }, 10);
    expect(h.t.nextDeadline()).toBeUndefined();
    h.result(FAIL);
    expect(h.t.state).toBe('failed'); // the in-flight result still counts
    expect(h.result(FAIL)).toEqual([]);
  });
  it('rejects nonsense configuration as a bug', () => {
    expect(() => new ScriptTracker({ ...base, rise: 0 })).toThrow(RangeError);
    expect(() => new ScriptTracker({ ...base, weight: 254 })).toThrow(RangeError);
    expect(() => new ScriptTracker({ ...base, intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('ScriptTracker hysteresis (keepalived counting)', () => {
  it('starts unknown; the first success makes it healthy even with rise 3', () => {
    const h = started({ rise: 3, fall: 3 });
    expect(h.t.state).toBe('unknown');
    expect(h.t.settled).toBe(false);
    expect(h.cycle(OK)).toEqual(['unknown->healthy']);
  });
  it('starts unknown; the first failure makes it failed even with fall 3', () => {
    const h = started({ rise: 3, fall: 3 });
    expect(h.cycle(FAIL)).toEqual(['unknown->failed']);
  });
  it('needs fall consecutive failures to fail and rise successes to recover', () => {
    const h = started({ rise: 2, fall: 3 });
    expect(h.cycle(OK)).toEqual(['unknown->healthy']);
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.cycle(FAIL)).toEqual(['healthy->failed']);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(OK)).toEqual(['failed->healthy']);
  });
  it('a success in the middle of a fall restarts the fall count', () => {
    const h = started({ rise: 1, fall: 2 });
    h.cycle(OK);
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.cycle(FAIL)).toEqual(['healthy->failed']);
  });
  it('a failure in the middle of a rise restarts the rise count', () => {
    const h = started({ rise: 3, fall: 1 });
    h.cycle(FAIL);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(OK)).toEqual(['failed->healthy']);
  });
  it('init_fail starts failed and needs the full rise', () => {
    const h = started({ rise: 2, fall: 2, initFail: true });
    expect(h.t.state).toBe('failed');
    expect(h.t.settled).toBe(true);
    expect(h.cycle(OK)).toEqual([]);
    expect(h.cycle(OK)).toEqual(['failed->healthy']);
  });
  it('init_fail: failures while failed report nothing', () => {
    const h = started({ initFail: true });
    expect(h.cycle(FAIL)).toEqual([]);
    expect(h.t.state).toBe('failed');
  });
  it('timeout, signal and spawn errors are failures; ok/fail built-ins count too', () => {
    for (const o of [
      { kind: 'timeout' },
      { kind: 'signal', signal: 'SIGSEGV' },
      { kind: 'error', detail: 'ENOENT' },
      { kind: 'fail', detail: 'ECONNREFUSED' },
      { kind: 'exit', code: 2 },
    ] as CheckOutcome[]) {
      const h = started();
      expect(h.cycle(o)).toEqual(['unknown->failed']);
    }
    const h = started();
    expect(h.cycle({ kind: 'ok' })).toEqual(['unknown->healthy']);
  });
  it('says why in statusChanged', () => {
    const h = started();
    h.tick(); // skip while busy
    const acts = h.result({ kind: 'timeout' });
    expect(acts).toEqual([{ kind: 'statusChanged', name: 'chk', from: 'unknown', to: 'failed', detail: 'timed out' }]);
    h.tick();
    expect(h.result(FAIL)).toEqual([]);
  });
});

describe('ScriptTracker as TrackerStatus (weights, reverse, override)', () => {
  const prio = (h: Harness, baseP = 100, binding = {}) => effectivePriority(baseP, [h.t.trackerStatus(binding)]);

  it('negative weight subtracts while failed, nothing while healthy or unknown', () => {
    const h = started({ weight: -20 });
    expect(prio(h).priority).toBe(100);
    h.cycle(FAIL);
    expect(prio(h).priority).toBe(80);
    h.cycle(OK);
    expect(prio(h).priority).toBe(100);
  });
  it('positive weight adds while healthy, nothing while failed or unknown', () => {
    const h = started({ weight: 15 });
    expect(prio(h).priority).toBe(100);
    h.cycle(OK);
    expect(prio(h).priority).toBe(115);
    h.cycle(FAIL);
    expect(prio(h).priority).toBe(100);
  });
  it('weight 0: failure is FAULT; unknown also reports failing (never master unverified)', () => {
    const h = started({ weight: 0 });
    expect(prio(h).faults).toEqual(['chk']);
    h.cycle(OK);
    expect(prio(h)).toMatchObject({ priority: 100, faults: [] });
    h.cycle(FAIL);
    expect(prio(h)).toMatchObject({ priority: 100, faults: ['chk'] });
  });
  it('reverse: positive weight subtracts while healthy; negative adds while failed', () => {
    const p = started({ weight: 10, reverse: true });
    expect(prio(p).priority).toBe(100);
    p.cycle(OK);
    expect(prio(p).priority).toBe(90);
    p.cycle(FAIL);
    expect(prio(p).priority).toBe(100);
    const n = started({ weight: -10, reverse: true });
    expect(prio(n).priority).toBe(100);
    n.cycle(FAIL);
    expect(prio(n).priority).toBe(110);
    n.cycle(OK);
    expect(prio(n).priority).toBe(100);
  });
  it('weight 0 reverse: FAULT while the script succeeds', () => {
    const h = started({ weight: 0, reverse: true });
    h.cycle(OK);
    expect(prio(h).faults).toEqual(['chk']);
    h.cycle(FAIL);
    expect(prio(h).faults).toEqual([]);
  });
  it("the instance's track_script weight overrides the script's", () => {
    const h = started({ weight: -20 });
    h.cycle(FAIL);
    expect(prio(h, 100, { weight: -50 }).priority).toBe(50);
    expect(prio(h, 100, { weight: 0 }).faults).toEqual(['chk']);
    expect(prio(h, 100, { weight: 30 }).priority).toBe(100);
    expect(prio(h, 100, { weight: 30, reverse: true }).priority).toBe(100);
    h.cycle(OK);
    expect(prio(h, 100, { weight: 30 }).priority).toBe(130);
    expect(prio(h, 100, { weight: 30, reverse: true }).priority).toBe(70);
    expect(prio(h, 100, { reverse: false }).priority).toBe(100);
    expect(h.t.trackerStatus({ weight: 30 })).toEqual({ name: 'chk', weight: 30, healthy: true });
  });
  it('the seed: 100 - 20 = 80 goes below the backup at 90', () => {
    const h = started({ weight: -20, fall: 2, rise: 2 });
    h.cycle(OK);
    h.cycle(FAIL);
    expect(prio(h).priority).toBe(100);
    h.cycle(FAIL);
    expect(prio(h).priority).toBe(80);
  });
});

describe('ScriptTracker: the last check and its counters (status and metrics)', () => {
  it('keeps the last result with its duration, and counts timeouts and other failures apart', () => {
    const t = new ScriptTracker(base);
    expect(t.lastCheck).toBeUndefined();
    t.step({ kind: 'start' }, 1000);
    t.step({ kind: 'result', outcome: OK }, 1003.5);
    expect(t.lastCheck).toEqual({ outcome: OK, ok: true, startedMs: 1000, durationMs: 3.5 });
    t.step({ kind: 'tick' }, 3000);
    t.step({ kind: 'result', outcome: { kind: 'timeout' } }, 5000);
    expect(t.lastCheck).toMatchObject({ ok: false, startedMs: 3000, durationMs: 2000 });
    t.step({ kind: 'tick' }, 5000);
    t.step({ kind: 'result', outcome: FAIL }, 5010);
    t.step({ kind: 'tick' }, 7000);
    t.step({ kind: 'tick' }, 9000); // still running: skipped
    expect(t.stats).toEqual({ runs: 4, skipped: 1, timeouts: 1, failures: 1 });
  });

  it('a stray result (nothing running) changes neither the last check nor the counters', () => {
    const t = new ScriptTracker(base);
    t.step({ kind: 'result', outcome: FAIL }, 10);
    expect(t.lastCheck).toBeUndefined();
    expect(t.stats).toEqual({ runs: 0, skipped: 0, timeouts: 0, failures: 0 });
  });
});
