import { describe, expect, it } from 'vitest';
import { emitArpFrame, emitGarp, formatMac, ipAddress, parseArpFrame, parseMac, type ArpErrorKind, type Ipv4Address } from '../../../src/wire/index.js';

const v4 = (s: string): Ipv4Address => ipAddress(s, 'ipv4');

const MAC = 'e2:55:23:e4:02:e5';
const GARP_HEX = 'ffffffffffffe25523e402e508060001080006040001e25523e402e5c0a83264ffffffffffffc0a83264';

function expectError(bytes: Uint8Array, kind: ArpErrorKind, detail?: RegExp): void {
  const r = parseArpFrame(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.kind).toBe(kind);
  if (detail) expect(r.error.detail).toMatch(detail);
}

describe('emitGarp', () => {
  it('is keepalived 2.2.7\'s frame byte for byte', () => {
    expect(Buffer.from(emitGarp(MAC, v4('192.168.50.100'))).toString('hex')).toBe(GARP_HEX);
  });
  it('accepts an upper-case MAC and writes the same bytes', () => {
    expect(Buffer.from(emitGarp(MAC.toUpperCase(), v4('192.168.50.100'))).toString('hex')).toBe(GARP_HEX);
  });
  it('throws RangeError on a malformed MAC or address (caller bug)', () => {
    expect(() => emitGarp('e2:55:23:e4:02', v4('192.168.50.100'))).toThrow(RangeError);
    expect(() => emitGarp(MAC, '192.168.50.1000' as Ipv4Address)).toThrow(RangeError);
  });
});

describe('parseArpFrame', () => {
  const garp = () => Uint8Array.from(Buffer.from(GARP_HEX, 'hex'));

  it('reads a GARP, and a reply padded to 60 bytes', () => {
    expect(parseArpFrame(garp())).toEqual({
      ok: true,
      value: { ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: MAC, opcode: 1, senderMac: MAC, senderIp: '192.168.50.100', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.168.50.100' },
    });
    const reply = emitArpFrame({ ethDst: MAC, ethSrc: '02:00:00:00:00:01', opcode: 2, senderMac: '02:00:00:00:00:01', senderIp: v4('10.0.0.2'), targetMac: MAC, targetIp: v4('10.0.0.1') });
    const padded = new Uint8Array(60);
    padded.set(reply);
    const r = parseArpFrame(padded);
    expect(r.ok && r.value.opcode).toBe(2);
  });

  it('truncated: short Ethernet header or short ARP body', () => {
    for (let n = 0; n < 14; n++) expectError(garp().subarray(0, n), 'truncated', /Ethernet header needs 14 bytes/);
    for (let n = 14; n < 42; n++) expectError(garp().subarray(0, n), 'truncated', new RegExp(`ARP frame needs 42 bytes, got ${n}`));
  });

  it('not-arp: another ethertype', () => {
    const b = garp();
    b[12] = 0x08;
    b[13] = 0x00;
    expectError(b, 'not-arp', /ethertype is 0x0800, expected 0x0806/);
  });

  it.each([
    ['hardware type 6', 15, 6],
    ['protocol type 0x86dd', 16, 0x86],
    ['hardware length 8', 18, 8],
    ['protocol length 16', 19, 16],
    ['opcode 3', 21, 3],
  ])('bad-format: %s', (_n, offset, value) => {
    const b = garp();
    b[offset] = value;
    expectError(b, 'bad-format');
  });
});

describe('MAC helpers', () => {
  it('parseMac accepts six hex pairs, either case', () => {
    const r = parseMac('AA:bb:0c:dd:EE:ff');
    expect(r.ok && Array.from(r.value)).toEqual([0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0xff]);
  });
  it.each(['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa-bb-cc-dd-ee-ff', 'a:bb:cc:dd:ee:ff', 'gg:bb:cc:dd:ee:ff', ' aa:bb:cc:dd:ee:ff'])(
    'parseMac rejects %j with bad-mac',
    (s) => {
      const r = parseMac(s);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ kind: 'bad-mac', detail: expect.stringContaining(JSON.stringify(s)) });
    },
  );
  it('formatMac writes lower case, at an offset', () => {
    expect(formatMac(Uint8Array.from([0, 0, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]), 2)).toBe('de:ad:be:ef:01:02');
  });
});
