/**
 * The demo's time axis (issue 12, "The demo's timeline"): the election as the demo saw it. The
 * client's probe that left at +3.827 s sat in the neighbour queue until op1 took the VIP and
 * announced it, and was answered at +4.115 s. Printed at its start, it read "VIP answers" before
 * "op1 BACKUP -> MASTER"; it must read after "VIP added", as it happened.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clientExperience, parseProbes } from '../../../src/lab/analysis.js';
import { Watch } from '../../../src/lab/watch.js';

const T0 = 1_700_000_000_000;
const at = (s: number): number => T0 + Math.round(s * 1000);
const OP1 = '10.251.0.11';

/** Probes every 10 ms from +3.500 s: timeouts (300 ms) until the VIP moves at +4.113 s; the ones in flight then are answered at +4.115 s. */
function electionProbes(): string {
  const lines: string[] = [];
  for (let t = at(3.5); t <= at(4.3); t += 10) {
    const answeredAt = at(4.115);
    if (t + 300 <= answeredAt) lines.push(`${t} 0 300.0 - - timeout`);
    else lines.push(`${t} 1 ${(Math.max(answeredAt, t + 1) - t).toFixed(1)} api1 ${OP1} -`);
  }
  return `${lines.join('\n')}\n`;
}

function vrrpdLog(): string {
  const line = (s: number, o: object): string => JSON.stringify({ level: 30, time: at(s), ...o });
  return [
    line(4.104, { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer', detail: '', msg: 'VI_1: BACKUP -> MASTER' }),
    line(4.113, { action: 'added', msg: 'virtual addresses updated' }),
  ].join('\n').concat('\n');
}

describe("the demo's timeline", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-watch-'));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the client after the election that let it through, every line in time order', () => {
    writeFileSync(join(dir, 'probes.log'), electionProbes());
    writeFileSync(join(dir, 'op1.log'), vrrpdLog());
    const out: string[] = [];
    const w = new Watch(T0, (l) => out.push(l), { [OP1]: 'op1' });
    w.follow(join(dir, 'op1.log'), 'op1', 'vrrpd');
    w.follow(join(dir, 'probes.log'), 'client', 'probes');
    w.stop(); // reads everything and prints it
    expect(out).toEqual([
      '+  3.800s  client  FAILING: timeout (the request sent at +3.500 s)',
      '+  4.104s  op1     VI_1: BACKUP -> MASTER [master-down-timer]',
      '+  4.113s  op1     VIP added',
      '+  4.115s  client  OK: VIP answers after an outage of 0.615 s (via op1, api1)',
    ]);
  });

  it("clientExperience: outcomes in the order they came, stale ones (an older request's late timeout) left out", () => {
    const seen = clientExperience(parseProbes(electionProbes()));
    expect(seen.map((p) => p.t)).toEqual([...seen.map((p) => p.t)].sort((a, b) => a - b));
    const firstOk = seen.findIndex((p) => p.ok);
    expect(seen[firstOk]!.t).toBe(at(4.115));
    expect(seen.slice(firstOk).every((p) => p.ok)).toBe(true); // timeouts of requests sent before it say nothing new
  });
});
