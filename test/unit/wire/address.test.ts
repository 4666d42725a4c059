import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import {
  addressBytes,
  compareAddresses,
  familyOf,
  ipAddress,
  isLinkLocal6,
  isMulticast,
  parseIpAddress,
  parsePrefix,
  readIpv4,
  readIpv6,
  writeAddress,
} from '../../../src/wire/address.js';

describe('parseIpAddress: the one text parser', () => {
  it.each([
    ['192.168.50.100', '192.168.50.100', 'ipv4'],
    ['0.0.0.0', '0.0.0.0', 'ipv4'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1', 'ipv6'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 'ipv6'],
    ['ff02::12', 'ff02::12', 'ipv6'],
  ])('%s -> canonical %s (%s)', (text, canonical, family) => {
    const r = parseIpAddress(text);
    expect(r).toEqual({ ok: true, value: canonical });
    if (r.ok) expect(familyOf(r.value)).toBe(family);
  });

  it.each([
    '010.1.1.1',
    '1.2.3',
    '256.1.1.1',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '0x1.1.1.1',
    '1.2.3.4/24',
    'fe80::1%eth0',
    '1:2:3:4:5:6:7:8:9',
    '',
    'x'.repeat(100),
  ])('refuses %j', (text) => {
    expect(parseIpAddress(text).ok).toBe(false);
  });

  it('a family restricts the parse', () => {
    expect(parseIpAddress('fe80::1', 'ipv4').ok).toBe(false);
    expect(parseIpAddress('1.2.3.4', 'ipv6').ok).toBe(false);
    expect(parseIpAddress('1.2.3.4', 'ipv4')).toEqual({ ok: true, value: '1.2.3.4' });
  });

  it('never throws on any string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const r = parseIpAddress(s);
        if (r.ok) expect(parseIpAddress(r.value)).toEqual(r);
      }),
    );
  });
});

describe('parsePrefix', () => {
  it('with and without a length', () => {
    expect(parsePrefix('192.168.50.100/24')).toEqual({ ok: true, value: { address: '192.168.50.100', prefixLen: 24 } });
    expect(parsePrefix('192.168.50.100')).toEqual({ ok: true, value: { address: '192.168.50.100', prefixLen: 32 } });
    expect(parsePrefix('fd00:50::100/64')).toEqual({ ok: true, value: { address: 'fd00:50::100', prefixLen: 64 } });
    expect(parsePrefix('fe80::100')).toEqual({ ok: true, value: { address: 'fe80::100', prefixLen: 128 } });
  });
  it.each(['1.2.3.4/33', 'fe80::1/129', '1.2.3.4/', '1.2.3.4/024', '1.2.3.4/-1', '1.2.3.4/a'])('refuses %j', (t) => {
    expect(parsePrefix(t).ok).toBe(false);
  });
});

describe('bytes', () => {
  it('readIpv6 gives the same canonical text as the text parser (RFC 5952), for any 16 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), (raw, sparse) => {
        const b = sparse ? raw.map((x, i) => (i % 4 < 2 ? 0 : x)) : raw;
        const text = readIpv6(b, 0);
        expect(text).toBe(Address6.fromUnsignedByteArray(Array.from(b)).correctForm());
        expect(Array.from(addressBytes(text))).toEqual(Array.from(b));
      }),
    );
  });
  it('a single zero group is not compressed; the longest run is, the first when tied', () => {
    expect(readIpv6(Uint8Array.from([0x20, 1, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), 0)).toBe('2001:db8:0:1::1');
    expect(readIpv6(Uint8Array.from([0x20, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), 0)).toBe('2001:0:0:1::1');
    expect(readIpv6(Uint8Array.from([0x20, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]), 0)).toBe('2001::1:0:0:1:1');
  });
  it('IPv4 round trip', () => {
    const buf = new Uint8Array(6);
    writeAddress(buf, 1, ipAddress('192.168.50.100'));
    expect(Array.from(buf)).toEqual([0, 192, 168, 50, 100, 0]);
    expect(readIpv4(buf, 1)).toBe('192.168.50.100');
  });
});

describe('comparisons and classes', () => {
  it('compares numerically, not as text (the §6.4.3 tie-break)', () => {
    expect(compareAddresses(ipAddress('10.0.0.10'), ipAddress('10.0.0.9'))).toBe(1);
    expect(compareAddresses(ipAddress('10.0.0.9'), ipAddress('10.0.0.9'))).toBe(0);
    expect(compareAddresses(ipAddress('fe80::a'), ipAddress('fe80::10'))).toBe(-1);
  });
  it('link-local and multicast', () => {
    expect(isLinkLocal6(ipAddress('fe80::1'))).toBe(true);
    expect(isLinkLocal6(ipAddress('febf::1'))).toBe(true);
    expect(isLinkLocal6(ipAddress('fec0::1'))).toBe(false);
    expect(isMulticast(ipAddress('224.0.0.18'))).toBe(true);
    expect(isMulticast(ipAddress('239.255.255.255'))).toBe(true);
    expect(isMulticast(ipAddress('240.0.0.1'))).toBe(false);
    expect(isMulticast(ipAddress('ff02::12'))).toBe(true);
  });
  it('ipAddress throws on a bad literal (a programming error)', () => {
    expect(() => ipAddress('1.2.3')).toThrow(RangeError);
    expect(() => ipAddress('1.2.3.4/24')).toThrow(/prefix/);
    expect(() => ipAddress('1.2.3.4', 'ipv6')).toThrow(RangeError);
  });
});

describe('parsePrefix: the dotted-quad fast path', () => {
  /** What ip-address alone says (the parse every other form takes). */
  const reference = (text: string): string => {
    try {
      const a = new Address4(text);
      return `${a.correctForm()}/${a.subnetMask}`;
    } catch {
      return 'bad';
    }
  };
  const viaParse = (text: string): string => {
    const r = parsePrefix(text, 'ipv4');
    return r.ok ? `${r.value.address}/${r.value.prefixLen}` : 'bad';
  };
  const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '010', '255', '256', '-1', ''));
  const quadText = fc.tuple(octet, octet, octet, octet, fc.option(fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), fc.constantFrom('01', '', '033')))).map(
    ([a, b, c, d, len]) => `${a}.${b}.${c}.${d}${len === null ? '' : `/${len}`}`,
  );

  it('agrees with ip-address on every dotted quad, canonical or not, with or without a prefix length', () => {
    fc.assert(
      fc.property(quadText, (text) => {
        const ours = viaParse(text);
        // A prefix length with a leading zero ("/01") is refused before ip-address runs.
        expect(ours).toBe(/\/0[0-9]/.test(text) ? 'bad' : reference(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['10.77.1.1', '10.77.1.1/24', '0.0.0.0/0', '255.255.255.255/32'])('%s: canonical, prefix kept', (text) => {
    expect(viaParse(text)).toBe(reference(text));
  });

  it.each(['1.2.3.4/33', '1.2.3.4/', '1.2.3', '1.2.3.4.5', '256.1.1.1'])('%s: refused as before', (text) => {
    expect(viaParse(text)).toBe('bad');
  });
});
