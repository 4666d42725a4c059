import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ok } from '../../../src/result.js';
import { VrrpInterfaceMux, type PacketPort, type ReceivedAdvert } from '../../../src/io/vrrp-mux.js';
import { emitRawAdvert, type RawAdvertFields } from '../../../src/wire/advert-raw.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';

class FakePort extends EventEmitter implements PacketPort {
  readonly ifname = 'eth0';
  readonly sent: { dst: string; bytes: Uint8Array }[] = [];
  send(payload: Uint8Array, dst: string) {
    this.sent.push({ dst, bytes: payload });
    return Promise.resolve(ok(payload.length));
  }
  inject(bytes: Uint8Array): void {
    this.emit('packet', bytes, '0.0.0.0');
  }
}

const base: RawAdvertFields = { vrid: 251, priority: 100, authType: 1, adverIntervalSec: 1, addresses: ['192.168.50.100'], authData: new TextEncoder().encode('11111111') };
const dgram = (f: Partial<RawAdvertFields> = {}, ip: { src?: string; ttl?: number; protocol?: number } = {}) =>
  emitIpv4({ src: ip.src ?? '192.168.50.2', dst: '224.0.0.18', ttl: ip.ttl ?? 255, protocol: ip.protocol ?? 112 }, emitRawAdvert({ ...base, ...f }));

function setup(opts: { peers?: string[]; checkTtl?: boolean } = {}) {
  const port = new FakePort();
  const mux = new VrrpInterfaceMux(port, { localAddresses: ['192.168.50.1'] });
  const got: ReceivedAdvert[] = [];
  const reg = mux.register(251, { onAdvert: (rx) => got.push(rx), ...(opts.peers ? { unicastPeers: opts.peers } : {}), ...(opts.checkTtl === undefined ? {} : { checkTtl: opts.checkTtl }) });
  if (!reg.ok) throw new Error(reg.error.detail);
  return { port, mux, got, reg: reg.value };
}

describe('VrrpInterfaceMux', () => {
  it('delivers a good advert with its IP facts', () => {
    const { port, got, reg } = setup();
    port.inject(dgram());
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ src: '192.168.50.2', dst: '224.0.0.18', ttl: 255, tos: 0xc0, advert: { vrid: 251, priority: 100 } });
    expect(reg.counters.delivered).toBe(1);
  });

  it('the keepalived vector (pass1, first frame) is delivered', () => {
    const { port, got } = setup();
    const hex = '01005e000012e25523e402e5080045c0002800010000ff70e7e8c0a83201e000001221fb64010101c130c0a832643131313131313131';
    const frame = Uint8Array.from(Buffer.from(hex, 'hex'));
    const mux2 = new VrrpInterfaceMux(port, { localAddresses: ['192.168.50.9'] });
    const seen: ReceivedAdvert[] = [];
    mux2.register(251, { onAdvert: (rx) => seen.push(rx) });
    port.inject(frame.subarray(14));
    expect(seen).toHaveLength(1);
    expect(got).toHaveLength(0); // first mux: 192.168.50.1 is its own address
  });

  it('counts each drop reason where RFC 2787 puts it', () => {
    const { port, mux, got, reg } = setup();
    port.inject(dgram({}, { src: '192.168.50.1' }));
    port.inject(dgram({ vrid: 7 }));
    port.inject(dgram({}, { ttl: 254 }));
    port.inject(dgram({ version: 3 }));
    port.inject(dgram({ checksum: 0x1234 }));
    port.inject(dgram({ type: 2 }));
    port.inject(dgram({ count: 2 }));
    port.inject(dgram({ authType: 2 }));
    port.inject(new Uint8Array([0x45, 0, 0]));
    port.inject(dgram({}, { protocol: 17 }));
    expect(got).toHaveLength(0);
    expect(mux.counters).toMatchObject({ received: 10, ownPackets: 1, vrIdErrors: 1, versionErrors: 1, checksumErrors: 1, ipErrors: 1, otherProtocol: 1 });
    expect(reg.counters).toMatchObject({ ipTtlErrors: 1, invalidTypePktsRcvd: 1, packetLengthErrors: 1, invalidAuthType: 1, delivered: 0 });
  });

  it('checkTtl false hands TTL to the router', () => {
    const { port, got } = setup({ checkTtl: false });
    port.inject(dgram({}, { ttl: 254 }));
    expect(got.map((g) => g.ttl)).toEqual([254]);
  });

  it('AH-wrapped adverts (keepalived auth_type AH vector) count as auth type mismatch', () => {
    const port = new FakePort();
    const mux = new VrrpInterfaceMux(port);
    const reg = mux.register(9, { onAdvert: () => expect.unreachable() });
    const hex = '01005e000012526ea454e03a080045c0004000010000ff33e80dc0a83201e000001270040000c0a8320100000001fff0c2ef975bf3087c34ae3d2109c801020121e7c0a832640000000000000000';
    port.inject(Uint8Array.from(Buffer.from(hex, 'hex')).subarray(14));
    expect(mux.counters.ahPktsRcvd).toBe(1);
    expect(reg.ok && reg.value.counters.authTypeMismatch).toBe(1);
  });

  it('unicast mode: sends to every peer, accepts only from peers', async () => {
    const { port, got, reg } = setup({ peers: ['192.168.50.2', '192.168.50.3'] });
    port.inject(dgram({}, { src: '192.168.50.9' }));
    port.inject(dgram({}, { src: '192.168.50.3' }));
    expect(got.map((g) => g.src)).toEqual(['192.168.50.3']);
    expect(reg.counters.unicastPeerRejects).toBe(1);
    const res = await reg.send(new Uint8Array([1, 2]));
    expect(res.map((r) => r.dst)).toEqual(['192.168.50.2', '192.168.50.3']);
  });

  it('a VRID can be held once; unregister frees it', () => {
    const { mux, reg } = setup();
    expect(mux.register(251, { onAdvert: () => undefined }).ok).toBe(false);
    reg.unregister();
    expect(mux.register(251, { onAdvert: () => undefined }).ok).toBe(true);
  });

  it('never throws on arbitrary bytes', () => {
    const { mux } = setup();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (b) => void mux.handle(b)));
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 60 }), (tail) => void mux.handle(Uint8Array.from([...dgram().subarray(0, 24), ...tail]))));
  });
});
