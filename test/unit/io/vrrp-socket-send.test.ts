/** VrrpSocket's send path over stand-ins for raw-socket and for the addon's socket (raw4.c): straight to sendto, queued only when the buffer is full. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Raw4Handle } from '../../../src/io/packet-addon.js';
import { ipAddress } from '../../../src/wire/address.js';
import type { RawSocket } from '../../../src/io/raw-socket-open.js';
import { SEND_QUEUED, VrrpSocket } from '../../../src/io/vrrp-socket.js';

function fakeRaw(direct: (dst: string) => number | Error) {
  const wire: string[] = [];
  const bufs: Buffer[] = [];
  const queue: { dst: string; cb: (e: Error | null, n: number) => void }[] = [];
  const raw: RawSocket = {
    on: () => undefined,
    setOption: () => undefined,
    close: () => undefined,
    send: (_buf, _o, _l, dst, cb) => void queue.push({ dst, cb }),
    wrap: {
      send: (buf, _o, _l, dst, cb) => {
        const r = direct(dst);
        if (r instanceof Error) throw r;
        wire.push(`direct ${dst}`);
        bufs.push(buf);
        cb(buf.length);
      },
    },
  };
  /** The socket turned writable: raw-socket sends its queue (or fails each with `e`). */
  const drain = (e: Error | null = null) => {
    for (const q of queue.splice(0)) {
      wire.push(`queued ${q.dst}`);
      q.cb(e, 20);
    }
  };
  return { raw, wire, bufs, drain };
}

const payload = new Uint8Array(20);

describe('VrrpSocket.send', () => {
  it('hands the datagram to the kernel before returning, and returns its result', () => {
    const f = fakeRaw(() => 20);
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    expect(sock.send(payload, ipAddress('224.0.0.18'))).toEqual({ ok: true, value: 20 });
    expect(f.wire).toEqual(['direct 224.0.0.18']);
    expect(sock.counters.sent).toBe(1);
  });

  it('a full socket buffer (EAGAIN) queues the send, and later sends queue behind it in order', () => {
    let full = true;
    const f = fakeRaw(() => (full ? new Error('Resource temporarily unavailable') : 20));
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    expect(sock.send(payload, ipAddress('192.168.50.1'))).toEqual({ ok: true, value: SEND_QUEUED });
    full = false;
    expect(sock.send(payload, ipAddress('192.168.50.2'))).toEqual({ ok: true, value: SEND_QUEUED });
    expect(f.wire).toEqual([]);
    f.drain();
    expect(f.wire).toEqual(['queued 192.168.50.1', 'queued 192.168.50.2']);
    expect(sock.counters.sent).toBe(2);
    expect(sock.send(payload, ipAddress('192.168.50.3'))).toEqual({ ok: true, value: 20 });
    expect(f.wire.at(-1)).toBe('direct 192.168.50.3');
  });

  it('a queued send that then fails is counted and logged by the socket', () => {
    const f = fakeRaw(() => new Error('Resource temporarily unavailable'));
    const warned: string[] = [];
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, { warn: (_o, msg) => void warned.push(msg ?? ''), debug: () => undefined });
    expect(sock.send(payload, ipAddress('224.0.0.18')).ok).toBe(true);
    f.drain(new Error('Network is down'));
    expect(sock.counters.sendErrors).toBe(1);
    expect(warned).toEqual(['queued advert send failed']);
  });

  it('keeps the datagram built for a payload object while destination and source stay the same', () => {
    const f = fakeRaw(() => 40);
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined, true);
    const advert = new Uint8Array(20).fill(7);
    const group = ipAddress('224.0.0.18');
    const me = ipAddress('192.168.50.2');
    sock.send(advert, group, me);
    sock.send(advert, group, me);
    expect(f.bufs[1]).toBe(f.bufs[0]);
    sock.send(advert, group, ipAddress('192.168.50.3')); // another source: another header
    expect(f.bufs[2]).not.toBe(f.bufs[0]);
    expect([...f.bufs[2]!.subarray(12, 16)]).toEqual([192, 168, 50, 3]);
    sock.send(new Uint8Array(20).fill(7), group, ipAddress('192.168.50.3')); // equal bytes, another object: built again
    expect(f.bufs[3]).not.toBe(f.bufs[2]);
    expect([...f.bufs[3]!]).toEqual([...f.bufs[2]!]);
    expect([...f.bufs[3]!.subarray(20)]).toEqual([...advert]);
  });

  it('any other sendto error is the result, counted', () => {
    const f = fakeRaw(() => new Error('Network is down'));
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    const r = sock.send(payload, ipAddress('224.0.0.18'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.detail).toBe('send to 224.0.0.18 on eth0: Network is down');
    expect(sock.counters.sendErrors).toBe(1);
  });
});

/** A stand-in for the addon's raw IPv4 socket: raw4Send answers with `result(dst)` (-11 is EAGAIN). */
function fakeNative(result: (dst: number) => number | Error) {
  const wire: string[] = [];
  const handle = {} as Raw4Handle;
  const addon = {
    raw4Open: () => handle,
    raw4Close: () => void wire.push('closed'),
    monotonicMs: () => 0,
    raw4Send: (h: Raw4Handle, datagram: Uint8Array, dst: number) => {
      expect(h).toBe(handle);
      const r = result(dst);
      if (r instanceof Error) throw r;
      if (r >= 0) wire.push(`${dst.toString(16)} ${datagram.length}`);
      return r;
    },
  };
  const sock = new VrrpSocket(undefined, 'eth0', 2, 112, undefined, true);
  sock.useNative(addon, false, () => addon.raw4Open());
  return { sock, wire };
}

describe('VrrpSocket.send through the addon', () => {
  afterEach(() => void vi.useRealTimers());
  const group = ipAddress('224.0.0.18');

  it('one raw4Send with the IPv4 header and the destination as a big-endian uint32', () => {
    const f = fakeNative(() => 40);
    expect(f.sock.send(payload, group, ipAddress('192.168.50.2'))).toEqual({ ok: true, value: 40 });
    expect(f.wire).toEqual(['e0000012 40']);
    expect(f.sock.counters.sent).toBe(1);
  });

  it('EAGAIN queues the send; later sends queue behind it and all leave in order when there is room', () => {
    vi.useFakeTimers();
    let full = true;
    const f = fakeNative(() => (full ? -11 : 40));
    expect(f.sock.send(payload, ipAddress('192.168.50.1'))).toEqual({ ok: true, value: SEND_QUEUED });
    full = false;
    expect(f.sock.send(payload, ipAddress('192.168.50.2'))).toEqual({ ok: true, value: SEND_QUEUED });
    expect(f.wire).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(f.wire).toEqual(['c0a83201 40', 'c0a83202 40']);
    expect(f.sock.counters.sent).toBe(2);
    expect(f.sock.send(payload, ipAddress('192.168.50.3'))).toEqual({ ok: true, value: 40 });
  });

  it('a send that fails is the result; sends still queued at close are counted as failed', () => {
    vi.useFakeTimers();
    let answer: number | Error = new Error('sendto(AF_INET raw): Network is down');
    const f = fakeNative(() => answer);
    const r = f.sock.send(payload, group);
    expect(!r.ok && r.error.detail).toBe('send to 224.0.0.18 on eth0: sendto(AF_INET raw): Network is down');
    answer = -11;
    expect(f.sock.send(payload, group)).toEqual({ ok: true, value: SEND_QUEUED });
    f.sock.close();
    expect(f.sock.counters.sendErrors).toBe(2);
    expect(f.wire).toEqual(['closed']);
    expect(f.sock.send(payload, group).ok).toBe(false);
  });
});
