/**
 * Unsolicited Neighbor Advertisements (RFC 4861 §4.4, §7.2.6): keepalived 2.2.7's NA frames of
 * the v3-ipv6 capture decode to tshark's fields and re-emit byte for byte; the parser refuses
 * what is not a well-formed NA, each for its reason, and never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALL_NODES6,
  emitNaFrame,
  emitUnsolicitedNa,
  foldSum,
  ipAddress,
  IPPROTO_ICMPV6,
  ipv6MulticastMac,
  onesComplementSum,
  parseNaFrame,
  pseudoHeaderSum,
  readIpv6,
  UNSOLICITED_NA_FRAME_LEN,
  unsolicitedNa,
  type NdiscErrorKind,
  type NeighborAdvertFrame,
} from '../../../src/wire/index.js';
import { fromHex, loadVectorsV3, toHex } from '../../helpers/vectors.js';

const capture = loadVectorsV3().captures.find((c) => c.name === 'v3-ipv6')!;
const naFrames = capture.frames.filter((f) => f.decoded.icmpv6_type === '136');
const MAC = '02:50:00:00:00:01';
const v6 = (s: string) => ipAddress(s, 'ipv6');

function parsed(bytes: Uint8Array): NeighborAdvertFrame {
  const r = parseNaFrame(bytes);
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.detail}`);
  return r.value;
}

function expectError(bytes: Uint8Array, kind: NdiscErrorKind): void {
  const r = parseNaFrame(bytes);
  expect(r.ok ? 'ok' : r.error.kind).toBe(kind);
}

describe('keepalived 2.2.7 unsolicited NAs (v3-ipv6 capture)', () => {
  it('holds 20 NAs: 2 blocks of 5 rounds over the two VIPs in config order', () => {
    expect(naFrames).toHaveLength(20);
    expect(naFrames.map((f) => f.decoded.na_target)).toEqual(Array.from({ length: 10 }, () => ['fe80::100', 'fd00:50::100']).flat());
  });

  it.each(naFrames.map((f, i) => ({ i, f })))('NA #$i decodes to tshark\'s fields and re-emits byte for byte', ({ f }) => {
    const bytes = fromHex(f.ethernet_hex);
    const d = f.decoded;
    const na = parsed(bytes);
    expect(na.ethDst).toBe(d.eth_dst);
    expect(na.ethSrc).toBe(d.eth_src);
    expect(na.src).toBe(d.ipv6_src);
    expect(na.dst).toBe(d.ipv6_dst);
    expect(String(na.hopLimit)).toBe(d.ipv6_hlim);
    expect(na.router ? '1' : '0').toBe(d.na_router);
    expect(na.solicited ? '1' : '0').toBe(d.na_solicited);
    expect(na.override ? '1' : '0').toBe(d.na_override);
    expect(na.target).toBe(d.na_target);
    expect(na.targetMac).toBe(d.na_target_lladdr);
    expect(d.icmpv6_opt_type).toBe('2');
    expect(d.icmpv6_checksum_status).toBe('1');
    expect(`0x${toHex(bytes.subarray(56, 58))}`).toBe(d.icmpv6_checksum);
    expect(toHex(emitNaFrame(na))).toBe(f.ethernet_hex);
    // What the daemon sends for this VIP: the same bytes (keepalived's R=0: forwarding off).
    expect(toHex(emitUnsolicitedNa(MAC, na.target, false))).toBe(f.ethernet_hex);
  });
});

describe('unsolicitedNa (RFC 4861 §7.2.6)', () => {
  it('is from the VIP to all-nodes with hop limit 255, S=0, O=1, target the VIP, TLLA the MAC', () => {
    expect(unsolicitedNa(MAC, v6('fd00:50::100'), false)).toEqual({
      ethDst: '33:33:00:00:00:01', ethSrc: MAC, src: 'fd00:50::100', dst: ALL_NODES6, hopLimit: 255,
      router: false, solicited: false, override: true, target: 'fd00:50::100', targetMac: MAC,
    });
  });

  it('sets R when asked (keepalived: IPv6 forwarding on), and the checksum still verifies', () => {
    const bytes = emitUnsolicitedNa(MAC, v6('fd00:50::100'), true);
    expect(bytes).toHaveLength(UNSOLICITED_NA_FRAME_LEN);
    expect(parsed(bytes)).toMatchObject({ router: true, solicited: false, override: true });
    expect(bytes[58]).toBe(0xa0);
  });

  it('throws RangeError on a malformed MAC (caller bug)', () => {
    expect(() => emitUnsolicitedNa('02:50:00', v6('fd00:50::100'), false)).toThrow(RangeError);
  });

  it('maps multicast groups to 33:33 + the low 32 bits (RFC 2464 §7)', () => {
    expect(ipv6MulticastMac(v6('ff02::12'))).toBe('33:33:00:00:00:12');
    expect(ipv6MulticastMac(v6('ff02::1:ff00:100'))).toBe('33:33:ff:00:01:00');
  });
});

describe('parseNaFrame refuses, each for its reason', () => {
  const good = () => emitUnsolicitedNa(MAC, v6('fd00:50::100'), false);

  it('truncated Ethernet, IPv6 or NA', () => {
    expectError(good().subarray(0, 10), 'truncated');
    expectError(good().subarray(0, 40), 'truncated');
    const short = emitNaFrame({ ...unsolicitedNa(MAC, v6('fd00:50::100'), false), targetMac: undefined }).subarray(0, 14 + 40 + 20);
    short[14 + 5] = 20; // payload length consistent with the cut
    expectError(short, 'truncated');
  });

  it('not IPv6 (an ARP frame), or IPv6 carrying VRRP, or another ICMPv6 type', () => {
    const arp = good();
    arp[12] = 0x08;
    arp[13] = 0x06;
    expectError(arp, 'not-ipv6');
    const vrrp = good();
    vrrp[14 + 6] = 112;
    expectError(vrrp, 'not-na');
    const ns = good();
    ns[54] = 135;
    expectError(ns, 'not-na');
  });

  it('a checksum that does not verify (one bit of the target flipped)', () => {
    const b = good();
    b[14 + 40 + 23] = (b[14 + 40 + 23] ?? 0) ^ 1;
    expectError(b, 'bad-checksum');
  });

  it('an option of length 0 or running past the end', () => {
    const zero = good();
    zero[14 + 40 + 25] = 0;
    fixChecksum(zero);
    expectError(zero, 'bad-option');
    const long = good();
    long[14 + 40 + 25] = 2;
    fixChecksum(long);
    expectError(long, 'bad-option');
  });

  it('an NA without options parses with no target MAC', () => {
    const na = { ...unsolicitedNa(MAC, v6('fd00:50::100'), false), targetMac: undefined };
    expect(parsed(emitNaFrame(na))).toEqual(na);
  });

  it('never throws on any bytes; emit -> parse round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      parseNaFrame(bytes);
    }));
    const addr = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => ipAddress(Array.from({ length: 8 }, (_, i) => (((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0)).toString(16)).join(':'), 'ipv6'));
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
    fc.assert(fc.property(mac, addr, fc.boolean(), (m, a, r) => {
      const value = unsolicitedNa(m, a, r);
      expect(parsed(emitNaFrame(value))).toEqual(value);
    }));
  });
});

/** Recomputes the ICMPv6 checksum of an NA frame after a test edited it. */
function fixChecksum(frame: Uint8Array): void {
  const payload = frame.subarray(14 + 40);
  payload[2] = 0;
  payload[3] = 0;
  const src = readIpv6(frame, 14 + 8);
  const dst = readIpv6(frame, 14 + 24);
  const sum = ~foldSum(onesComplementSum(payload) + pseudoHeaderSum('ipv6', src, dst, payload.length, IPPROTO_ICMPV6)) & 0xffff;
  payload[2] = sum >> 8;
  payload[3] = sum & 0xff;
}
