/**
 * VIP changes over rtnetlink (src/io/addr-netlink.ts): each request carries what `ip addr add|del`
 * (iproute2 6.1, captured with strace on this machine) asks the kernel for, and the batcher maps
 * every acknowledgement back to its address, against a fake kernel.
 */
import { describe, expect, it } from 'vitest';
import { addrRequestOf, FLUSH_NOW_BUDGET_MS, MAX_CHUNK, NetlinkBatcher, preparedRequest } from '../../../src/io/addr-netlink.js';
import { aheadAdditions, changeAddresses, checkVip, prepareAddresses, vipPath, type AddrOutcome, type CheckedVip, type VipSpec } from '../../../src/io/ip-addr.js';
import { HOST_OPS, type HostEntry } from '../../../src/daemon/host-entry.js';
import { NETLINK_FAULT_ENV } from '../../../src/io/rtnl-socket.js';
import type { RtnlSocket } from '../../../src/io/rtnl-socket.js';
import { err, ok } from '../../../src/result.js';
import { emitAddrRequests } from '../../../src/wire/rtnl.js';

/** iproute2's request for `ip addr ARGS` on ifindex 3: message type, flags, then ifaddrmsg and attributes. */
const IPROUTE2: readonly [verb: 'add' | 'del', spec: VipSpec, type: number, flags: number, payload: string][] = [
  ['add', { address: '10.1.2.3/24', dev: 'd0' }, 0x14, 0x605, '0218000003000000080002000a010203080001000a010203'],
  ['add', { address: '10.1.2.4/24', dev: 'd0', brd: '+', label: 'd0:vip' }, 0x14, 0x605, '0218000003000000080002000a0102040b00030064303a7669700000080001000a010204080004000a0102ff'],
  ['add', { address: '10.1.2.5/30', dev: 'd0', brd: '-' }, 0x14, 0x605, '021e000003000000080002000a010205080001000a010205080004000a010204'],
  ['add', { address: '10.1.2.6/32', dev: 'd0', brd: '10.1.2.255' }, 0x14, 0x605, '0220000003000000080002000a010206080004000a0102ff080001000a010206'],
  ['add', { address: '10.1.2.7/31', dev: 'd0', brd: '+' }, 0x14, 0x605, '021f000003000000080002000a010207080001000a010207'],
  ['add', { address: '10.1.2.8/32', dev: 'd0', scope: 'link' }, 0x14, 0x605, '022000fd03000000080002000a010208080001000a010208'],
  ['add', { address: '10.1.2.9/32', dev: 'd0', scope: '200' }, 0x14, 0x605, '022000c803000000080002000a010209080001000a010209'],
  ['add', { address: '127.0.0.9/8', dev: 'd0' }, 0x14, 0x605, '020800fe03000000080002007f000009080001007f000009'],
  ['add', { address: '2001:db8::5/64', dev: 'd0' }, 0x14, 0x605, '0a400200030000001400020020010db80000000000000000000000051400010020010db8000000000000000000000005'],
  ['add', { address: '2001:db8::6/128', dev: 'd0', scope: 'site', label: 'd0:x' }, 0x14, 0x605, '0a8002c8030000001400020020010db80000000000000000000000060900030064303a78000000001400010020010db8000000000000000000000006'],
  ['del', { address: '10.1.2.3/24', dev: 'd0', label: 'd0:x', brd: '+' }, 0x15, 0x005, '0218000003000000080002000a010203080001000a010203'],
  ['del', { address: '2001:db8::5/64', dev: 'd0' }, 0x15, 0x005, '0a400000030000001400020020010db80000000000000000000000051400010020010db8000000000000000000000005'],
];

/** ifaddrmsg and the attributes, sorted (the kernel does not care about their order). */
function decode(payload: Uint8Array): { ifaddrmsg: string; attrs: string[] } {
  const attrs: string[] = [];
  for (let at = 8; at + 4 <= payload.length; ) {
    const len = payload[at]! | (payload[at + 1]! << 8);
    attrs.push(Buffer.from(payload.subarray(at, at + ((len + 3) & ~3))).toString('hex'));
    at += (len + 3) & ~3;
  }
  return { ifaddrmsg: Buffer.from(payload.subarray(0, 8)).toString('hex'), attrs: attrs.sort() };
}

const checked = (verb: 'add' | 'del', spec: VipSpec): CheckedVip => {
  const c = checkVip(verb, spec);
  if (!c.ok) throw new Error(c.error.detail);
  return c.value;
};

describe('requests as `ip addr` makes them', () => {
  it.each(IPROUTE2)('%s %o', (verb, spec, type, flags, payload) => {
    const msg = emitAddrRequests([{ ...addrRequestOf(checked(verb, spec)), ifindex: 3 }], 1);
    const view = new DataView(msg.buffer);
    expect([view.getUint16(4, true), view.getUint16(6, true)]).toEqual([type, flags]);
    expect(decode(msg.subarray(16))).toEqual(decode(new Uint8Array(Buffer.from(payload, 'hex'))));
  });

  it('refuses what `ip addr` refuses before sending anything', () => {
    expect(checkVip('add', { address: 'fd00::1/64', dev: 'eth0', brd: '+' }).ok).toBe(false);
    expect(checkVip('add', { address: '10.0.0.1', dev: 'eth0', brd: 'fd00::ff' }).ok).toBe(false);
    expect(checkVip('add', { address: '10.0.0.1', dev: 'eth0; x' }).ok).toBe(false);
  });
});

interface Sent {
  readonly type: number;
  readonly seq: number;
  readonly address: string;
}

/** A fake kernel: answers each request with `answer(request)` (an errno, or 'drop' for no ack); `reversed`: the acks in the opposite order. */
function fakeKernel(answer: (r: Sent) => number | 'drop', interfaces: Record<string, number> = { eth0: 2 }, reversed = false) {
  const calls: Sent[][] = [];
  const socket: RtnlSocket = {
    ifindex: (name) => interfaces[name] ?? 0,
    talk: (bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const sent: Sent[] = [];
      const acks: number[][] = [];
      for (let at = 0; at < bytes.length; ) {
        const len = view.getUint32(at, true);
        const r = { type: view.getUint16(at + 4, true), seq: view.getUint32(at + 8, true), address: Buffer.from(bytes.subarray(at + 28, at + 32)).join('.') };
        sent.push(r);
        const a = answer(r);
        if (a !== 'drop') acks.push(ackBytes(r.seq, a));
        at += len;
      }
      calls.push(sent);
      return new Uint8Array((reversed ? acks.reverse() : acks).flat());
    },
    close: () => undefined,
  };
  return { socket, calls };
}

/** A capped NLMSG_ERROR for `seq` with `errno`, as the kernel sends it (little-endian). */
function ackBytes(seq: number, errno: number): number[] {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(36, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(0x100, 6);
  b.writeUInt32LE(seq, 8);
  b.writeInt32LE(-errno, 16);
  b.writeUInt32LE(seq, 28);
  return [...b];
}

/** `socket` whose every sendmsg takes `ms` (the kernel's work under load). */
function slow(socket: RtnlSocket, ms: number): RtnlSocket {
  return {
    ...socket,
    talk: (bytes) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
      return socket.talk(bytes);
    },
  };
}

const v4 = (i: number): CheckedVip => checked('add', { address: `10.0.${i >> 8}.${i & 255}/32`, dev: 'eth0' });

describe('NetlinkBatcher', () => {
  it('changes submitted in one turn share a batch; each outcome is its own acknowledgement', async () => {
    const k = fakeKernel((r) => (r.address === '10.0.0.2' ? 17 : r.address === '10.0.0.3' ? 1 : 0));
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const [one, two] = await Promise.all([b.submit([v4(1), v4(2)]), b.submit([v4(3)])]);
    expect(b.batches).toBe(1);
    expect(k.calls.map((c) => c.map((r) => r.address))).toEqual([['10.0.0.1', '10.0.0.2', '10.0.0.3']]);
    expect(one).toEqual([ok('added'), ok('present')]);
    expect(two[0]).toMatchObject({ ok: false, error: { kind: 'command-failed', detail: 'RTM_NEWADDR 10.0.0.3/32 dev eth0: EPERM' } });
  });

  it('a delete that finds nothing is done; a missing interface is absent for a delete and a failure for an add', async () => {
    const k = fakeKernel((r) => (r.address === '10.0.0.1' ? 99 : 0));
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const gone = checked('del', { address: '10.0.0.1', dev: 'eth0' });
    const noDev = (verb: 'add' | 'del'): CheckedVip => checked(verb, { address: '10.0.0.9', dev: 'nosuch0' });
    const out = await b.submit([gone, noDev('del'), noDev('add')]);
    expect(out.slice(0, 2)).toEqual([ok('absent'), ok('absent')]);
    expect(out[2]).toMatchObject({ ok: false, error: { detail: expect.stringContaining('ENODEV') } });
    expect(k.calls.flat().map((r) => r.type)).toEqual([21]); // only the first reached the kernel
  });

  it('a large batch goes in chunks, every request numbered and answered; an unacknowledged one fails', async () => {
    const k = fakeKernel((r) => (r.address === '10.0.0.200' ? 'drop' : 0));
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const out = await b.submit(Array.from({ length: 255 }, (_, i) => v4(i + 1)));
    expect(k.calls.length).toBeGreaterThan(255 / MAX_CHUNK);
    expect(k.calls.every((c) => c.length <= MAX_CHUNK)).toBe(true);
    const seqs = k.calls.flat().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(255);
    expect(out.filter((r) => r.ok).length).toBe(254);
    expect(out[199]).toMatchObject({ ok: false, error: { detail: 'RTM_NEWADDR 10.0.0.200/32 dev eth0: no acknowledgement from the kernel' } });
  });

  it('every request of a batch settles once its last chunk is in (callers follow up after the whole batch, not between chunks)', async () => {
    const k = fakeKernel(() => 0);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const callsWhenSettled: number[] = [];
    const settled = (o: AddrOutcome[]): AddrOutcome[] => {
      callsWhenSettled.push(k.calls.length);
      return o;
    };
    const first = b.submit([v4(1)]).then(settled);
    const rest = b.submit(Array.from({ length: 200 }, (_, i) => v4(i + 2))).then(settled);
    const [one, many] = await Promise.all([first, rest]);
    expect(k.calls.length).toBeGreaterThan(1); // chunked
    expect(callsWhenSettled).toEqual([k.calls.length, k.calls.length]);
    expect([...one, ...many].every((r) => r.ok)).toBe(true);
    expect(b.batches).toBe(1);
  });

  it('a socket that cannot send or cannot open fails every request of the batch, and the next batch tries again', async () => {
    const k = fakeKernel(() => 0);
    let broken = true;
    const socket: RtnlSocket = {
      ...k.socket,
      talk: (bytes) => {
        if (broken) throw Object.assign(new Error('sendmsg: No buffer space available'), { code: 'ENOBUFS' });
        return k.socket.talk(bytes);
      },
    };
    const b = new NetlinkBatcher(undefined, () => ok(socket));
    const out = await b.submit([v4(1), v4(2)]);
    expect(out.map((r) => !r.ok && r.error.detail)).toEqual([
      'RTM_NEWADDR 10.0.0.1/32 dev eth0: rtnetlink: sendmsg: No buffer space available (ENOBUFS)',
      'RTM_NEWADDR 10.0.0.2/32 dev eth0: rtnetlink: sendmsg: No buffer space available (ENOBUFS)',
    ]);
    broken = false;
    expect(await b.submit([v4(1)])).toEqual([ok('added')]);
    const closed = new NetlinkBatcher('ns1', () => err({ detail: 'rtnetlink: socket: Permission denied' }));
    expect(await closed.submit([v4(1)])).toMatchObject([{ ok: false, error: { detail: 'RTM_NEWADDR 10.0.0.1/32 dev eth0: rtnetlink: socket: Permission denied' } }]);
  });
});

describe('prepared requests', () => {
  /** A socket recording each sendmsg's bytes, acknowledging nothing (the outcome does not matter here). */
  const recording = (interfaces: Record<string, number>) => {
    const sent: Uint8Array[] = [];
    const socket: RtnlSocket = { ifindex: (name) => interfaces[name] ?? 0, talk: (bytes) => (sent.push(bytes.slice()), new Uint8Array(0)), close: () => undefined };
    return { socket, sent };
  };

  it('a checked VIP\'s message is built once; each send fills in the sequence number and the interface index of that moment', async () => {
    const c = checked('add', { address: '10.1.2.4/24', dev: 'eth0', brd: '+', label: 'eth0:v' });
    const m = preparedRequest(c);
    expect(preparedRequest(c)).toBe(m);
    const interfaces = { eth0: 2 };
    const k = recording(interfaces);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    await b.submit([c]);
    interfaces.eth0 = 9; // deleted and created again: a new index, nothing rebuilt
    await b.submit([c]);
    expect(k.sent.map((bytes) => hex(bytes))).toEqual([
      hex(emitAddrRequests([{ ...addrRequestOf(c), ifindex: 2 }], 1)),
      hex(emitAddrRequests([{ ...addrRequestOf(c), ifindex: 9 }], 2)),
    ]);
    expect(hex(m.subarray(8, 12)) + hex(m.subarray(20, 24))).toBe('0000000000000000'); // the prepared copy untouched
  });

  it('prepareAddresses validates both verbs ahead and leaves an invalid VIP for the change to report', async () => {
    const bad: VipSpec = { address: '10.0.0.1', dev: 'eth0', brd: 'fd00::ff' };
    expect(() => prepareAddresses([{ address: '10.0.0.1/32', dev: 'eth0' }, bad])).not.toThrow();
    expect(await changeAddresses('add', [bad])).toMatchObject([{ ok: false, error: { kind: 'invalid', detail: 'broadcast fd00::ff: IPv4 only' } }]);
  });
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('NetlinkBatcher: a mass takeover\'s many callers in one batch', () => {
  /** 255 callers of one address each, as 255 instances taking over in one wake-up. */
  const callers = (b: NetlinkBatcher, n: number): Promise<AddrOutcome[]>[] => Array.from({ length: n }, (_, i) => b.submit([v4(i + 1)]));

  it('many callers\' requests go in one datagram, each answered by the ack of its own sequence number, whatever the acks\' order', async () => {
    const k = fakeKernel((r) => (r.address === '10.0.0.7' ? 1 : 0), { eth0: 2 }, true);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const out = await Promise.all(callers(b, 12));
    expect(b.sends).toBe(2); // FIRST_CHUNK (8), then the 4 left
    expect(k.calls.map((c) => c.length)).toEqual([8, 4]);
    expect(k.calls.flat().map((r) => r.address)).toEqual(Array.from({ length: 12 }, (_, i) => `10.0.0.${i + 1}`));
    // One failure among many: only caller 7 sees it, the others their own success.
    out.forEach((o, i) => {
      if (i === 6) expect(o).toMatchObject([{ ok: false, error: { detail: 'RTM_NEWADDR 10.0.0.7/32 dev eth0: EPERM' } }]);
      else expect(o).toEqual([ok('added')]);
    });
  });

  it('a caller with several addresses gets its outcomes in its own order when other callers\' requests sit between chunks', async () => {
    const k = fakeKernel((r) => (r.address === '10.0.0.10' ? 17 : r.address === '10.0.0.11' ? 'drop' : 0), { eth0: 2 }, true);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const first = callers(b, 8);
    const mine = b.submit([v4(9), v4(10), v4(11), v4(12)]); // the second chunk, after 8 other callers'
    const out = await mine;
    await Promise.all(first);
    expect(out[0]).toEqual(ok('added'));
    expect(out[1]).toEqual(ok('present'));
    expect(out[2]).toMatchObject({ ok: false, error: { detail: 'RTM_NEWADDR 10.0.0.11/32 dev eth0: no acknowledgement from the kernel' } });
    expect(out[3]).toEqual(ok('added'));
    expect(b.batches).toBe(1);
  });

  it('flushNow sends what waits at once (its first chunk before it returns), and the batch is not sent twice', async () => {
    const k = fakeKernel(() => 0);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const out = b.submit([v4(1), v4(2)]);
    let settled = false;
    out.then(() => (settled = true), () => undefined);
    expect(k.calls.length).toBe(0); // gathered for the loop's check phase
    b.flushNow();
    expect(k.calls.map((c) => c.length)).toEqual([2]);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false); // sent whole by flushNow: settled only after the loop has polled again
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(true);
    expect(await out).toEqual([ok('added'), ok('added')]);
    await new Promise((r) => setImmediate(r));
    expect(k.calls.length).toBe(1);
    expect(b.batches).toBe(1);
    b.flushNow(); // nothing waits: nothing sent
    expect(k.calls.length).toBe(1);
  });

  it('sendAhead: the prepared additions at once, numbered after the batches, in chunks of MAX_CHUNK; the keepers\' own adds then find them present', async () => {
    const present = new Set<string>();
    const k = fakeKernel((r) => {
      if (r.type !== 20) return 0;
      if (present.has(r.address)) return 17; // EEXIST
      present.add(r.address);
      return r.address === '10.0.0.7' ? 1 : 0; // EPERM for one: counted as failed
    }, { eth0: 2 });
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const group = (from: number, n: number) => ({ dev: 'eth0', messages: Array.from({ length: n }, (_, i) => preparedRequest(v4(from + i))) });
    expect(b.sendAhead([group(1, 60), { dev: 'nosuch0', messages: [preparedRequest(v4(200))] }, group(61, 10)])).toBe(70);
    expect(k.calls.map((c) => c.length)).toEqual([MAX_CHUNK, 70 - MAX_CHUNK]); // the unknown interface's request is not sent
    expect(b.aheadSent).toBe(70);
    expect(b.aheadFailed).toBe(1);
    const seqs = k.calls.flat().map((r) => r.seq);
    expect(new Set(seqs).size).toBe(70);
    // An instance asks for the same addresses afterwards: the batch gets "already there".
    const out = await b.submit([v4(1), v4(7), v4(70), v4(71)]);
    expect(out).toEqual([ok('present'), ok('present'), ok('present'), ok('added')]);
    expect(Math.min(...k.calls.at(-1)!.map((r) => r.seq))).toBeGreaterThan(Math.max(...seqs)); // numbering goes on
    // Not in a named namespace (its socket is per batch), and nothing when the socket cannot be opened.
    expect(new NetlinkBatcher('ns1', () => ok(k.socket)).sendAhead([group(1, 1)])).toBe(0);
    expect(new NetlinkBatcher(undefined, () => err({ detail: 'no' })).sendAhead([group(1, 1)])).toBe(0);
  });

  it.skipIf(vipPath().kind !== 'netlink')('aheadAdditions: the prepared adds of a list on one interface, once per list; none for a mixed, invalid or faulted list, nor with a no_accept entry', () => {
    const list: VipSpec[] = [{ address: '10.0.0.1/24', dev: 'eth0' }, { address: '2001:db8::1/64', dev: 'eth0' }];
    const a = aheadAdditions(list);
    expect(a?.dev).toBe('eth0');
    expect(a?.messages).toEqual(list.map((v) => preparedRequest((checkVip('add', v) as { value: CheckedVip }).value)));
    expect(aheadAdditions(list)).toBe(a);
    expect(aheadAdditions([{ address: '10.0.0.1/24', dev: 'eth0' }, { address: '10.0.0.2/24', dev: 'eth1' }])).toBeUndefined();
    expect(aheadAdditions([{ address: '10.0.0.300/24', dev: 'eth0' }])).toBeUndefined();
    expect(aheadAdditions([])).toBeUndefined();
    process.env[NETLINK_FAULT_ENV] = '/nonexistent';
    try {
      expect(aheadAdditions([{ address: '10.0.0.1/24', dev: 'eth0' }])).toBeUndefined();
    } finally {
      delete process.env[NETLINK_FAULT_ENV];
    }
    const addrs: HostEntry[] = list.map((vip) => ({ kind: 'addr', vip }));
    expect(HOST_OPS.ahead?.(addrs)?.messages).toHaveLength(2);
    expect(HOST_OPS.ahead?.([{ kind: 'drop', address: '10.0.0.1' }, ...addrs])).toBeUndefined();
  });

  it('flushNow while the previous batch has sent every chunk and only waits to settle sends at once (a later timer batch\'s addresses)', async () => {
    const k = fakeKernel(() => 0);
    const b = new NetlinkBatcher(undefined, () => ok(k.socket));
    const order: string[] = [];
    const first = b.submit([v4(1), v4(2)]).then(() => order.push('first settled'));
    b.flushNow();
    expect(k.calls.map((c) => c.length)).toEqual([2]);
    expect(b.idle).toBe(false);
    // The next timer batch, before the first batch has settled (it waits for the loop's next poll).
    const second = b.submit([v4(3)]).then(() => order.push('second settled'));
    b.flushNow();
    expect(k.calls.map((c) => c.map((r) => r.address))).toEqual([['10.0.0.1', '10.0.0.2'], ['10.0.0.3']]);
    let idle = false;
    b.whenIdle(() => (idle = true), 60_000);
    await Promise.all([first, second]);
    expect(order).toEqual(['first settled', 'second settled']);
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(true);
    expect(b.idle).toBe(true);
    expect(b.batches).toBe(2);
    // A request submitted while the first batch settles, without flushNow, goes at the next check phase, not after the settle.
    const third = b.submit([v4(4)]);
    b.flushNow();
    const fourth = b.submit([v4(5)]);
    await new Promise((r) => setImmediate(r));
    expect(k.calls.flat().map((r) => r.address)).toContain('10.0.0.5');
    expect([...(await third), ...(await fourth)]).toEqual([ok('added'), ok('added')]);
  });

  it('chunks follow each other without a turn of the loop until they have held it for the budget; flushNow while a batch is in flight leaves the new requests for the next batch', async () => {
    const k = fakeKernel(() => 0);
    const b = new NetlinkBatcher(undefined, () => ok(slow(k.socket, FLUSH_NOW_BUDGET_MS / 4)));
    const big = b.submit(Array.from({ length: 100 }, (_, i) => v4(i + 1)));
    b.flushNow(); // chunks now until they have taken FLUSH_NOW_BUDGET_MS, the rest on later turns
    expect(k.calls.length).toBeGreaterThan(1);
    expect(k.calls.flat().length).toBeLessThan(100);
    const late = b.submit([v4(100)]);
    b.flushNow();
    expect(k.calls.flat().some((r) => r.address === '10.0.0.100')).toBe(false);
    expect((await late)[0]).toEqual(ok('added'));
    expect((await big).every((r) => r.ok)).toBe(true);
    expect(k.calls.at(-1)!.map((r) => r.address)).toEqual(['10.0.0.100']);
    expect(b.batches).toBe(2);
  });

  it('whenIdle runs at once when nothing waits, else once the batch in flight and the one waiting behind it are sent', async () => {
    const k = fakeKernel(() => 0);
    const b = new NetlinkBatcher(undefined, () => ok(slow(k.socket, FLUSH_NOW_BUDGET_MS / 4))); // in flight after flushNow
    const order: string[] = [];
    b.whenIdle(() => order.push('idle at once'));
    expect(order).toEqual(['idle at once']);
    const big = b.submit(Array.from({ length: 40 }, (_, i) => v4(i + 1))).then(() => order.push('batch 1 settled'));
    b.flushNow();
    const late = b.submit([v4(100)]).then(() => order.push('batch 2 settled')); // waits behind it
    b.whenIdle(() => order.push(`idle: ${k.calls.flat().length} requests sent`), 60_000);
    expect(b.idle).toBe(false);
    await Promise.all([big, late]);
    expect(order).toEqual(['idle at once', 'batch 1 settled', 'idle: 41 requests sent', 'batch 2 settled']);
    expect(b.idle).toBe(true);
  });

  it('whenIdle does not wait longer than its limit while batches keep coming', async () => {
    let ran = 0;
    let b: NetlinkBatcher | undefined;
    const k = fakeKernel(() => 0);
    // Every sendmsg brings another request before its batch settles: the batcher is never idle.
    const more = (): void => {
      b!.submit([v4(1)]).catch(() => undefined);
    };
    const socket: RtnlSocket = {
      ...k.socket,
      talk: (bytes) => {
        if (ran === 0) more();
        return k.socket.talk(bytes);
      },
    };
    b = new NetlinkBatcher(undefined, () => ok(socket));
    more();
    b.whenIdle(() => ran++, 20);
    const t0 = performance.now();
    while (ran === 0 && performance.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
    expect(ran).toBe(1);
    expect(k.calls.length).toBeGreaterThan(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    while (!b.idle) await new Promise((r) => setTimeout(r, 1));
  });
});
