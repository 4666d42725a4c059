import { describe, expect, it } from 'vitest';
import { ActionList, takeLoneAddVips } from '../../../src/daemon/action-list.js';
import type { Action } from '../../../src/protocol/types.js';

describe('ActionList', () => {
  it('holds what was pushed, in order, until cleared; at() outside it is a bug', () => {
    const list = new ActionList();
    const a: Action = { kind: 'garp', vips: [] };
    const b: Action = { kind: 'removeVips', vips: [] };
    list.push(a);
    list.push(b);
    expect([list.length, list.at(0), list.at(1)]).toEqual([2, a, b]);
    list.clear();
    expect(list.length).toBe(0);
    expect(() => list.at(0)).toThrow(RangeError);
    list.push(b);
    expect([list.length, list.at(0)]).toEqual([1, b]);
  });
});

describe('takeLoneAddVips (a timer batch asks for its addresses first)', () => {
  const state: Action = { kind: 'stateChanged', from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer', detail: '' };
  const add: Action = { kind: 'addVips', vips: [] };
  const remove: Action = { kind: 'removeVips', vips: [] };
  const garp: Action = { kind: 'garp', vips: [] };

  it('takes a takeover\'s addVips out of its place, the others keep their order', () => {
    const pending = [state, add, garp];
    expect(takeLoneAddVips(pending)).toBe(add);
    expect(pending).toEqual([state, garp]);
  });

  it('leaves everything when there is no addVips, or a removeVips besides it (either order), or two', () => {
    for (const list of [[state, garp], [remove, state, add, garp], [state, add, remove], [add, state, add]]) {
      const pending = [...list];
      expect(takeLoneAddVips(pending)).toBeUndefined();
      expect(pending).toEqual(list);
    }
  });
});
