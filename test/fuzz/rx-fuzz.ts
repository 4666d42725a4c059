/**
 * The receive-path fuzz loop: every seed once as it is, then mutations, through RxHarness; the
 * adverts our instances emit join the corpus as they appear. Yields to the event loop every
 * thousand datagrams so the instances' timers run (states change under the fuzzer as they would).
 */
import { emittedInput, mutate, seedInputs, type FuzzInput } from './rx-corpus.js';
import { Prng } from './prng.js';
import { RxHarness } from './rx-harness.js';
import type { Regression } from './regressions.js';

export interface RxFigures {
  readonly seed: number;
  readonly datagrams: number;
  readonly elapsedMs: number;
  /** Datagrams per second. */
  readonly rate: number;
  readonly seeds: number;
  readonly emittedSeeds: number;
  /** The counter each datagram moved ("accepted", "checksumErrors", ...) -> how many. */
  readonly outcomes: Record<string, number>;
  readonly byWorld: Record<string, number>;
  readonly ipv6: number;
  readonly failures: readonly Regression[];
  readonly states: Record<string, string>;
}

export function rxRegression(input: FuzzInput, why: string, seed: number, index: number): Regression {
  const r = input.raw;
  const raw =
    r.family === 'ipv4'
      ? { family: r.family, hex: Buffer.from(r.bytes).toString('hex') }
      : { family: r.family, hex: Buffer.from(r.payload).toString('hex'), src: r.src, dst: r.dst, hopLimit: r.hopLimit };
  return { kind: 'rx', world: input.world, raw, why, seed, index };
}

export async function fuzzRx(count: number, seed: number, opts: { maxFailures?: number; progress?: (done: number) => void } = {}): Promise<RxFigures> {
  const rng = new Prng(seed);
  const harness = new RxHarness();
  const seeds = seedInputs();
  const corpus: FuzzInput[] = [...seeds];
  const outcomes: Record<string, number> = {};
  const byWorld: Record<string, number> = {};
  const failures: Regression[] = [];
  let used = 0;
  let ipv6 = 0;
  let states: Record<string, string> = {};
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      if (i % 1000 === 0) {
        for (; used < harness.emitted.length; used++) {
          const e = harness.emitted[used]!;
          corpus.push(emittedInput(e.payload, e.dst, e.world));
        }
        if (i > 0) await new Promise((r) => setImmediate(r));
        if (i % 100_000 === 0 && i > 0) opts.progress?.(i);
      }
      const input = i < seeds.length ? seeds[i]! : mutate(rng, corpus);
      if (input.raw.family === 'ipv6') ipv6++;
      byWorld[input.world] = (byWorld[input.world] ?? 0) + 1;
      const o = harness.feed(input.world, input.raw);
      if (o.ok) outcomes[o.moved] = (outcomes[o.moved] ?? 0) + 1;
      else if (failures.length < (opts.maxFailures ?? 20)) failures.push(rxRegression(input, o.why, seed, i));
      else outcomes.failed = (outcomes.failed ?? 0) + 1;
    }
    states = harness.states();
  } finally {
    await harness.stop();
  }
  const elapsedMs = performance.now() - t0;
  return { seed, datagrams: count, elapsedMs, rate: Math.round((count * 1000) / elapsedMs), seeds: seeds.length, emittedSeeds: used, outcomes, byWorld, ipv6, failures, states };
}
