import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import { SyncGroups } from '../../../src/protocol/sync-group.js';
import type { Action } from '../../../src/protocol/types.js';
import { advert, ip, routerConfig } from '../../helpers/router-fixtures.js';

/** Two routers in one sync group, with the coordinator applied after every step (as the daemon does). */
function pair() {
  const routers = new Map([
    ['VI_1', new Router(routerConfig({ name: 'VI_1', vrid: 51 }))],
    ['VI_2', new Router(routerConfig({ name: 'VI_2', vrid: 52, vips: [ip('10.0.0.100')] }))],
  ]);
  const sync = new SyncGroups([{ name: 'G', members: ['VI_1', 'VI_2'] }]);
  const log: string[] = [];
  const step = (name: string, input: Parameters<Router['step']>[0], now: number): void => {
    const actions: Action[] = routers.get(name)!.step(input, now);
    for (const a of actions) {
      if (a.kind !== 'stateChanged') continue;
      log.push(`${name} ${a.from}->${a.to} (${a.reason})`);
      for (const o of sync.onStateChange(name, a.from, a.to, a.reason)) step(o.member, o.input, now);
    }
  };
  return { routers, step, log, sync };
}

describe('vrrp_sync_group (keepalived): members move together', () => {
  it('one member becoming MASTER takes the other along', () => {
    const { routers, step, log } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'advert', advert: advert({ vrid: 52, priority: 200, addresses: [ip('10.0.0.100')] }), srcIp: ip('192.168.50.9') }, 500);
    step('VI_1', { kind: 'timeout' }, routers.get('VI_1')!.nextDeadline()!);
    expect(log).toContain('VI_1 BACKUP->MASTER (master-down-timer)');
    expect(log).toContain('VI_2 BACKUP->MASTER (sync-group)');
    expect(routers.get('VI_2')!.state).toBe('MASTER');
  });

  it('a master member stepping down takes the other to BACKUP', () => {
    const { routers, step, log } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'startup' }, 0);
    step('VI_1', { kind: 'timeout' }, routers.get('VI_1')!.nextDeadline()!);
    step('VI_1', { kind: 'advert', advert: advert({ vrid: 51, priority: 200 }), srcIp: ip('192.168.50.9') }, 5000);
    expect(log.slice(-2)).toEqual(['VI_1 MASTER->BACKUP (higher-priority-advert)', 'VI_2 MASTER->BACKUP (sync-group)']);
  });

  it('a member in FAULT holds the group in FAULT until it recovers', () => {
    const { routers, step, log } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'startup' }, 0);
    step('VI_1', { kind: 'link', up: false }, 100);
    expect(routers.get('VI_2')!.snapshot()).toMatchObject({ state: 'FAULT', faultReasons: ['sync group G: VI_1 in FAULT'] });
    step('VI_1', { kind: 'link', up: true }, 200);
    expect(routers.get('VI_2')!.state).toBe('BACKUP');
    expect(log).toEqual([
      'VI_1 INIT->BACKUP (startup)',
      'VI_2 INIT->BACKUP (startup)',
      'VI_1 BACKUP->FAULT (link-down)',
      'VI_2 BACKUP->FAULT (sync-group)',
      'VI_1 FAULT->BACKUP (fault-cleared)',
      'VI_2 FAULT->BACKUP (fault-cleared)',
    ]);
  });

  it('instances outside any group are left alone', () => {
    const sync = new SyncGroups([{ name: 'G', members: ['A', 'B'] }]);
    expect(sync.onStateChange('C', 'BACKUP', 'MASTER', 'master-down-timer')).toEqual([]);
    expect(sync.groupOf('A')).toBe('G');
  });
});
