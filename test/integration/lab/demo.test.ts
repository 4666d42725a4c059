/**
 * The whole `npm run demo`, as CI runs it: the lab in namespaces (real nginx, real vrrpd from
 * dist/, the deploy kit's configs), every scenario judged against its RFC 3768 bound, and nothing
 * left behind. Needs root, `ip netns`, nginx with the stream module; skipped with the reason
 * otherwise. Builds dist/ first when it is older than src/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/io/exec.js';
import { runDemo, type DemoResult } from '../../../src/lab/demo.js';
import { LAB_NS_PATTERN } from '../../../src/lab/topology.js';
import { buildIfStale, demoSkipReason } from './demo-skip.js';

async function labNamespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.ok ? r.value.stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => LAB_NS_PATTERN.test(n)) : [];
}

const reason = await demoSkipReason();
if (reason) console.warn(`skipping the demo: ${reason}`);

describe.skipIf(reason !== undefined)('npm run demo (lab in namespaces)', () => {
  let out = ''; // made in beforeAll: the body of a skipped describe still runs, its afterAll does not
  let result: DemoResult;
  let before: string[] = [];
  let log = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'vrrpd-demo-'));
    buildIfStale();
    before = await labNamespaces();
    result = await runDemo({ outDir: out, write: (s) => void (log += s) });
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes every scenario', () => {
    console.log(result.summary);
    expect(result.results.map((r) => r.id)).toEqual(['1a', '1b', '2a', '2b', '3a', '3b', '4']);
    for (const r of result.results) expect(r.passed, `${r.id} ${r.title}: ${r.note}\n${log}`).toBe(true);
    expect(result.passed).toBe(true);
  });

  it('measures real failovers: the VIP moved and the client saw it', () => {
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    expect(byId['1a']!.holder).toBe('op2');
    expect(byId['1a']!.outageMs).toBeGreaterThan(500); // nginx really stopped: the client noticed
    expect(byId['2a']!.outageMs).toBeGreaterThan(1000); // a power cut waits for Master_Down_Interval
    expect(byId['3a']!.outageMs).toBeLessThan(byId['2a']!.outageMs); // priority 0 beats the timeout
    expect(byId['4']!.moved).toBe(false);
  });

  it('prints one time axis: lines in time order, the client answered only after a master took the VIP', () => {
    const lines = log.split('\n').filter((l) => /^\+\s*\d+\.\d{3}s  /.test(l));
    const t = lines.map((l) => Number(/^\+\s*(\d+\.\d{3})s/.exec(l)![1]));
    expect(t).toEqual([...t].sort((a, b) => a - b));
    const firstOk = lines.findIndex((l) => / client +OK: VIP answers/.test(l));
    const firstMaster = lines.findIndex((l) => / op[12] +.*-> MASTER/.test(l));
    expect(lines.findIndex((l) => / op[12] +VIP added/.test(l))).toBeGreaterThanOrEqual(0);
    // The address answers as soon as `ip` has added it, which can be before vrrpd logs that `ip`
    // returned: the causal bound is the MASTER transition that asked for it.
    expect(firstMaster).toBeGreaterThanOrEqual(0);
    expect(firstOk).toBeGreaterThan(firstMaster);
  });

  it('writes the SVG and leaves no lab namespace behind', async () => {
    const svg = readFileSync(result.svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('op2 MASTER');
    const left = (await labNamespaces()).filter((n) => !before.includes(n));
    expect(left).toEqual([]);
    expect(existsSync(join('/run/vrrpd-lab', result.labId))).toBe(false);
  });
});

describe.skipIf(reason !== undefined)('npm run demo -- --vrrp-version 3 --advert-int 0.1 (lab in namespaces)', () => {
  let out = ''; // made in beforeAll: the body of a skipped describe still runs, its afterAll does not
  let result: DemoResult;
  let log = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'vrrpd-demo3-'));
    result = await runDemo({ outDir: out, protocol: { version: 3, advertInt: 0.1 }, write: (s) => void (log += s) });
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes every scenario against its RFC 5798 bound, the deploy kit running VRRPv3 at 0.1 s', () => {
    console.log(result.summary);
    expect(log).toContain('VRRPv3, advert_int 0.1 s');
    expect(result.summary).toContain('RFC 5798 bound');
    expect(result.results.map((r) => r.id)).toEqual(['1a', '1b', '2a', '2b', '3a', '3b', '4']);
    for (const r of result.results) expect(r.passed, `${r.id} ${r.title}: ${r.note}\n${log}`).toBe(true);
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    // Master_Down_Interval is 0.365 s (priority 90 at 10 cs): a power cut costs well under a second.
    expect(byId['2a']!.boundMs).toBeCloseTo(364.84375, 5);
    expect(byId['2a']!.outageMs).toBeLessThan(byId['2a']!.boundMs + byId['2a']!.marginMs);
    expect(byId['2a']!.holder).toBe('op2');
  });
});
