/** VrrpSocket's send path over a stand-in for raw-socket: straight to sendto, queued only when the buffer is full. */
import { describe, expect, it } from 'vitest';
import { ipAddress } from '../../../src/wire/address.js';
import { SEND_QUEUED, VrrpSocket, type RawSocket } from '../../../src/io/vrrp-socket.js';

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
