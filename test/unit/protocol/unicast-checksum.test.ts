/**
 * keepalived's unicast checksum rule (`old_unicast_checksum`) for VRRPv3 over IPv4, both ways:
 * keepalived 2.2.7's own unicast advert (RFC 5798 §5.2.8 checksum with the real destination, from
 * the v3-ipv4-unicast capture) and the same advert with the old-style checksum keepalived <= 1.3.6
 * (or `old_unicast_checksum`) sends: computed as if the destination were 224.0.0.18, 0xa359 here
 * (vectors-v3.json notes). The receive path accepts the old style only from a unicast peer of a
 * virtual router that allows it; sending follows UnicastChecksum.
 */
import { describe, expect, it } from 'vitest';
import { zeroInstanceCounters } from '../../../src/protocol/counters.js';
import { ReceivePath, type OldChecksumRule } from '../../../src/protocol/receive-path.js';
import { UnicastChecksum } from '../../../src/protocol/unicast-checksum.js';
import { advertChecksum, emitAdvert, parseAdvert } from '../../../src/wire/advert.js';
import { ipAddress, type Ipv4Address } from '../../../src/wire/address.js';
import { VRRP_MCAST_GROUP4 } from '../../../src/wire/constants.js';
import type { RawDatagram } from '../../../src/wire/datagram.js';
import { fromHex, loadVectorsV3, splitEthernet, toHex } from '../../helpers/vectors.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');
const KA = v4('192.168.50.1');
const US = v4('192.168.50.2');

/** keepalived 2.2.7's first unicast advert to us (priority 100), as the socket hands it over. */
const capture = loadVectorsV3().captures.find((c) => c.name === 'v3-ipv4-unicast')!;
const rfcDatagram = splitEthernet(fromHex(capture.frames[0]!.ethernet_hex)).payload;
const IP_HEADER = 20;
const rfcAdvert = rfcDatagram.subarray(IP_HEADER);

/** The same datagram with another VRRP checksum (and optionally one more byte changed). */
function withChecksum(sum: number, patch?: { at: number; value: number }): Uint8Array {
  const d = Uint8Array.from(rfcDatagram);
  d[IP_HEADER + 6] = sum >>> 8;
  d[IP_HEADER + 7] = sum & 0xff;
  if (patch) d[IP_HEADER + patch.at] = patch.value;
  return d;
}
const OLD_SUM = advertChecksum(rfcAdvert, 3, { family: 'ipv4', src: KA, dst: VRRP_MCAST_GROUP4 });
const oldDatagram = withChecksum(OLD_SUM);
const dgram = (bytes: Uint8Array): RawDatagram => ({ family: 'ipv4', bytes });

/** A receive path with VI_1 (VRID 251, VRRPv3) on it, unicast from keepalived unless `peers` says otherwise. */
function setup(opts: { rule?: OldChecksumRule; peers?: Ipv4Address[] | 'multicast'; version?: 2 | 3 } = {}) {
  const rx = new ReceivePath<string>([US]);
  const counters = zeroInstanceCounters();
  const peers = opts.peers === 'multicast' ? undefined : (opts.peers ?? [KA]);
  rx.register('VI_1', { vrid: 251, version: opts.version ?? 3, family: 'ipv4', counters, unicastPeers: peers, oldChecksum: opts.rule });
  return { rx, counters };
}
const ACCEPT: OldChecksumRule = { group: VRRP_MCAST_GROUP4, accept: true };
const REFUSE: OldChecksumRule = { group: VRRP_MCAST_GROUP4, accept: false };

describe('the two unicast checksums of keepalived', () => {
  it('the capture carries the RFC checksum (0x90c1, real destination); the old style of the same advert is 0xa359', () => {
    expect(toHex(rfcAdvert.subarray(6, 8))).toBe('90c1');
    expect(capture.frames[0]!.decoded).toMatchObject({ ip_dst: '192.168.50.2', checksum: '0x90c1', checksum_status: '1' });
    expect(OLD_SUM).toBe(0xa359);
    // Per the RFC the old style is simply wrong.
    expect(parseAdvert(oldDatagram.subarray(IP_HEADER), { family: 'ipv4', src: KA, dst: US })).toMatchObject({ ok: false, error: { kind: 'bad-checksum' } });
  });
});

describe('receiving: old-style checksums only from a unicast peer of a virtual router that allows them', () => {
  it('keepalived 2.2.7 default (RFC checksum) is delivered as such whatever the mode, and counts nothing extra', () => {
    for (const rule of [undefined, ACCEPT, REFUSE]) {
      const { rx, counters } = setup(rule ? { rule } : {});
      expect(rx.handle(dgram(rfcDatagram))).toMatchObject({ kind: 'deliver', key: 'VI_1', checksum: 'rfc', advert: { version: 3, priority: 100 } });
      expect(counters.oldUnicastChecksumRcvd).toBe(0);
      expect(rx.counters.checksumErrors).toBe(0);
    }
  });

  it("'auto' and 'always' (accept): the old style is delivered, marked, and counted per virtual router", () => {
    const { rx, counters } = setup({ rule: ACCEPT });
    for (let i = 0; i < 3; i++) expect(rx.handle(dgram(oldDatagram))).toMatchObject({ kind: 'deliver', key: 'VI_1', checksum: 'old-unicast', advert: { vrid: 251, priority: 100 } });
    expect(counters.oldUnicastChecksumRcvd).toBe(3);
    expect(rx.counters.checksumErrors).toBe(0);
  });

  it("'never': the old style is a checksum error, and the log says what it is", () => {
    const { rx, counters } = setup({ rule: REFUSE });
    const v = rx.handle(dgram(oldDatagram));
    expect(v).toMatchObject({ kind: 'drop', reason: 'checksum', vrid: 251, from: KA, key: undefined });
    if (v.kind !== 'drop') throw new Error('delivered');
    expect(v.detail()).toMatch(/checksum is 0xa359, expected 0x90c1.*old-style unicast checksum \(as if sent to 224\.0\.0\.18.*old_unicast_checksum never refuses/);
    expect(rx.counters.checksumErrors).toBe(1);
    expect(counters.oldUnicastChecksumRcvd).toBe(0);
  });

  it('without a rule (VRRPv2, multicast, or no unicast peers) the old style is a plain checksum error', () => {
    for (const o of [{}, { rule: ACCEPT, peers: 'multicast' as const }]) {
      const { rx } = setup(o);
      const v = rx.handle(dgram(oldDatagram));
      expect(v).toMatchObject({ kind: 'drop', reason: 'checksum' });
      if (v.kind === 'drop') expect(v.detail()).not.toMatch(/old-style/);
    }
  });

  it('from a source that is not a unicast peer it is dropped as such, after the checksum passed', () => {
    const { rx, counters } = setup({ rule: ACCEPT, peers: [v4('192.168.50.9')] });
    expect(rx.handle(dgram(oldDatagram))).toMatchObject({ kind: 'drop', reason: 'unicast-peer', key: 'VI_1' });
    expect(counters.unicastPeerRejects).toBe(1);
    expect(counters.oldUnicastChecksumRcvd).toBe(0);
  });

  it('a corrupted old-style advert (a changed priority or VRID byte) still fails: nothing unverified is trusted', () => {
    const { rx } = setup({ rule: ACCEPT });
    expect(rx.handle(dgram(withChecksum(OLD_SUM, { at: 2, value: 101 })))).toMatchObject({ kind: 'drop', reason: 'checksum' });
    expect(rx.handle(dgram(withChecksum(OLD_SUM, { at: 1, value: 250 })))).toMatchObject({ kind: 'drop', reason: 'checksum' });
    expect(rx.counters.checksumErrors).toBe(2);
  });

  it('only VRRPv3 has the rule: a VRRPv2 packet with a wrong checksum is a checksum error', () => {
    const { rx } = setup({ rule: ACCEPT, version: 2 });
    const v2 = Uint8Array.from(oldDatagram);
    v2[IP_HEADER] = 0x21;
    expect(rx.handle(dgram(v2))).toMatchObject({ kind: 'drop', reason: 'checksum' });
  });
});

describe('sending: UnicastChecksum picks the pseudo-header destination', () => {
  const reEmit = (u: UnicastChecksum): string => {
    const a = parseAdvert(rfcAdvert, { family: 'ipv4', src: KA, dst: US });
    if (!a.ok) throw new Error(a.error.detail);
    return toHex(emitAdvert(a.value, { family: 'ipv4', src: KA, dst: u.pseudoHeaderDestination(US) }));
  };

  it("'auto' sends keepalived 2.2.7's bytes (0x90c1) until an old-style advert is seen, then keepalived <= 1.3.6's (0xa359)", () => {
    const u = new UnicastChecksum('auto', VRRP_MCAST_GROUP4);
    expect(u.receiverRule()).toEqual(ACCEPT);
    expect(reEmit(u)).toBe(toHex(rfcAdvert));
    expect(u.sendingOld).toBe(false);
    expect(u.oldStyleSeen()).toBe(true); // the one moment to log
    expect(u.oldStyleSeen()).toBe(false);
    expect(u.sendingOld).toBe(true);
    expect(reEmit(u)).toBe(toHex(oldDatagram.subarray(IP_HEADER)));
  });

  it("'always' (old_unicast_checksum) sends the old style from the start; 'never' never switches", () => {
    const always = new UnicastChecksum('always', VRRP_MCAST_GROUP4);
    expect(reEmit(always)).toBe(toHex(oldDatagram.subarray(IP_HEADER)));
    expect(always.oldStyleSeen()).toBe(false);
    expect(always.receiverRule()).toEqual(ACCEPT);
    const never = new UnicastChecksum('never', VRRP_MCAST_GROUP4);
    expect(never.oldStyleSeen()).toBe(false);
    expect(reEmit(never)).toBe(toHex(rfcAdvert));
    expect(never.receiverRule()).toEqual(REFUSE);
  });

  it('the old style uses the configured group (vrrp_mcast_group4), as keepalived does', () => {
    const u = new UnicastChecksum('always', v4('224.0.0.99'));
    expect(u.pseudoHeaderDestination(US)).toBe('224.0.0.99');
    expect(reEmit(u)).not.toBe(toHex(oldDatagram.subarray(IP_HEADER)));
  });
});
