/** bench:scale's and bench:failover's targets: --vrrpd-at builds, their --vrrpd-flags and --vrrpd-env. */
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseTargets, targetEnv, targetFlags } from '../../../bench/lib/targets.js';

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

it('gives each label its --vrrpd-env over the bench environment, without NODE_EXTRA_CA_CERTS unless given', () => {
  const argv = ['--vrrpd-at', 'a1=b/vrrpd.js', '--vrrpd-env', 'a1=GLIBC_TUNABLES=glibc.malloc.arena_max=1', '--vrrpd-env', 'a1=X=y=z', '--vrrpd-at', 'ca=b/vrrpd.js', '--vrrpd-env', 'ca=NODE_EXTRA_CA_CERTS=/c.crt'];
  const targets = parseTargets(argv, 'vrrpd');
  expect(targets[1]!.env).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=1', X: 'y=z' });
  const saved = process.env.NODE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = '/shell.crt';
  try {
    const [own, a1, ca] = targets.map(targetEnv);
    expect(own).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(own!.PATH).toBe(process.env.PATH);
    expect(a1).toMatchObject({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=1', X: 'y=z' });
    expect(a1).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(ca!.NODE_EXTRA_CA_CERTS).toBe('/c.crt');
  } finally {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
  }
  expect(() => parseTargets(['--vrrpd-env', 'nope=A=b'], undefined)).toThrow(/nope/);
  expect(() => parseTargets(['--vrrpd-at', 'a=b/vrrpd.js', '--vrrpd-env', 'a=novalue'], undefined)).toThrow(/LABEL=VAR=VALUE/);
});
