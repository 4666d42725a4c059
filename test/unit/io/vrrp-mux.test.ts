/** The interface mux: moves bytes between the sockets and the receive path; logs drops, rate-limited. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { VrrpInterfaceMux, type PacketPort, type ReceivedAdvert } from '../../../src/io/vrrp-mux.js';
import { zeroInstanceCounters } from '../../../src/protocol/counters.js';
import { ok } from '../../../src/result.js';
import { emitRawAdvert } from '../../../src/wire/advert-raw.js';
import { ipAddress, type IpAddress } from '../../../src/wire/address.js';
import type { RawDatagram } from '../../../src/wire/datagram.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';

class FakePort extends EventEmitter implements PacketPort {
  readonly ifname = 'eth0';
  readonly sent: { dst: string; bytes: Uint8Array }[] = [];
  send(payload: Uint8Array, dst: IpAddress) {
    this.sent.push({ dst, bytes: payload });
    return ok(payload.length);
  }
  inject(bytes: Uint8Array, arrivedAt?: number): void {
    const raw: RawDatagram = { family: 'ipv4', bytes };
    this.emit('packet', raw, arrivedAt);
  }
}

const src = ipAddress('192.168.50.2', 'ipv4');
const dst = ipAddress('224.0.0.18', 'ipv4');
const good = (over: { vrid?: number; ttl?: number } = {}) =>
  emitIpv4({ src, dst, ttl: over.ttl ?? 255 }, emitRawAdvert({ vrid: over.vrid ?? 251, priority: 100, adverInt: 1, addresses: [ipAddress('192.168.50.100')] }));

function setup() {
  const port = new FakePort();
  const warnings: { fields: Record<string, unknown>; msg?: string }[] = [];
  let now = 0;
  const logger = { warn: (fields: object, msg?: string) => void warnings.push({ fields: fields as Record<string, unknown>, ...(msg ? { msg } : {}) }), debug: () => undefined };
  const mux = new VrrpInterfaceMux(port, { localAddresses: [ipAddress('192.168.50.1')], logger, now: () => now });
  const got: ReceivedAdvert[] = [];
  const counters = zeroInstanceCounters();
  const reg = mux.register('VI_1', { spec: { vrid: 251, version: 2, family: 'ipv4', counters }, onAdvert: (rx) => got.push(rx), destinations: [dst] });
  if (!reg.ok) throw new Error(reg.error.detail);
  return { port, mux, got, counters, reg: reg.value, warnings, tick: (ms: number) => (now += ms) };
}

describe('VrrpInterfaceMux', () => {
  it('hands a good advert to its instance with the IP facts', () => {
    const { port, got, mux } = setup();
    port.inject(good());
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ advert: { vrid: 251 }, ip: { src, dst, ttl: 255 } });
    expect(mux.counters.received).toBe(1);
  });

  it('passes on when the socket says the datagram arrived, else the time it was handled', () => {
    const { port, got, tick } = setup();
    tick(5000);
    port.inject(good(), 4998.25);
    port.inject(good());
    expect(got.map((g) => g.arrivedAt)).toEqual([4998.25, 5000]);
  });

  it('logs a drop once per (reason, source) per 10 s and says how many it held back', () => {
    const { port, warnings, counters, tick } = setup();
    for (let i = 0; i < 5; i++) port.inject(good({ ttl: 1 }));
    expect(counters.ipTtlErrors).toBe(5);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ msg: 'advert dropped', fields: { reason: 'ip-ttl', from: src, instance: 'VI_1', vrid: 251 } });
    tick(10_001);
    port.inject(good({ ttl: 1 }));
    expect(warnings[1]?.fields.suppressed).toBe(4);
  });

  it('own packets are counted, not logged', () => {
    const { port, warnings, mux } = setup();
    port.inject(emitIpv4({ src: ipAddress('192.168.50.1', 'ipv4'), dst }, emitRawAdvert({ vrid: 251, priority: 100, adverInt: 1, addresses: [ipAddress('192.168.50.100')] })));
    expect(mux.counters.ownPackets).toBe(1);
    expect(warnings).toHaveLength(0);
  });

  it('sends to the destination asked, synchronously; unregister stops delivery and frees the VRID', () => {
    const { port, reg, got, mux } = setup();
    expect(reg.sendTo(new Uint8Array([1, 2]), dst)).toEqual({ ok: true, value: 2 });
    expect(port.sent.map((s) => s.dst)).toEqual([dst]);
    reg.unregister();
    port.inject(good());
    expect(got).toHaveLength(0);
    expect(mux.counters.vrIdErrors).toBe(1);
    const again = mux.register('VI_2', { spec: { vrid: 251, version: 2, family: 'ipv4', counters: zeroInstanceCounters() }, onAdvert: () => undefined, destinations: [dst] });
    expect(again.ok).toBe(true);
  });

  it('prepare reaches the socket of the destination\'s family with the registration\'s source', () => {
    const port = new FakePort();
    const prepared: { dst: string; src: string | undefined }[] = [];
    const preparing = Object.assign(port, { prepare: (_p: Uint8Array, d: IpAddress, s?: IpAddress) => void prepared.push({ dst: d, src: s }) });
    const mux = new VrrpInterfaceMux(preparing);
    const me = ipAddress('192.168.50.2', 'ipv4');
    const reg = mux.register('VI_1', { spec: { vrid: 251, version: 2, family: 'ipv4', counters: zeroInstanceCounters() }, onAdvert: () => undefined, destinations: [dst], source: me });
    if (!reg.ok) throw new Error(reg.error.detail);
    reg.value.prepare(new Uint8Array(8), dst);
    reg.value.prepare(new Uint8Array(8), ipAddress('ff02::12')); // no IPv6 socket here: nothing to do
    expect(prepared).toEqual([{ dst, src: me }]);
  });

  it('detach stops listening', () => {
    const { port, mux, got } = setup();
    mux.detach();
    port.inject(good());
    expect(got).toHaveLength(0);
  });
});
