import { describe, expect, it } from 'vitest';
import { ByteArena, SLAB_BYTES, keptBytes } from '../../../src/wire/byte-arena.js';
import { prepareAddrRequest, joinPrepared } from '../../../src/wire/rtnl.js';

describe('ByteArena', () => {
  it('hands out zeroed, disjoint views of one slab', () => {
    const arena = new ByteArena(256);
    const a = arena.alloc(10);
    const b = arena.alloc(20);
    expect(a.length).toBe(10);
    expect(b.length).toBe(20);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 10);
    expect([...a, ...b].every((x) => x === 0)).toBe(true);
    a.fill(0xff);
    expect([...b].every((x) => x === 0)).toBe(true);
    expect(arena.slabs).toBe(1);
  });

  it('starts a new slab when the current one is full, and never hands out a byte twice', () => {
    const arena = new ByteArena(128);
    const views = Array.from({ length: 20 }, (_, i) => arena.alloc(30).fill(i + 1));
    expect(arena.slabs).toBe(5); // 4 views of 30 bytes per 128-byte slab
    views.forEach((v, i) => expect([...v].every((x) => x === i + 1)).toBe(true));
    expect(views[3]!.buffer).toBe(views[0]!.buffer);
    expect(views[4]!.buffer).not.toBe(views[0]!.buffer);
  });

  it('gives a request of more than a quarter slab a buffer of its own', () => {
    const arena = new ByteArena(128);
    const big = arena.alloc(33);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(33);
    expect(arena.slabs).toBe(0);
    expect(arena.alloc(32).buffer.byteLength).toBe(128);
  });

  it('copies bytes in', () => {
    const arena = new ByteArena(64);
    arena.alloc(5);
    const c = arena.copy(Uint8Array.of(1, 2, 3));
    expect([...c]).toEqual([1, 2, 3]);
    expect(c.byteOffset).toBe(5);
    expect(arena.copy(new Uint8Array(0)).length).toBe(0);
  });

  it('refuses a bad size', () => {
    expect(() => new ByteArena(8)).toThrow(RangeError);
    expect(() => new ByteArena(100.5)).toThrow(RangeError);
    expect(() => new ByteArena().alloc(-1)).toThrow(RangeError);
    expect(() => new ByteArena().alloc(1.5)).toThrow(RangeError);
  });

  it('the process arena holds prepared rtnetlink requests, and joinPrepared reads them at their offset', () => {
    const before = keptBytes.alloc(3).fill(0xee); // the request is not at offset 0 of its slab
    const m = prepareAddrRequest({ op: 'add', address: '10.77.0.1' as never, prefixLen: 32, scope: 0, flags: 0 });
    expect(m.buffer).toBe(before.buffer);
    expect(m.byteOffset).toBe(before.byteOffset + 3);
    expect(SLAB_BYTES % 4).toBe(0);
    const joined = joinPrepared([m], [7], 42);
    expect(joined.length).toBe(m.length);
    const v = new DataView(joined.buffer);
    expect(v.getUint32(0, true)).toBe(m.length); // nlmsg_len, not the neighbour's 0xee bytes
    expect(v.getUint32(8, true)).toBe(42);
    expect(v.getUint32(20, true)).toBe(7);
    expect([...before].every((x) => x === 0xee)).toBe(true);
  });
});
