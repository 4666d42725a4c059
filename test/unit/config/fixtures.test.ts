import { describe, expect, it } from 'vitest';
import { ipAddress } from '../../../src/wire/address.js';
import { readdirSync } from 'node:fs';
import { routerConfigOf } from '../../../src/config/index.js';
import { FIXTURES, fixture, load } from './helpers.js';

describe('seed configs parse unchanged', () => {
  it('node 1: MASTER, priority 100, VRID 251, PASS, negative-weight script on eth0', () => {
    const r = load({ '/etc/keepalived/keepalived.conf': fixture('seed/node1-master.conf') }, { interfaces: ['eth0'] });
    expect(r.lines).toEqual([]);
    const cfg = r.config!;
    expect(cfg.global.routerId).toBe('node1');
    expect(cfg.global.vrrpMcastGroup4).toBe('224.0.0.18');
    expect(cfg.global.garpMasterDelayMs).toBe(5000);
    expect(cfg.global.garpMasterRepeat).toBe(5);
    expect(cfg.global.garpMasterRefreshMs).toBe(0);
    const [vi] = cfg.instances;
    expect(vi).toMatchObject({
      name: 'VI_1', state: 'MASTER', interface: 'eth0', vrid: 251, priority: 100, priorityExplicit: true,
      adverIntervalCs: 100, version: 2, auth: { type: 1, pass: '11111111' }, nopreempt: false, preemptDelayMs: 0,
      vips: [{ address: '192.168.50.100', prefixLen: 24 }], trackScripts: [{ name: 'chk_nginx' }],
      garp: { masterDelayMs: 5000, masterRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    });
    expect(cfg.scripts[0]).toMatchObject({
      name: 'chk_nginx', weight: -20, intervalMs: 2000, timeoutMs: 2000, rise: 2, fall: 2,
      script: { kind: 'exec', command: '/usr/bin/nc -z 127.0.0.1 7443', argv: ['/usr/bin/nc', '-z', '127.0.0.1', '7443'] },
    });
    const rc = routerConfigOf(vi!, ipAddress('192.168.50.1'));
    expect(rc).toMatchObject({ vrid: 251, version: 2, family: 'ipv4', priority: 100, adverIntervalCs: 100, preempt: true, acceptMode: true, addressMismatch: 'drop', vips: ['192.168.50.100'] });
    expect(rc.auth?.type).toBe(1);
    expect([...rc.auth!.data]).toEqual([...Buffer.from('11111111')]);
  });

  it('node 2: BACKUP, priority 90 on ens33; a missing interface is a warning', () => {
    const r = load({ '/etc/keepalived/keepalived.conf': fixture('seed/node2-backup.conf') }, { interfaces: ['eth0'] });
    expect(r.lines).toEqual([
      "/etc/keepalived/keepalived.conf:19:15: warning: interface 'ens33' does not exist on this machine; vrrp_instance VI_1 will wait in FAULT until it appears",
    ]);
    expect(r.config!.instances[0]).toMatchObject({ state: 'BACKUP', priority: 90, interface: 'ens33', vrid: 251 });
  });

  it.each([
    ['kubeadm/keepalived-master.conf', 'MASTER', 101],
    ['kubeadm/keepalived-backup.conf', 'BACKUP', 100],
  ])('kubeadm HA guide %s', (file, state, prio) => {
    const r = load(fixture(file));
    expect(r.lines).toEqual([]);
    const vi = r.config!.instances[0]!;
    expect(vi).toMatchObject({ state, priority: prio, vrid: 51, auth: { type: 1, pass: '42' }, vips: [{ address: '192.168.0.40', prefixLen: 32 }] });
    expect(r.config!.scripts[0]).toMatchObject({ name: 'check_apiserver', weight: -2, intervalMs: 3000, timeoutMs: 3000, fall: 10, rise: 2 });
    const rc = routerConfigOf(vi, ipAddress('192.168.0.11'));
    expect([...rc.auth!.data]).toEqual([0x34, 0x32, 0, 0, 0, 0, 0, 0]);
  });

  it.each([
    ['cp1', 'MASTER', 101],
    ['cp2', 'BACKUP', 100],
  ])('kubeadm template with parameters and conditionals, config id %s', (id, state, prio) => {
    const r = load(fixture('kubeadm/keepalived-template.conf'), { configId: id });
    expect(r.lines).toEqual([]);
    expect(r.config!.instances[0]).toMatchObject({ state, priority: prio, interface: 'eth0', vrid: 51 });
  });

  it('every fixture file loads without throwing', () => {
    const walk = (dir: string): string[] =>
      readdirSync(`${FIXTURES}${dir}`, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(`${dir}${e.name}/`) : e.name.endsWith('.conf') ? [`${dir}${e.name}`] : [],
      );
    for (const f of walk('')) expect(() => load(fixture(f))).not.toThrow();
  });
});
