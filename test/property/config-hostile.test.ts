/**
 * Property: the loader is bounded whatever it is fed. Sets of files built from real configs,
 * mutated, and salted with amplifiers (includes of each other and of globs, self-referring and
 * doubling parameters, deep braces, brace groups in include names, long words, repeats by the
 * thousand) never make loadConfig throw, give a config or positioned errors, and each load
 * takes under PER_LOAD_MS of CPU. Memory: the process's resident set grows by under RSS_GROWTH_MB over
 * the whole run (one input expanding without bound would take gigabytes, as the old loader did).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classOf, loadConfig, memoryHost } from '../../src/config/index.js';

const PER_LOAD_MS = 5000;
const RSS_GROWTH_MB = 600;
const dir = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const SEEDS = ['seed/node1-master.conf', 'kubeadm/keepalived-template.conf', 'include/conf.d/20-instance.conf'].map((f) => readFileSync(dir + f, 'utf8'));
const D = '/etc/keepalived';
const NAMES = ['keepalived.conf', 'a.conf', 'b.conf', 'c.inc', 'd.conf'];

/** Pieces that multiply work when repeated or combined. */
const amplifier: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('include *.conf\n', `include ${D}/*\n`, 'include a.conf\ninclude a.conf\n', 'include b.conf b.conf b.conf\n', 'includea missing/*.conf\n'),
  fc.nat({ max: 24 }).map((n) => `include ${'{a,b}'.repeat(n)}.conf\n`),
  fc.nat({ max: 30 }).map((n) => `$P0=xy\n${Array.from({ length: n }, (_, l) => `$P${l + 1}=$P${l} $P${l}\n`).join('')}router_id $P${n}\n`),
  fc.nat({ max: 24 }).map((n) => `$Q0= \\\nx \\\n}\n${Array.from({ length: n }, (_, l) => `$Q${l + 1}= \\\n$Q${l} \\\n$Q${l}\n`).join('')}$Q${n}\n`),
  fc.constantFrom('$A=$A $A\n$A\n', '$B=${C}\n$C=${B}\n$B\n', '$X=@node1 $X\n$X\n'),
  fc.nat({ max: 5000 }).map((n) => `${'{ x '.repeat(n)}${'}'.repeat(n)}\n`),
  fc.nat({ max: 200_000 }).map((n) => `notify "${'w'.repeat(n)}"\n`),
  fc.tuple(fc.nat({ max: 20_000 }), fc.constantFrom('}\n', 'x y z\n', 'vrrp_instance\n', '@node1 a\n')).map(([n, s]) => s.repeat(n)),
);

const fileText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...SEEDS), fc.array(fc.tuple(fc.nat(), amplifier), { maxLength: 4 }), fc.nat({ max: 3 }))
  .map(([seed, inserts, cut]) => {
    const lines = seed.split('\n');
    for (const [at, piece] of inserts) lines.splice(at % (lines.length + 1), 0, piece);
    return lines.slice(0, lines.length - cut * 3).join('\n');
  });

let baselineRss = 0;
let peakRss = 0;
const limitsHit = new Map<string, number>();

function checkBounded(files: Record<string, string>): void {
  const host = memoryHost(files, { interfaces: ['eth0'], hostname: 'node1' });
  // CPU time, not wall time: on a shared machine a load can wait seconds for a core (CI runs
  // the unit files in parallel), and that says nothing about the loader's work.
  const c0 = process.cpuUsage();
  const r = loadConfig(`${D}/keepalived.conf`, host);
  const cpu = process.cpuUsage(c0);
  const ms = (cpu.user + cpu.system) / 1000;
  expect(ms, `load took ${ms.toFixed(0)} ms of CPU`).toBeLessThan(PER_LOAD_MS);
  // Refused only for an error that stops the file (a diagnostic past the kept 1000 counts in the overflow line).
  const fatal = r.diagnostics.filter((d) => classOf(d) === 'fatal');
  if (r.config === undefined) expect(fatal.length).toBeGreaterThan(0);
  else expect(fatal).toEqual([]);
  for (const d of r.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(d.message.length).toBeLessThan(1200);
  }
  expect(r.diagnostics.length).toBeLessThanOrEqual(1001 + 1);
  for (const d of r.diagnostics) {
    const name = /vrrpd limit (\w+)/.exec(d.message)?.[1];
    if (d.code === 'limit' && name !== undefined) limitsHit.set(name, (limitsHit.get(name) ?? 0) + 1);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

describe('the loader under hostile inputs', () => {
  it(`sets of mutated files with amplifiers: never throws, each load under ${PER_LOAD_MS} ms, RSS growth under ${RSS_GROWTH_MB} MB`, () => {
    baselineRss = process.memoryUsage().rss;
    const t0 = performance.now();
    fc.assert(
      fc.property(fc.array(fileText, { minLength: 1, maxLength: NAMES.length }), (texts) => {
        checkBounded(Object.fromEntries(texts.map((t, i) => [`${D}/${NAMES[i]}`, t])));
      }),
      // No shrinking: a counterexample of this size takes minutes to shrink; the seed it prints replays it.
      { numRuns: 60, endOnFailure: true },
    );
    const growthMb = (peakRss - baselineRss) / 2 ** 20;
    console.log(`[config-hostile] 60 file sets in ${(performance.now() - t0).toFixed(0)} ms; RSS growth ${growthMb.toFixed(0)} MB; limits hit: ${[...limitsHit].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(growthMb).toBeLessThan(RSS_GROWTH_MB);
  }, 120_000);
});
