import { describe, expect, it } from 'vitest';
import { ActionList } from '../../../src/daemon/action-list.js';
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
