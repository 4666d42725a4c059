/**
 * `npm run demo -- --dual-stack`: the demo's scenarios on the deploy kit's dual-stack configs (an
 * IPv4 and an IPv6 instance in one sync group, nginx listening on both families), the client
 * probing both VIPs; every scenario judged on both, both VIPs always on one node, and the picture
 * showing both. Needs what demo.test.ts needs; skipped with the reason otherwise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../../src/lab/demo.js';
import { buildIfStale, demoSkipReason } from './demo-skip.js';
import { slowSkipReason } from '../../helpers/slow.js';


// Slow (2 to 3 minutes): every scenario again; the dual-stack group's failover is proven by
// test/integration/daemon/ipv6.test.ts and test/interop/keepalived-ipv6.test.ts.
const reason = slowSkipReason('the dual-stack demo') ?? (await demoSkipReason());
if (reason) console.warn(`skipping the dual-stack demo: ${reason}`);

describe.skipIf(reason !== undefined)('npm run demo -- --dual-stack (lab in namespaces)', () => {
  let out = ''; // made in beforeAll: the body of a skipped describe still runs, its afterAll does not
  let result: DemoResult;
  let log = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'vrrpd-demo6-'));
    buildIfStale();
    result = await runDemo({ outDir: out, dualStack: true, write: (s) => void (log += s) });
  }, 180_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes every scenario on both families', () => {
    console.log(result.summary);
    expect(result.results.map((r) => r.id)).toEqual(['1a', '1b', '2a', '2b', '3a', '3b', '4']);
    for (const r of result.results) {
      expect(r.passed, `${r.id} ${r.title}: ${r.note}\n${log}`).toBe(true);
      expect(Object.keys(r.outages).sort()).toEqual(['ipv4', 'ipv6']);
    }
  });

  it('the IPv6 VIP fails over with the IPv4 one: the client saw both outages, the sync group moved both', () => {
    const byId = Object.fromEntries(result.results.map((r) => [r.id, r]));
    for (const id of ['1a', '2a']) {
      expect(byId[id]!.holder).toBe('op2');
      expect(byId[id]!.outages.ipv6).toBeGreaterThan(500);
      expect(byId[id]!.outages.ipv4).toBeGreaterThan(500);
    }
    expect(log).toMatch(/VI_6: \w+ -> MASTER \[sync-group\]|VI_1: \w+ -> MASTER \[sync-group\]/);
  });

  it('the picture shows both families', () => {
    const svg = readFileSync(result.svgPath, 'utf8');
    for (const row of ['op1 IPv4 MASTER', 'op1 IPv6 MASTER', 'op2 IPv6 MASTER', 'client IPv4', 'client IPv6']) expect(svg).toContain(`>${row}<`);
  });
});
