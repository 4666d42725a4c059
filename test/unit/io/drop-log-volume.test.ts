/**
 * Issue 10, "Logs and files": drop lines were limited per (reason, source), so forged source
 * addresses bought one line per packet (3000 bad packets gave 2934 lines). Now: per reason.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { VrrpInterfaceMux, type PacketPort } from '../../../src/io/vrrp-mux.js';
import { ok } from '../../../src/result.js';
import { emitRawAdvert } from '../../../src/wire/advert-raw.js';
import { ipAddress } from '../../../src/wire/address.js';
import type { RawDatagram } from '../../../src/wire/datagram.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';

class FakePort extends EventEmitter implements PacketPort {
  readonly ifname = 'eth0';
  send(payload: Uint8Array) {
    return ok(payload.length);
  }
}

describe('drop log volume under forged sources', () => {
  it('3000 bad packets from 3000 addresses: one line per reason per window', () => {
    const port = new FakePort();
    const lines: { fields: Record<string, unknown>; msg?: string }[] = [];
    const logger = { warn: (fields: object, msg?: string) => void lines.push({ fields: fields as Record<string, unknown>, ...(msg ? { msg } : {}) }), debug: () => undefined };
    let now = 0;
    new VrrpInterfaceMux(port, { localAddresses: [ipAddress('192.168.50.1', 'ipv4')], logger, now: () => now });
    const dst = ipAddress('224.0.0.18', 'ipv4');
    const advert = emitRawAdvert({ vrid: 99, priority: 100, adverInt: 1, addresses: [ipAddress('192.168.50.100')] });
    for (let i = 0; i < 3000; i++) {
      now = i; // 3 s of flood, inside one 10 s window
      const src = ipAddress(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'ipv4');
      const raw: RawDatagram = { family: 'ipv4', bytes: emitIpv4({ src, dst }, advert) };
      port.emit('packet', raw);
    }
    const dropped = lines.filter((l) => l.msg === 'advert dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.fields).toMatchObject({ from: '10.0.0.0' });
  });
});
