/**
 * `npm run fuzz -- [--datagrams 1000000] [--configs 100000] [--seed N] [--seeds-dir DIR]`: the
 * receive-path and config fuzzers at full size, with their figures. Every failing input is saved
 * under test/fixtures/regressions/ (replayed by test/property/fuzz-regressions.test.ts). `--seeds-dir`
 * adds configuration files (e.g. keepalived's doc/samples, read where they are, never copied in).
 * Exit status 0 when nothing failed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fuzzConfig, HEAP_BOUND_MB, TIME_BOUND_MS, type ConfigFigures } from './config-fuzz.js';
import { seedFrom } from './prng.js';
import { saveRegression } from './regressions.js';
import { fuzzRx, type RxFigures } from './rx-fuzz.js';

function intArg(argv: readonly string[], name: string, dflt: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
  return n;
}

function seedFiles(dir: string | undefined): string[] {
  if (dir === undefined) return [];
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p, 'utf8'));
}

function printRx(f: RxFigures): void {
  console.log(`\nreceive path: ${f.datagrams} datagrams (seed ${f.seed}) in ${(f.elapsedMs / 1000).toFixed(1)} s, ${f.rate}/s; ${f.seeds} seeds + ${f.emittedSeeds} adverts our instances emitted; ${f.ipv6} IPv6`);
  console.log(`interfaces: ${JSON.stringify(f.byWorld)}; instance states at the end: ${JSON.stringify(f.states)}`);
  const rows = Object.entries(f.outcomes).sort((a, b) => b[1] - a[1]);
  for (const [k, n] of rows) console.log(`  ${k.padEnd(28)} ${String(n).padStart(8)}  ${((n * 100) / f.datagrams).toFixed(2)}%`);
  console.log(`failures: ${f.failures.length}`);
}

function printConfig(f: ConfigFigures): void {
  console.log(`\nconfig front end (vrrpd check in-process): ${f.configs} configurations (seed ${f.seed}, ${f.seeds} seeds) in ${(f.elapsedMs / 1000).toFixed(1)} s`);
  console.log(`  usable ${f.usable}, refused with diagnostics ${f.refused}; largest ${(f.largestBytes / 1024).toFixed(0)} KiB`);
  console.log(`  time per check: p50 ${f.msP50.toFixed(2)} ms, p99 ${f.msP99.toFixed(2)} ms, max ${f.msMax.toFixed(1)} ms (bound ${TIME_BOUND_MS} ms)`);
  console.log(`  heap in use, sampled: max ${f.heapMaxMb.toFixed(0)} MB (bound ${HEAP_BOUND_MB} MB)`);
  console.log(`failures: ${f.failures.length}`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const seed = seedFrom(argv);
  const datagrams = intArg(argv, '--datagrams', 1_000_000);
  const configs = intArg(argv, '--configs', 100_000);
  const d = argv.indexOf('--seeds-dir');
  console.log(`fuzz: seed ${seed} (replay with --seed ${seed})`);
  const rx = await fuzzRx(datagrams, seed, { progress: (n) => console.log(`  ${n} datagrams`) });
  printRx(rx);
  const cfg = await fuzzConfig(configs, seed, { extraSeeds: seedFiles(d >= 0 ? argv[d + 1] : undefined), progress: (n) => console.log(`  ${n} configurations`) });
  printConfig(cfg);
  for (const r of [...rx.failures, ...cfg.failures]) console.log(`saved ${saveRegression(r)}: ${r.why.split('\n')[0]}`);
  return rx.failures.length + cfg.failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(2);
  },
);
