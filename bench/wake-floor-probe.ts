/**
 * `node dist/bench/wake-floor-probe.js --period MS --seconds S`: the machine's timer wake-up
 * latency, the floor under any daemon that sleeps between adverts. Sleeps in the kernel
 * (Atomics.wait: a futex wait with a timeout, as epoll_wait's and a timerfd's wake-ups go through
 * the same hrtimers) towards deadlines PERIOD ms apart, reads the monotonic clock on each wake-up,
 * and prints one JSON line at the end: each wake-up's lateness after its deadline, ms. No
 * network, no files; bench:scale runs it beside the master during its window (bench/lib/wake-floor.ts).
 */
import { performance } from 'node:perf_hooks';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: a positive number`);
  return v;
}

const periodMs = arg('--period', 100);
const seconds = arg('--seconds', 20);
const cell = new Int32Array(new SharedArrayBuffer(4));
const lateMs: number[] = [];
const start = performance.now();
// A count, not `deadline += periodMs` against an end time: summing floats can push the last
// deadline a hair past the end and lose a wake-up.
const wakes = Math.floor((seconds * 1000) / periodMs + 1e-9);
for (let i = 1; i <= wakes; i++) {
  const deadline = start + i * periodMs;
  const left = deadline - performance.now();
  // Nothing ever notifies `cell`: the wait always ends by its timeout.
  if (left > 0) Atomics.wait(cell, 0, 0, left);
  lateMs.push(Math.max(0, performance.now() - deadline));
}
process.stdout.write(`${JSON.stringify({ periodMs, lateMs: lateMs.map((x) => Math.round(x * 1000) / 1000) })}\n`);
