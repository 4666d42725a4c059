/**
 * The config front end under mutation: `vrrpd check` in-process (cli/check.ts runCheck, the loader,
 * the validators, the script planner and the report) on mutated keepalived.conf files. Per input:
 * no exception, no "bug in vrrpd" line, an exit status of CHECK_EXIT but `usage` (usable, with
 * failover warnings, or not), within TIME_BOUND_MS, and the process's heap in use under
 * HEAP_BOUND_MB afterwards.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { runCheck } from '../../src/cli/check.js';
import { CHECK_EXIT } from '../../src/config/report.js';
import { memoryHost } from '../../src/config/index.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import { Prng } from './prng.js';
import type { Regression } from './regressions.js';

/** Each check must finish within this (wall time, on a loaded 2-core machine). */
export const TIME_BOUND_MS = 2000;
/** The fuzzing process's V8 heap in use must stay under this at every check's end. */
export const HEAP_BOUND_MB = 512;
/** Mutated configurations are cut at this size (the loader's own limits are larger). */
const MAX_TEXT = 256 * 1024;

const ENTRY = '/etc/keepalived/keepalived.conf';
const PIECES = [
  '{', '}', '"', "'", '\\', '!', '#', '\n', ' ', '\t', '\0', 'include conf.d/*.conf', 'include keepalived.conf', 'include /etc/keepalived/sub/{a,b}.inc',
  '@fuzz ', '@^fuzz ', '$V=1', '$V', '${V}', '~SEQ(i,1,3)', 'vrrp_instance X', 'vrrp_script chk', 'vrrp_sync_group G', 'global_defs',
  'virtual_ipaddress', 'virtual_ipaddress_excluded', 'unicast_peer', 'unicast_src_ip', 'track_script', 'track_interface', 'authentication', 'auth_type', 'auth_pass', 'AH', 'PASS',
  'priority', 'advert_int', 'virtual_router_id', 'state', 'MASTER', 'BACKUP', 'interface', 'eth0', 'vrrp_version', 'nopreempt', 'preempt_delay', 'weight', 'fall', 'rise',
  'script', 'notify_master', '"/bin/true"', 'user', 'nobody', 'garp_master_delay', 'old_unicast_checksum', 'dev', 'lo', 'scope', 'label', 'brd',
  '0', '1', '-1', '2', '3', '255', '256', '65536', '4294967296', '99999999999999999999', '1e309', '0.001', '0.1', 'NaN', '0x10',
  '::1', 'fe80::1/64', '10.0.0.1/33', '300.1.1.1', '192.168.50.100/24', '__proto__', 'constructor', 'toString',
];

/** The fixture configurations (and where a mutated one finds its includes). */
function fixtureFiles(): Record<string, string> {
  const root = join(REPO_ROOT, 'test', 'fixtures', 'config');
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

export interface ConfigCorpus {
  readonly seeds: readonly string[];
  /** Files beside the entry file: the include fixtures, at /etc/keepalived/... */
  readonly beside: Readonly<Record<string, string>>;
}

export function configCorpus(extraSeeds: readonly string[] = []): ConfigCorpus {
  const files = fixtureFiles();
  const beside = Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith('include/')).map(([p, t]) => [`/etc/keepalived/${p.slice('include/'.length)}`, t]));
  const seeds = [...Object.entries(files).filter(([p]) => p.endsWith('.conf')).map(([, t]) => t), ...extraSeeds];
  return { seeds, beside };
}

/** One change to the text: tokens deleted, inserted, swapped, lines repeated, nesting, long words, bytes. */
function mutateOnce(rng: Prng, tokens: string[]): void {
  const at = (extra = 0) => rng.int(tokens.length + extra);
  switch (rng.int(9)) {
    case 0:
      tokens.splice(at(), 1 + rng.int(3));
      break;
    case 1:
    case 2:
      tokens.splice(at(1), 0, rng.pick(PIECES), rng.chance(0.5) ? ' ' : '\n');
      break;
    case 3: {
      const a = at();
      const b = at();
      [tokens[a], tokens[b]] = [tokens[b] ?? '', tokens[a] ?? ''];
      break;
    }
    case 4: {
      const from = at();
      const piece = tokens.slice(from, from + 1 + rng.int(60));
      const times = rng.chance(0.1) ? 1 + rng.int(100) : 1 + rng.int(4);
      tokens.splice(at(1), 0, ...Array.from({ length: times }, () => piece).flat());
      break;
    }
    case 5:
      tokens.splice(at(1), 0, rng.pick(['{', '}', '{\n', '"']).repeat(1 + rng.int(rng.chance(0.2) ? 2000 : 20)));
      break;
    case 6:
      tokens.splice(at(1), 0, rng.pick(['a', '9', '.', '/', '"', '\\']).repeat(1 + rng.int(rng.chance(0.05) ? 70_000 : rng.chance(0.2) ? 5000 : 300)));
      break;
    case 7:
      tokens.splice(at(1), 0, Buffer.from(rng.bytes(1 + rng.int(16))).toString('utf8'));
      break;
    default:
      if (tokens.length > 0) tokens[at()] = String(rng.int(10) === 0 ? -rng.int(1000) : rng.int(rng.chance(0.5) ? 300 : 2 ** 31));
  }
}

export function mutateConfig(rng: Prng, corpus: ConfigCorpus): string {
  const tokens = rng.pick(corpus.seeds).split(/(\s+)/);
  for (let n = 1 + rng.int(6); n > 0; n--) mutateOnce(rng, tokens);
  return tokens.join('').slice(0, MAX_TEXT);
}

export type CheckOutcome = { readonly ok: true; readonly exit: number; readonly ms: number } | { readonly ok: false; readonly why: string; readonly ms: number };

/** `vrrpd check -f /etc/keepalived/keepalived.conf` on `text`, in-process, judged. */
export async function checkOne(text: string, corpus: ConfigCorpus): Promise<CheckOutcome> {
  let stdout = '';
  let stderr = '';
  const out = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const host = memoryHost({ ...corpus.beside, [ENTRY]: text }, { interfaces: ['eth0', 'eth1'], hostname: 'node1' });
  const t0 = performance.now();
  let exit: number;
  try {
    exit = await runCheck(['check', '-f', ENTRY], out, host);
  } catch (e) {
    return { ok: false, why: `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, ms: performance.now() - t0 };
  }
  const ms = performance.now() - t0;
  if (stderr.includes('bug in vrrpd')) return { ok: false, why: stderr.trim(), ms };
  if (exit !== CHECK_EXIT.ok && exit !== CHECK_EXIT.errors && exit !== CHECK_EXIT.failover) return { ok: false, why: `exit ${exit}: ${stderr.trim()}`, ms };
  if (exit !== CHECK_EXIT.errors && stdout.length === 0) return { ok: false, why: 'usable, but printed nothing', ms };
  if (ms > TIME_BOUND_MS) return { ok: false, why: `took ${ms.toFixed(0)} ms (bound ${TIME_BOUND_MS} ms)`, ms };
  const heapMb = getHeapStatistics().used_heap_size / 2 ** 20;
  if (heapMb > HEAP_BOUND_MB) return { ok: false, why: `heap in use ${heapMb.toFixed(0)} MB after the check (bound ${HEAP_BOUND_MB} MB)`, ms };
  return { ok: true, exit, ms };
}

export interface ConfigFigures {
  readonly seed: number;
  readonly configs: number;
  readonly seeds: number;
  readonly elapsedMs: number;
  readonly usable: number;
  readonly refused: number;
  readonly msP50: number;
  readonly msP99: number;
  readonly msMax: number;
  readonly largestBytes: number;
  readonly heapMaxMb: number;
  readonly failures: readonly Regression[];
}

export async function fuzzConfig(count: number, seed: number, opts: { extraSeeds?: readonly string[]; maxFailures?: number; progress?: (done: number) => void } = {}): Promise<ConfigFigures> {
  const rng = new Prng(seed);
  const corpus = configCorpus(opts.extraSeeds);
  const times: number[] = [];
  const failures: Regression[] = [];
  let usable = 0;
  let largestBytes = 0;
  let heapMaxMb = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const text = i < corpus.seeds.length ? corpus.seeds[i]! : mutateConfig(rng, corpus);
    largestBytes = Math.max(largestBytes, text.length);
    const o = await checkOne(text, corpus);
    times.push(o.ms);
    if (o.ok) usable += o.exit === CHECK_EXIT.errors ? 0 : 1;
    else if (failures.length < (opts.maxFailures ?? 20)) failures.push({ kind: 'config', text: Buffer.from(text, 'utf8').toString('base64'), why: o.why, seed, index: i });
    if (i % 1000 === 0) heapMaxMb = Math.max(heapMaxMb, getHeapStatistics().used_heap_size / 2 ** 20);
    if (i % 10_000 === 0 && i > 0) opts.progress?.(i);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return { seed, configs: count, seeds: corpus.seeds.length, elapsedMs: performance.now() - t0, usable, refused: count - usable - failures.length, msP50: q(0.5), msP99: q(0.99), msMax: times.at(-1) ?? 0, largestBytes, heapMaxMb, failures };
}
