/**
 * vrrp_rt_priority for real (io/realtime-scheduling.ts, native/packet/sched.c): the event loop's
 * thread runs SCHED_RR, every other thread and every child stays SCHED_OTHER (a child at the
 * nice the launcher expects), RLIMIT_RTTIME is half / all of the limit, the kernel kills a
 * thread that spins past it, and the reset puts the thread back at SCHED_OTHER. Runs in child
 * processes so the test runner keeps its own scheduling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const RT = new URL('../../../dist/src/io/realtime-scheduling.js', import.meta.url);
const NICE = new URL('../../../dist/src/io/process-priority.js', import.meta.url);
const root = process.getuid?.() === 0;

const PROGRAM = `
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
const { applyRealtimeScheduling, currentRealtime } = await import(${JSON.stringify(RT.href)});
const { childNiceIncrement } = await import(${JSON.stringify(NICE.href)});
const fields = (text) => text.split(') ')[1].split(' ');
const sched = (text) => { const f = fields(text); return { policy: Number(f[38]), rt: Number(f[37]), nice: Number(f[16]) }; };
const threads = () => Object.fromEntries(readdirSync('/proc/self/task').map((t) => [t, sched(readFileSync('/proc/self/task/' + t + '/stat', 'utf8'))]));
const limit = () => (readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max realtime timeout')) ?? '').split(/\\s{2,}/).slice(1, 3);
const set = applyRealtimeScheduling({ priority: 7, rttimeUs: 500000 });
const again = applyRealtimeScheduling({ priority: 7, rttimeUs: 500000 });
const worker = new Worker('setTimeout(() => {}, 3000)', { eval: true });
await new Promise((r) => worker.once('online', r));
const during = threads();
const child = sched(execFileSync('cat', ['/proc/self/stat'], { encoding: 'utf8' }));
const inc = childNiceIncrement();
const limits = limit();
const back = applyRealtimeScheduling(undefined);
const after = threads();
await worker.terminate();
console.log(JSON.stringify({ pid: process.pid, set, again, during, child, inc, limits, back, after, current: currentRealtime() ?? null, bad: applyRealtimeScheduling({ priority: 0, rttimeUs: 500000 }) }));
`;

describe.skipIf(!root || !existsSync(RT))('vrrp_rt_priority on a real process', () => {
  it('makes the event loop thread SCHED_RR, bounds it with RLIMIT_RTTIME, leaves other threads and children alone, and resets', () => {
    type Sched = { policy: number; rt: number; nice: number };
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROGRAM], { encoding: 'utf8' })) as {
      pid: number; set: unknown; again: unknown; during: Record<string, Sched>; child: Sched; inc: number; limits: string[];
      back: unknown; after: Record<string, Sched>; current: unknown; bad: { ok: boolean; error?: string };
    };
    const SCHED_OTHER = 0;
    const SCHED_RR = 2;
    expect(r.set).toEqual({ ok: true, value: true });
    expect(r.again).toEqual({ ok: true, value: false });
    // The event loop's thread (tid = pid) only; V8's, libuv's and a worker started afterwards stay SCHED_OTHER.
    expect(r.during[String(r.pid)]).toMatchObject({ policy: SCHED_RR, rt: 7 });
    const others = Object.entries(r.during).filter(([tid]) => tid !== String(r.pid));
    expect(others.length).toBeGreaterThan(3);
    for (const [tid, s] of others) expect(s, tid).toMatchObject({ policy: SCHED_OTHER, rt: 0 });
    // A child starts at SCHED_OTHER (SCHED_RESET_ON_FORK), and the launcher's increment is from nice 0.
    expect(r.child).toMatchObject({ policy: SCHED_OTHER, rt: 0 });
    expect(r.inc).toBe(Math.max(0, r.child.nice === 0 ? r.during[String(r.pid)]!.nice : 0));
    expect(r.limits).toEqual(['250000', '500000']);
    expect(r.back).toEqual({ ok: true, value: true });
    expect(r.current).toBeNull();
    for (const [tid, s] of Object.entries(r.after)) expect(s, tid).toMatchObject({ policy: SCHED_OTHER, rt: 0 });
    expect(r.bad.ok).toBe(false);
  });

  it('a real-time thread that never sleeps is killed by the kernel at RLIMIT_RTTIME', () => {
    // The kernel counts real-time CPU in ticks and a VM loses some to steal: it kills at or after
    // the limit (300 ms here), never before; the spin gives up after 5 s of wall time.
    const spin = `const { applyRealtimeScheduling } = await import(${JSON.stringify(RT.href)});
process.on('SIGXCPU', () => {}); // as the daemon does: the soft limit's signal is a warning
const r = applyRealtimeScheduling({ priority: 7, rttimeUs: 300000 });
if (!r.ok) { console.log(r.error); process.exit(2); }
const t0 = performance.now(); while (performance.now() - t0 < 5000);
process.exit(3);`;
    const t0 = Date.now();
    let signal: string | null = null;
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', spin], { encoding: 'utf8' });
    } catch (e) {
      signal = (e as { signal: string | null }).signal;
    }
    expect(signal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
