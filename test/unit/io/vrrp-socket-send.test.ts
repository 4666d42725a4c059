/** VrrpSocket's send path over a stand-in for raw-socket: straight to sendto, queued only when the buffer is full. */
import { describe, expect, it } from 'vitest';
import { ipAddress } from '../../../src/wire/address.js';
import { VrrpSocket, type RawSocket } from '../../../src/io/vrrp-socket.js';

function fakeRaw(direct: (dst: string) => number | Error) {
  const wire: string[] = [];
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
        cb(buf.length);
      },
    },
  };
  /** The socket turned writable: raw-socket sends its queue. */
  const drain = () => {
    for (const q of queue.splice(0)) {
      wire.push(`queued ${q.dst}`);
      q.cb(null, 20);
    }
  };
  return { raw, wire, drain };
}

const payload = new Uint8Array(20);

describe('VrrpSocket.send', () => {
  it('hands the datagram to the kernel before returning', async () => {
    const f = fakeRaw(() => 20);
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    const sent = sock.send(payload, ipAddress('224.0.0.18'));
    expect(f.wire).toEqual(['direct 224.0.0.18']);
    expect(await sent).toEqual({ ok: true, value: 20 });
    expect(sock.counters.sent).toBe(1);
  });

  it('a full socket buffer (EAGAIN) queues the send, and later sends queue behind it in order', async () => {
    let full = true;
    const f = fakeRaw(() => (full ? new Error('Resource temporarily unavailable') : 20));
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    const a = sock.send(payload, ipAddress('192.168.50.1'));
    full = false;
    const b = sock.send(payload, ipAddress('192.168.50.2'));
    expect(f.wire).toEqual([]);
    f.drain();
    expect(await Promise.all([a, b])).toEqual([
      { ok: true, value: 20 },
      { ok: true, value: 20 },
    ]);
    expect(f.wire).toEqual(['queued 192.168.50.1', 'queued 192.168.50.2']);
    await sock.send(payload, ipAddress('192.168.50.3'));
    expect(f.wire.at(-1)).toBe('direct 192.168.50.3');
  });

  it('any other sendto error is the result, counted', async () => {
    const f = fakeRaw(() => new Error('Network is down'));
    const sock = new VrrpSocket(f.raw, 'eth0', 2, 112, undefined);
    const r = await sock.send(payload, ipAddress('224.0.0.18'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.detail).toBe('send to 224.0.0.18 on eth0: Network is down');
    expect(sock.counters.sendErrors).toBe(1);
  });
});
