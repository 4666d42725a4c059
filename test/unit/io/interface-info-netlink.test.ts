/**
 * readWithNetlink (io/interface-info.ts) against a scripted rtnetlink socket: what it asks the
 * kernel for, and what it makes of a refused, interrupted or foreign-family dump.
 */
import { describe, expect, it } from 'vitest';
import { readWithNetlink } from '../../../src/io/interface-info.js';
import type { RtnlHandle } from '../../../src/io/packet-addon.js';

const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_MULTI = 0x2;
const NLM_F_DUMP_INTR = 0x10;

function message(type: number, flags: number, seq: number, body: Uint8Array): Uint8Array {
  const len = 16 + body.length;
  const out = new Uint8Array((len + 3) & ~3);
  const v = new DataView(out.buffer);
  v.setUint32(0, len, true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq, true);
  out.set(body, 16);
  return out;
}

function attr(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + value.length + 3) & ~3);
  new DataView(out.buffer).setUint16(0, 4 + value.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(value, 4);
  return out;
}

const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function link(index: number, name: string, seq: number): Uint8Array {
  const head = new Uint8Array(16);
  new DataView(head.buffer).setInt32(4, index, true);
  new DataView(head.buffer).setUint32(8, 0x10043, true); // UP, BROADCAST, RUNNING, LOWER_UP
  return message(RTM_NEWLINK, 0, seq, cat(head, attr(3, new TextEncoder().encode(`${name}\0`)), attr(1, new Uint8Array([2, 0, 0, 0, 0, 1]))));
}

function addr(family: number, index: number, bytes: number[], prefixLen: number, seq: number, flags = NLM_F_MULTI): Uint8Array {
  const head = new Uint8Array(8);
  head[0] = family;
  head[1] = prefixLen;
  new DataView(head.buffer).setUint32(4, index, true);
  return message(RTM_NEWADDR, flags, seq, cat(head, attr(2, new Uint8Array(bytes)), attr(1, new Uint8Array(bytes))));
}

const done = (seq: number, flags = NLM_F_MULTI): Uint8Array => message(NLMSG_DONE, flags, seq, new Uint8Array(4));
function refusal(seq: number, errno: number): Uint8Array {
  const body = new Uint8Array(20);
  new DataView(body.buffer).setInt32(0, -errno, true);
  return message(NLMSG_ERROR, 0, seq, body);
}

/** A socket whose kernel answers each request with `answer(request, seq)`, one read per answer part. */
function fakeSocket(answer: (type: number, seq: number, request: DataView) => Uint8Array[], opts: { strict?: boolean | 'absent' } = {}) {
  const requests: { type: number; index: number }[] = [];
  let queue: Uint8Array[] = [];
  let strictAsked = false;
  const addon = {
    rtnlOpen: () => ({}) as RtnlHandle,
    rtnlSend: (_h: RtnlHandle, m: Uint8Array) => {
      const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
      const type = v.getUint16(4, true);
      requests.push({ type, index: v.getInt32(20, true) });
      queue.push(...answer(type, v.getUint32(8, true), v));
    },
    rtnlRead: () => ({ bytes: Buffer.from(queue.shift() ?? new Uint8Array(0)), lost: false }),
    rtnlClose: () => {
      queue = [];
    },
    ...(opts.strict === 'absent'
      ? {}
      : {
          rtnlStrict: (): boolean => {
            strictAsked = true;
            return opts.strict !== false;
          },
        }),
  };
  return { addon, requests, strictAsked: () => strictAsked };
}

const eth0 = (type: number, seq: number, extra: (seq: number) => Uint8Array[] = () => []): Uint8Array[] =>
  type === RTM_GETLINK ? [link(3, 'eth0', seq)] : [cat(addr(2, 3, [192, 168, 50, 1], 24, seq), addr(10, 3, [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 64, seq)), ...extra(seq), done(seq)];

describe('interface info over a scripted rtnetlink socket', () => {
  it("asks the kernel for the interface's addresses only: strict checking on, ifa_index set (no dump of every address on the host)", () => {
    const s = fakeSocket((type, seq) => eth0(type, seq));
    const r = readWithNetlink(s.addon, 'eth0');
    expect(r).toMatchObject({ ok: true, value: { index: 3, primaryIpv4: '192.168.50.1', linkLocal6: 'fe80::1' } });
    expect(s.strictAsked()).toBe(true);
    expect(s.requests).toEqual([
      { type: RTM_GETLINK, index: 0 },
      { type: RTM_GETADDR, index: 3 },
    ]);
  });

  it('leaves it to `ip` when the socket cannot filter (an addon or a kernel before it)', () => {
    expect(readWithNetlink(fakeSocket((type, seq) => eth0(type, seq), { strict: 'absent' }).addon, 'eth0')).toBeUndefined();
    expect(readWithNetlink(fakeSocket((type, seq) => eth0(type, seq), { strict: false }).addon, 'eth0')).toBeUndefined();
  });

  it('reads a dump again when the kernel says it was interrupted by a change (NLM_F_DUMP_INTR), and gives up after a few', () => {
    let dumps = 0;
    const s = fakeSocket((type, seq) => {
      if (type === RTM_GETLINK) return [link(3, 'eth0', seq)];
      // The first dump raced a change: it lacks the primary address and says so.
      if (++dumps === 1) return [addr(2, 3, [192, 168, 50, 9], 24, seq, NLM_F_MULTI | NLM_F_DUMP_INTR), done(seq, NLM_F_MULTI | NLM_F_DUMP_INTR)];
      return [addr(2, 3, [192, 168, 50, 1], 24, seq), done(seq)];
    });
    expect(readWithNetlink(s.addon, 'eth0')).toMatchObject({ ok: true, value: { primaryIpv4: '192.168.50.1', ipv4: [{ address: '192.168.50.1' }] } });
    expect(dumps).toBe(2);
    const always = fakeSocket((type, seq) => (type === RTM_GETLINK ? [link(3, 'eth0', seq)] : [addr(2, 3, [10, 0, 0, 1], 8, seq), done(seq, NLM_F_MULTI | NLM_F_DUMP_INTR)]));
    expect(readWithNetlink(always.addon, 'eth0')).toMatchObject({ ok: false, error: { kind: 'command-failed', detail: expect.stringContaining('interrupted') } });
  });

  it('skips an address of another family (AF_MCTP) in the dump instead of failing on it', () => {
    const s = fakeSocket((type, seq) => eth0(type, seq, (q) => [addr(45, 3, [8], 0, q)]));
    expect(readWithNetlink(s.addon, 'eth0')).toMatchObject({ ok: true, value: { primaryIpv4: '192.168.50.1' } });
  });

  it('an interface gone between the two requests (ENODEV on the dump) is no such interface', () => {
    const s = fakeSocket((type, seq) => (type === RTM_GETLINK ? [link(3, 'eth0', seq)] : [refusal(seq, 19)]));
    expect(readWithNetlink(s.addon, 'eth0')).toMatchObject({ ok: false, error: { kind: 'no-such-interface' } });
  });

  it('an altname answers with the interface of another name: no such interface, as `ip -j` has it, saying whose altname it is', () => {
    const s = fakeSocket((type, seq) => eth0(type, seq));
    expect(readWithNetlink(s.addon, 'uplink')).toMatchObject({ ok: false, error: { kind: 'no-such-interface', detail: expect.stringContaining('eth0') } });
  });
});
