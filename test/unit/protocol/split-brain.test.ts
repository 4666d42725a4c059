/**
 * keepalived's answers to a second master (vrrp.c vrrp_state_master_rx) and its vrrp_startup_delay
 * (vrrp_scheduler.c vrrp_init_instance_sands), as router inputs at explicit times.
 */
import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import { SPLIT_BRAIN_DEFAULTS, type Action, type SplitBrainConfig } from '../../../src/protocol/types.js';
import { advert, ip, routerConfig, VIP } from '../../helpers/router-fixtures.js';

const kinds = (actions: Action[]) => actions.map((a) => a.kind);
const rx = (r: Router, now: number, prio: number, src = '192.168.50.1') => r.step({ kind: 'advert', advert: advert({ priority: prio }), srcIp: ip(src) }, now);

/** A master since 3609.375 ms (priority 100, 1 s adverts), with these knobs. */
function master(sb: Partial<SplitBrainConfig> = {}): Router {
  const r = new Router(routerConfig({ splitBrain: { ...SPLIT_BRAIN_DEFAULTS, ...sb } }));
  r.step({ kind: 'startup' }, 0);
  r.step({ kind: 'timeout' }, 3609.375);
  return r;
}

describe('a master hears a lower-priority master', () => {
  it('defaults (garp_lower_prio_repeat 5, _delay 5 s): advert and 5 GARPs at once, 5 more at +5 s', () => {
    const r = master();
    const out = rx(r, 4000, 50);
    expect(kinds(out)).toEqual(['sendAdvert', 'garpBurst']);
    expect(out[1]).toEqual({ kind: 'garpBurst', vips: [VIP], count: 5 });
    expect(r.nextDeadline()).toBe(5000); // the advert timer restarted at 4000
    expect(kinds(r.step({ kind: 'timeout' }, 5000))).toEqual(['sendAdvert']);
    expect(kinds(r.step({ kind: 'timeout' }, 8999))).toEqual(['sendAdvert']); // adverts at 6000, 7000, 8000 coalesced by a late call
    expect(r.nextDeadline()).toBe(9000);
    const due = r.step({ kind: 'timeout' }, 9000);
    expect(due).toContainEqual({ kind: 'garpBurst', vips: [VIP], count: 5 });
    expect(r.nextDeadline()).toBe(9999);
  });
  it('garp_lower_prio_repeat 2, garp_lower_prio_delay 0: one burst of 2, nothing later', () => {
    const r = master({ garpLowerPrioRepeat: 2, garpLowerPrioDelayMs: 0 });
    expect(rx(r, 4000, 50)).toContainEqual({ kind: 'garpBurst', vips: [VIP], count: 2 });
    expect(r.nextDeadline()).toBe(5000);
    for (let t = 5000; t <= 20_000; t += 1000) expect(kinds(r.step({ kind: 'timeout' }, t))).toEqual(['sendAdvert']);
  });
  it('lower_prio_no_advert and garp_lower_prio_repeat 0 (what vrrp_strict sets): nothing at all, the advert timer untouched', () => {
    const r = master({ lowerPrioNoAdvert: true, garpLowerPrioRepeat: 0, garpLowerPrioDelayMs: 0 });
    expect(rx(r, 4000, 50)).toEqual([]);
    expect(r.nextDeadline()).toBe(4609.375);
  });
  it('two lower-priority adverts: each brings its delayed burst', () => {
    const r = master({ garpLowerPrioDelayMs: 2000 });
    rx(r, 4000, 50);
    rx(r, 4500, 50);
    expect(r.step({ kind: 'timeout' }, 6000).filter((a) => a.kind === 'garpBurst')).toHaveLength(1);
    expect(r.nextDeadline()).toBe(6500);
    expect(r.step({ kind: 'timeout' }, 6500).filter((a) => a.kind === 'garpBurst')).toHaveLength(1);
  });
  it('a delayed burst is dropped when we stop being master before it is due', () => {
    const r = master();
    rx(r, 4000, 50);
    expect(kinds(rx(r, 4200, 150))).toEqual(['stateChanged', 'removeVips']);
    expect(r.nextDeadline()).toBe(4200 + 3609.375);
    expect(r.step({ kind: 'timeout' }, 9000).filter((a) => a.kind === 'garpBurst')).toEqual([]);
  });
});

describe('a master hears a higher-priority master', () => {
  it('default: steps down without a word', () => {
    const r = master();
    expect(kinds(rx(r, 4000, 150))).toEqual(['stateChanged', 'removeVips']);
  });
  it('higher_prio_send_advert: one advert at our priority, then Backup', () => {
    const r = master({ higherPrioSendAdvert: true });
    const out = rx(r, 4000, 150);
    expect(kinds(out)).toEqual(['sendAdvert', 'stateChanged', 'removeVips']);
    expect(out[0]).toMatchObject({ advert: { priority: 100 } });
    expect(r.state).toBe('BACKUP');
  });
  it('higher_prio_send_advert also for an equal priority from a higher address', () => {
    const r = master({ higherPrioSendAdvert: true });
    expect(kinds(rx(r, 4000, 100, '192.168.50.9'))).toEqual(['sendAdvert', 'stateChanged', 'removeVips']);
  });
});

describe('vrrp_startup_delay (startup holdMs)', () => {
  it('a backup: Master_Down_Timer runs from the end of the hold', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    const out = r.step({ kind: 'startup', holdMs: 5000 }, 1000);
    expect(out[0]).toMatchObject({ to: 'BACKUP', reason: 'startup' });
    expect(r.nextDeadline()).toBe(6000 + 3648.4375);
  });
  it('an advert during the hold restarts the timer from the end of the hold; after it, from now', () => {
    const r = new Router(routerConfig({ priority: 90 }));
    r.step({ kind: 'startup', holdMs: 5000 }, 0);
    rx(r, 2000, 100);
    expect(r.nextDeadline()).toBe(5000 + 3648.4375);
    rx(r, 7000, 100);
    expect(r.nextDeadline()).toBe(7000 + 3648.4375);
  });
  it('the address owner waits in Backup for the hold, then becomes master at once', () => {
    const r = new Router(routerConfig({ priority: 255 }));
    expect(r.step({ kind: 'startup', holdMs: 3000 }, 100)[0]).toMatchObject({ to: 'BACKUP' });
    expect(r.nextDeadline()).toBe(3100);
    expect(r.step({ kind: 'timeout' }, 3099)).toEqual([]);
    expect(r.step({ kind: 'timeout' }, 3100)[0]).toMatchObject({ to: 'MASTER' });
  });
  it('holdMs 0 or absent: as before', () => {
    const r = new Router(routerConfig({ priority: 255 }));
    expect(r.step({ kind: 'startup', holdMs: 0 }, 100)[0]).toMatchObject({ to: 'MASTER', reason: 'startup-owner' });
  });
});
