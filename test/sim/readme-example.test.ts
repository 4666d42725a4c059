/** The README's simulator example, run as written: the README must stay true. */
import { expect, it } from 'vitest';
import { priority, Simulation, vrid } from '../../src/sim/index.js';

it('README: two OP nodes, op1 power cut at 10 s, op2 takes over', () => {
  const base = {
    vrid: vrid(251), adverIntervalMs: 1000, preempt: true, preemptDelayMs: 0,
    authType: 1 as const, authData: new TextEncoder().encode('PASS\0\0\0\0'),
    vips: ['192.168.50.100'], addressMismatch: 'drop' as const,
  };
  const sim = new Simulation()
    .addRouter('op1', { ...base, name: 'op1', priority: priority(100), primaryIp: '192.168.50.11' })
    .addRouter('op2', { ...base, name: 'op2', priority: priority(90), primaryIp: '192.168.50.12' })
    .startAll(0)
    .kill('op1', 10_000)
    .runUntil(20_000);
  expect(sim.masters()).toEqual(['op2']);
  expect(sim.holders('192.168.50.100')).toEqual(['op2']);
  expect(sim.format(['state'])).toBe(
    [
      '     0.000 op1    state     INIT -> BACKUP (startup: priority 100)',
      '     0.000 op2    state     INIT -> BACKUP (startup: priority 90)',
      '  3609.375 op1    state     BACKUP -> MASTER (master-down-timer: no master heard)',
      ' 13257.913 op2    state     BACKUP -> MASTER (master-down-timer: no advert from 192.168.50.11)',
    ].join('\n'),
  );
});
