/**
 * RFC 5798 (VRRPv3 over IPv4) on the wire, with real daemons at `vrrp_version 3`: what the master
 * sends (captured on a third host), and that only the master answers ARP for the VIP and accepts
 * traffic for it (delivered locally, not forwarded). Test titles start with rows of
 * docs/rfc5798-conformance.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advertChecksumOk, parseAdvert } from '../../../src/wire/advert.js';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP4 } from '../../../src/wire/constants.js';
import { parseIpv4Packet } from '../../../src/wire/ipv4.js';
import { startCapture } from '../io/fixtures/capture.js';
import { cluster, seedConfig, skipReason, waitConverged, type Cluster } from './harness.js';
import { arpRepliers, connectsVia, startListeners } from './vip-checks.js';

const reason = await skipReason();
const VIP = '192.168.50.100';

describe.skipIf(reason !== undefined)('RFC 5798 on the wire: VRRPv3 daemons', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2', 'client'], 'vt3');
    c.node('op1').writeConfig(seedConfig({ version: 3, state: 'MASTER', priority: 100, interval: 0.5 }));
    c.node('op2').writeConfig(seedConfig({ version: 3, priority: 90, interval: 0.5 }));
    c.node('op1').start();
    c.node('op2').start();
    await waitConverged(c, 'op1');
    await startListeners(c, ['op1', 'op2']);
  });
  afterAll(async () => c?.destroy());

  it('5.1.1.1-1 5.1.1.3-1 7.2-2 7.2-4 7.2-6 7.2-7 the master advertises from its primary address to 224.0.0.18, TTL 255, protocol 112, version 3, reserved bits 0, its interval in centiseconds, RFC 5798 checksum', async () => {
    const op1 = c.node('op1').host;
    const cap = await startCapture(c.node('client').host, ['ip', 'proto', '112']);
    await new Promise((r) => setTimeout(r, 1800));
    const frames = await cap.stop();
    expect(frames.length).toBeGreaterThanOrEqual(3);
    for (const { frame } of frames) {
      expect(Buffer.from(frame.subarray(6, 12)).toString('hex').match(/../g)!.join(':')).toBe(op1.mac); // the interface MAC: no virtual MAC
      const p = parseIpv4Packet(frame.subarray(14));
      if (!p.ok) throw new Error(p.error.detail);
      const { header, payload } = p.value;
      expect([header.src, header.dst, header.ttl, header.protocol]).toEqual([op1.ip, VRRP_MCAST_GROUP4, 255, IPPROTO_VRRP]);
      const ctx = { family: 'ipv4' as const, src: header.src, dst: header.dst };
      expect(advertChecksumOk(payload, 3, ctx)).toBe(true);
      expect(payload[4]! >> 4).toBe(0);
      expect(parseAdvert(payload, ctx)).toMatchObject({ ok: true, value: { version: 3, type: 1, vrid: 251, priority: 100, adverIntervalCs: 50, addresses: [VIP] } });
    }
    // Every Advertisement_Interval (0.5 s), with room for a busy machine; never the 1 s default.
    const gaps = frames.slice(1).map((f, i) => (f.ts - frames[i]!.ts) * 1000);
    expect(gaps.filter((g) => g < 350 || g > 900), `gaps ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`).toEqual([]);
  });

  it('6.4.2-1 6.4.3-1 an ARP request for the VIP is answered by the master only, with its interface MAC', async () => {
    expect(await arpRepliers(c, 'client', VIP)).toEqual([c.node('op1').host.mac]);
  });

  it('6.4.2-5 the backup does not accept packets for the VIP, even sent to its MAC', async () => {
    expect(await connectsVia(c, 'client', VIP, 'op2')).toBe(false);
  });

  it('6.4.3-6 8.3.1-1 the master (Accept_Mode True, keepalived\'s default) accepts packets for the VIP and delivers them locally (not forwarded)', async () => {
    expect(await connectsVia(c, 'client', VIP, 'op1')).toBe(true);
    expect(await c.node('op1').host.mustExec('sysctl', ['-n', 'net.ipv4.ip_forward'])).toBe('0\n');
  });
});
