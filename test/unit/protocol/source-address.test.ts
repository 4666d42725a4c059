/**
 * The router's source address at run time: it follows the interface's address (RFC 3768 §5.2.1)
 * and, with none left, the router waits in FAULT (no-source-address) like keepalived.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import type { Action } from '../../../src/protocol/types.js';
import { advert, ip, routerConfig } from '../../helpers/router-fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => a.kind);

function master(): Router {
  const r = new Router(routerConfig({ priority: 100 }));
  r.step({ kind: 'startup' }, 0);
  r.step({ kind: 'timeout' }, r.nextDeadline()!);
  expect(r.state).toBe('MASTER');
  return r;
}

describe('source address', () => {
  it('a master losing its only address: FAULT (no-source-address), priority 0, VIPs removed, no adverts', () => {
    const r = master();
    const out = r.step({ kind: 'source', ip: undefined, detail: 'interface eth0 has no IPv4 address' }, 9000);
    expect(kinds(out)).toEqual(['stateChanged', 'sendPriorityZero', 'removeVips', 'ownFault']);
    expect(out[0]).toMatchObject({ to: 'FAULT', reason: 'no-source-address', detail: 'no source address: interface eth0 has no IPv4 address' });
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.snapshot().faultReasons).toEqual(['no source address: interface eth0 has no IPv4 address']);
  });

  it('an address back: Backup with a fresh Master_Down_Timer, sending from it', () => {
    const r = master();
    r.step({ kind: 'source', ip: undefined, detail: 'none' }, 9000);
    const out = r.step({ kind: 'source', ip: ip('192.168.50.12'), detail: '' }, 10_000);
    expect(out).toEqual([
      expect.objectContaining({ kind: 'stateChanged', from: 'FAULT', to: 'BACKUP', reason: 'fault-cleared' }),
      { kind: 'ownFault', faulted: false, detail: 'fault cleared' },
    ]);
    expect(r.sourceIp).toBe('192.168.50.12');
    r.step({ kind: 'timeout' }, r.nextDeadline()!);
    expect(r.snapshot()).toMatchObject({ state: 'MASTER', masterIp: '192.168.50.12', sourceIp: '192.168.50.12' });
  });

  it('a master whose address changes stays master, and the tie-break uses the new one (§6.4.3)', () => {
    const r = master();
    expect(r.step({ kind: 'source', ip: ip('192.168.50.1'), detail: '' }, 9000)).toEqual([]);
    expect(r.snapshot()).toMatchObject({ state: 'MASTER', masterIp: '192.168.50.1', sourceIp: '192.168.50.1' });
    // Equal priority from .2: the higher address wins; we are .1 now (we were .2), so we step down.
    const out = r.step({ kind: 'advert', advert: advert({ priority: 100 }), srcIp: ip('192.168.50.2') }, 9100);
    expect(out[0]).toMatchObject({ kind: 'stateChanged', to: 'BACKUP', reason: 'higher-priority-advert' });
  });

  it('both faults must clear: no address and link down', () => {
    const r = master();
    r.step({ kind: 'source', ip: undefined, detail: 'none' }, 10);
    r.step({ kind: 'link', up: false }, 20);
    r.step({ kind: 'source', ip: ip('192.168.50.2'), detail: '' }, 30);
    expect(r.state).toBe('FAULT');
    expect(r.snapshot().faultReasons).toEqual(['interface down']);
    r.step({ kind: 'link', up: true }, 40);
    expect(r.state).toBe('BACKUP');
  });

  it('starting without an address goes straight to FAULT', () => {
    const r = new Router(routerConfig());
    r.step({ kind: 'source', ip: undefined, detail: 'none' }, 0);
    expect(r.step({ kind: 'startup' }, 1)[0]).toMatchObject({ to: 'FAULT', reason: 'no-source-address' });
  });
});
