/** `--metrics ADDR:PORT` and global_defs `vrrpd_metrics ADDR:PORT`: one parser, one meaning. */
import { describe, expect, it } from 'vitest';
import { parseDaemonArgs } from '../../../src/cli/args.js';
import { formatListenAddress, parseListenAddress } from '../../../src/config/listen-address.js';
import { loadConfig } from '../../../src/config/load.js';
import { memoryHost } from '../../../src/config/memory-host.js';

const load = (globals: string) =>
  loadConfig('/k.conf', memoryHost({ '/k.conf': `global_defs {\n${globals}\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n` }));

describe('listen addresses', () => {
  it('takes an IPv4 or bracketed IPv6 literal and a port, and gives it back the same way', () => {
    expect(parseListenAddress('127.0.0.1:9657')).toEqual({ ok: true, value: { host: '127.0.0.1', port: 9657 } });
    const v6 = parseListenAddress('[::1]:9657');
    expect(v6).toEqual({ ok: true, value: { host: '::1', port: 9657 } });
    expect(v6.ok && formatListenAddress(v6.value)).toBe('[::1]:9657');
    for (const bad of ['localhost:9657', '127.0.0.1', '127.0.0.1:0', '127.0.0.1:65536', '::1:9657', '[127.0.0.1]:80', ':9657', '127.0.0.1:96a']) {
      expect(parseListenAddress(bad).ok, bad).toBe(false);
    }
  });

  it('global_defs vrrpd_metrics: a vrrpd extension, said so; a bad address is a positioned error', () => {
    const good = load('  vrrpd_metrics 127.0.0.1:9657');
    expect(good.config?.global.vrrpdMetrics).toEqual({ host: '127.0.0.1', port: 9657 });
    expect(good.diagnostics).toContainEqual(expect.objectContaining({ severity: 'info', line: 2, message: expect.stringContaining('is a vrrpd extension') }));
    expect(load('').config?.global.vrrpdMetrics).toBeUndefined();
    const bad = load('  vrrpd_metrics localhost:9657');
    expect(bad.config).toBeUndefined();
    expect(bad.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', line: 2, col: 17 }));
  });

  it('vrrpd run --metrics (and cleanup, which shares $VRRPD_ARGS, accepts it)', () => {
    expect(parseDaemonArgs(['-f', '/k.conf', '--metrics', '127.0.0.1:9657'])).toMatchObject({ metrics: { host: '127.0.0.1', port: 9657 } });
    expect(parseDaemonArgs(['-f', '/k.conf', '--metrics=[::1]:9657'], { netns: true })).toMatchObject({ metrics: { host: '::1', port: 9657 } });
    expect(parseDaemonArgs(['-f', '/k.conf'])).not.toHaveProperty('metrics');
    expect(parseDaemonArgs(['-f', '/k.conf', '--metrics', 'nope'])).toMatch(/^--metrics: 'nope' is not ADDRESS:PORT/);
  });
});
