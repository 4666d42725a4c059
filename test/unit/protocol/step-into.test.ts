import { describe, expect, it } from 'vitest';
import { Router } from '../../../src/protocol/router.js';
import type { Action } from '../../../src/protocol/types.js';
import { routerConfig } from '../../helpers/router-fixtures.js';

/** A master at 1000 ms (address owner: no Master_Down_Timer to wait out). */
function master(): Router {
  const r = new Router(routerConfig({ priority: 255 }));
  r.step({ kind: 'startup' }, 0);
  expect(r.state).toBe('MASTER');
  return r;
}

describe('Router.stepInto: the caller keeps the action list', () => {
  it('gives the actions step would, appended to the list it is given', () => {
    const a = master();
    const b = master();
    const list: Action[] = [];
    for (const now of [1000, 2000, 3000]) {
      const expected = a.step({ kind: 'timeout' }, now);
      const before = list.length;
      b.stepInto({ kind: 'timeout' }, now, list);
      expect(list.slice(before)).toEqual(expected);
    }
    expect(b.nextDeadline()).toBe(a.nextDeadline());
    expect(b.counters).toEqual(a.counters);
  });

  it('a steady master sends the same advert action while configuration and priority hold, a new one when either changes', () => {
    const r = master();
    const [first] = r.step({ kind: 'timeout' }, 1000);
    const [second] = r.step({ kind: 'timeout' }, 2000);
    expect(first?.kind).toBe('sendAdvert');
    expect(second).toBe(first);
    r.step({ kind: 'reconfigure', config: routerConfig({ priority: 255, adverIntervalCs: 200 }) }, 2500);
    const [third] = r.step({ kind: 'timeout' }, 3000);
    expect(third).not.toBe(first);
    expect(third).toEqual({ kind: 'sendAdvert', advert: expect.objectContaining({ adverIntervalCs: 200, priority: 255 }) });
  });
});
