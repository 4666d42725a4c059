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
    const orders = actions.flatMap((a) => {
      if (a.kind === 'ownFault') return sync.onOwnFault(name, a.faulted, a.detail);
      if (a.kind !== 'stateChanged') return [];
      log.push(`${name} ${a.from}->${a.to} (${a.reason})`);
      return sync.onStateChange(name, a.from, a.to, a.reason);
    });
    // After the step's own actions, as the daemon's Instance queues them (an order may be for `name` itself).
    for (const o of orders) step(o.member, o.input, now);
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
    expect(routers.get('VI_2')!.snapshot()).toMatchObject({ state: 'FAULT', faultReasons: ['sync group G: VI_1 in FAULT (interface down)'] });
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

  it('both members faulted on their own (one interface down): both leave FAULT when both faults clear, in either order', () => {
    for (const order of [['VI_1', 'VI_2'], ['VI_2', 'VI_1']] as const) {
      const { routers, step } = pair();
      step('VI_1', { kind: 'startup' }, 0);
      step('VI_2', { kind: 'startup' }, 0);
      step('VI_1', { kind: 'link', up: false }, 100);
      step('VI_2', { kind: 'link', up: false }, 100);
      step(order[0], { kind: 'link', up: true }, 200);
      // The first one back is still held: the other's own fault remains.
      expect(routers.get(order[0])!.snapshot()).toMatchObject({ state: 'FAULT', faultReasons: [`sync group G: ${order[1]} in FAULT (interface down)`] });
      step(order[1], { kind: 'link', up: true }, 300);
      expect([routers.get('VI_1')!.state, routers.get('VI_2')!.state]).toEqual(['BACKUP', 'BACKUP']);
    }
  });

  it('a member started while another is in FAULT takes the hold at once (resync), and is released with the group', () => {
    const { routers, step, sync } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_1', { kind: 'link', up: false }, 100); // VI_2 is not running yet: its hold order finds no router to change
    for (const o of sync.resync('VI_2')) step(o.member, o.input, 150);
    step('VI_2', { kind: 'startup' }, 200);
    expect(routers.get('VI_2')!.state).toBe('FAULT');
    step('VI_1', { kind: 'link', up: true }, 300);
    expect([routers.get('VI_1')!.state, routers.get('VI_2')!.state]).toEqual(['BACKUP', 'BACKUP']);
    expect(sync.resync('VI_2')).toEqual([{ member: 'VI_2', input: { kind: 'sync', to: 'OK', detail: 'sync group G: no member in FAULT' } }]);
  });

  it('instances outside any group are left alone', () => {
    const sync = new SyncGroups([{ name: 'G', members: ['A', 'B'] }]);
    expect(sync.onStateChange('C', 'BACKUP', 'MASTER', 'master-down-timer')).toEqual([]);
    expect(sync.groupOf('A')).toBe('G');
  });
});

describe('vrrp_sync_group across a reload (a new coordinator; the daemon keeps the routers)', () => {
  /** What the daemon's #applyTracking does: the new groups learn the running members' own faults, then resync each. */
  function reloadInto(groups: ConstructorParameters<typeof SyncGroups>[0], routers: Map<string, Router>, now: number): SyncGroups {
    const sync = new SyncGroups(groups);
    for (const [name, r] of routers) if (r.ownFaulted) sync.onOwnFault(name, true, 'fault of its own (before the reload)');
    for (const name of routers.keys()) for (const o of sync.resync(name)) routers.get(o.member)!.step(o.input, now);
    return sync;
  }
  it('a master moved into a group whose other member has a fault of its own: held in FAULT at once', () => {
    const { routers, step } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'startup' }, 0);
    step('VI_1', { kind: 'timeout' }, routers.get('VI_1')!.nextDeadline()!); // VI_1 and VI_2 MASTER together
    const third = new Router(routerConfig({ name: 'VI_3', vrid: 53, vips: [ip('10.0.0.103')] }));
    third.step({ kind: 'startup' }, 0);
    third.step({ kind: 'link', up: false }, 4000);
    routers.set('VI_3', third);
    reloadInto([{ name: 'G', members: ['VI_2'] }, { name: 'H', members: ['VI_1', 'VI_3'] }], routers, 5000);
    expect(routers.get('VI_1')!.state).toBe('FAULT');
    expect(routers.get('VI_2')!.state).toBe('MASTER'); // alone in its group now: untouched
  });
  it('a member moved out of a faulted group is released; states are not forced otherwise (as keepalived)', () => {
    const { routers, step } = pair();
    step('VI_1', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'startup' }, 0);
    step('VI_2', { kind: 'link', up: false }, 100); // VI_2 FAULT holds VI_1 in FAULT
    expect(routers.get('VI_1')!.state).toBe('FAULT');
    reloadInto([{ name: 'G', members: ['VI_2'] }], routers, 5000);
    expect(routers.get('VI_1')!.state).toBe('BACKUP');
    expect(routers.get('VI_2')!.state).toBe('FAULT');
  });
});
