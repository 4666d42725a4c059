/** bench:scale's and bench:failover's targets: --vrrpd-at builds and their --vrrpd-flags. */
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseTargets, targetFlags } from '../../../bench/lib/targets.js';

it('runs one bundle under two labels with the flags each was given', () => {
  const argv = ['--vrrpd-at', 'spark=b/vrrpd.js', '--vrrpd-flags', 'spark=--max-opt=1  --no-lazy', '--vrrpd-at', 'jit=b/vrrpd.js', '--vrrpd-flags', 'jit='];
  const targets = parseTargets(argv, 'vrrpd');
  expect(targets.map((t) => t.label)).toEqual(['vrrpd', 'vrrpd@spark', 'vrrpd@jit']);
  expect(targets[1]).toMatchObject({ cli: resolve('b/vrrpd.js'), flags: ['--max-opt=1', '--no-lazy'] });
  expect(targetFlags(targets[1]!, ['--node-flags-lose'])).toEqual(['--max-opt=1', '--no-lazy']);
  expect(targetFlags(targets[2]!, undefined)).toEqual([]); // `jit=`: no flags at all, not the bin's
  expect(targetFlags(targets[0]!, ['--x'])).toEqual(['--x']); // this build: --node-flags (else its bin's)
});

it('refuses flags for a label no --vrrpd-at names', () => {
  expect(() => parseTargets(['--vrrpd-flags', 'nope=--max-opt=1'], undefined)).toThrow(/nope/);
  expect(() => parseTargets(['--vrrpd-flags', '--max-opt=1'], undefined)).toThrow(/LABEL=FLAGS/);
});
