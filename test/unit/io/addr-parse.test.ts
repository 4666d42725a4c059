/** parseAddressLine (src/io/addr-parse.ts): the lines of `ip -o addr show` and `ip -o monitor address`. */
import { describe, expect, it } from 'vitest';
import { parseAddressLine } from '../../../src/io/addr-parse.js';

describe('parseAddressLine', () => {
  it('an IPv4 primary address', () => {
    const r = parseAddressLine('3: eth0    inet 192.168.50.1/24 brd 192.168.50.255 scope global eth0\\       valid_lft forever preferred_lft forever');
    expect(r).toEqual({ ok: true, value: { index: 3, ifname: 'eth0', address: '192.168.50.1', prefixLen: 24, scope: 'global', deleted: false, secondary: false, usable: true } });
  });
  it('a deleted secondary (RTM_DELADDR), as `ip monitor` prints it', () => {
    const r = parseAddressLine('Deleted 3: d0    inet 10.9.0.100/24 scope global secondary d0\\       valid_lft forever preferred_lft forever');
    expect(r.ok && r.value).toMatchObject({ deleted: true, secondary: true, address: '10.9.0.100', ifname: 'd0' });
  });
  it('a tentative IPv6 link-local address is not usable; the same without the flag is', () => {
    const t = parseAddressLine('3: d0    inet6 fe80::b0b2:a7ff:fe97:eec4/64 scope link tentative \\       valid_lft forever preferred_lft forever');
    expect(t.ok && t.value).toMatchObject({ address: 'fe80::b0b2:a7ff:fe97:eec4', prefixLen: 64, scope: 'link', usable: false });
    const u = parseAddressLine('3: d0    inet6 fe80::b0b2:a7ff:fe97:eec4/64 scope link \\       valid_lft forever preferred_lft forever');
    expect(u.ok && u.value.usable).toBe(true);
    const d = parseAddressLine('3: d0    inet6 fd00::1/64 scope global dadfailed tentative \\ valid_lft forever');
    expect(d.ok && d.value.usable).toBe(false);
  });
  it('a point-to-point address keeps the local one and the peer prefix; a label is not a flag', () => {
    const r = parseAddressLine('7: tun0    inet 10.0.0.1 peer 10.0.0.2/32 scope global tun0:secondary\\ valid_lft forever');
    expect(r.ok && r.value).toMatchObject({ address: '10.0.0.1', prefixLen: 32, secondary: false });
  });
  it('flags after the continuation do not count', () => {
    const r = parseAddressLine('3: eth0    inet 192.168.50.1/24 scope global eth0\\       valid_lft forever tentative');
    expect(r.ok && r.value.usable).toBe(true);
  });
  it('link lines, blank lines and garbage are errors, never exceptions', () => {
    for (const line of ['', '3: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP', 'Deleted 3: d0@NONE: <BROADCAST> mtu 1500', '3: eth0    inet 999.1.1.1/24 scope global', 'x'.repeat(1000)]) {
      expect(parseAddressLine(line).ok).toBe(false);
    }
  });
});
