/**
 * RFC 3768 conformance of the configuration front end (src/config): the ranges and defaults
 * §5.3 and §6.1 fix, as keepalived.conf text becomes the router's RouterConfig.
 * Each test title starts with its row ID in docs/rfc3768-conformance.md.
 */
import { describe, expect, it } from 'vitest';
import { ip } from '../../helpers/router-fixtures.js';
import { routerConfigOf } from '../../../src/config/index.js';
import { Router } from '../../../src/protocol/router.js';
import { instance, load } from '../config/helpers.js';

const withVrid = (v: string) => instance('').replace('virtual_router_id 51', `virtual_router_id ${v}`);
const only = (body: string) => {
  const r = load(instance(body), { interfaces: ['eth0'] });
  return { lines: r.lines, vi: r.config?.instances[0] };
};

describe('RFC 3768 §5.3.3 VRID', () => {
  it('5.3.3-1 VRID 1 and 255 are accepted; 0 and 256 are errors', () => {
    for (const v of ['1', '255']) expect(load(withVrid(v), { interfaces: ['eth0'] }).lines).toEqual([]);
    for (const v of ['0', '256']) {
      const r = load(withVrid(v), { interfaces: ['eth0'] });
      // The error disables the instance (the rest of a file would run; config/validate.ts).
      expect(r.config?.instances).toEqual([]);
      expect(r.disabled.map((d) => d.name)).toEqual(['VI_1']);
      expect(r.lines.join('\n')).toMatch(/error: virtual_router_id must be an integer from 1 to 255/);
    }
  });
  it('5.3.3-1 there is no default VRID: leaving it out is an error', () => {
    const r = load(instance('').replace('  virtual_router_id 51\n', ''), { interfaces: ['eth0'] });
    expect(r.config?.instances).toEqual([]);
    expect(r.disabled.map((d) => d.name)).toEqual(['VI_1']);
    expect(r.lines.join('\n')).toMatch(/has no virtual_router_id/);
  });
});

describe('RFC 3768 §5.3.4 priority', () => {
  it('5.3.4-2 a configured priority must lie in 1..255; 0 (leaving) and 256 are errors', () => {
    for (const p of ['0', '256']) {
      const { lines, vi } = only(`  priority ${p}`);
      expect(vi).toBeUndefined();
      expect(lines.join('\n')).toMatch(/error: priority must be an integer from 1 to 255/);
    }
    for (const p of [1, 254]) expect(only(`  priority ${p}`).vi?.priority).toBe(p);
  });
  it('5.3.4-3 a backup without a priority line runs at 100', () => {
    const { lines, vi } = only('  state BACKUP');
    expect(lines).toEqual([]);
    expect(vi?.priority).toBe(100);
  });
});

describe('RFC 3768 §5.3.7 and §6.1 defaults', () => {
  it('5.3.7-1 Advertisement_Interval defaults to 1 second', () => {
    const vi = only('').vi!;
    expect(vi.adverIntervalCs).toBe(100);
    expect(routerConfigOf(vi, ip('10.0.0.2')).adverIntervalCs).toBe(100);
  });
  it('6.1-3 Preempt_Mode defaults to true; nopreempt turns it off', () => {
    expect(routerConfigOf(only('').vi!, ip('10.0.0.2')).preempt).toBe(true);
    expect(routerConfigOf(only('  nopreempt').vi!, ip('10.0.0.2')).preempt).toBe(false);
  });
  it('6.1-4 the owner (priority 255) always preempts: nopreempt is reset with a warning', () => {
    const { lines, vi } = only('  priority 255\n  nopreempt');
    expect(lines.join('\n')).toMatch(/warning: .*nopreempt is incompatible with priority 255/);
    expect(routerConfigOf(vi!, ip('10.0.0.2')).preempt).toBe(true);
  });
});

describe('RFC 3768 §5.3.10 authentication data', () => {
  it('5.3.10-1 without authentication the router is given, and sends, 8 zero bytes', () => {
    const rc = routerConfigOf(only('').vi!, ip('10.0.0.2'));
    expect(rc.auth?.type).toBe(0);
    expect([...rc.auth!.data]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const r = new Router(rc);
    r.step({ kind: 'startup' }, 0);
    const out = r.step({ kind: 'timeout' }, r.nextDeadline()!);
    const a = out.find((x) => x.kind === 'sendAdvert');
    expect(a?.kind === 'sendAdvert' && [...(a.advert.auth?.data ?? [])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
