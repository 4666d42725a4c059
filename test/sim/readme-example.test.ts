/** The README's simulator example, run as written: the README must stay true. */
import { expect, it } from 'vitest';
import { ipAddress, priority, Simulation, vrid } from '../../src/sim/index.js';

it('README: two OP nodes, op1 power cut at 10 s, op2 takes over', () => {
  const base = {
    vrid: vrid(251), version: 2 as const, family: 'ipv4' as const, adverIntervalCs: 100,
    preempt: true, preemptDelayMs: 0, acceptMode: true,
    auth: { type: 1 as const, data: new TextEncoder().encode('PASS\0\0\0\0') },
    vips: [ipAddress('192.168.50.100')], addressMismatch: 'drop' as const,
  };
  const sim = new Simulation()
    .addRouter('op1', { ...base, name: 'op1', priority: priority(100), primaryIp: ipAddress('192.168.50.11') })
    .addRouter('op2', { ...base, name: 'op2', priority: priority(90), primaryIp: ipAddress('192.168.50.12') })
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
