import { describe, expect, it } from 'vitest';
import { ipAddrArgs } from '../../../src/io/ip-addr.js';
import { parseIpAddrJson } from '../../../src/io/interface-info.js';
import { checkAddress, checkLabel, checkPrefix, checkScope, isValidIfname } from '../../../src/io/validate.js';

describe('argument validation before `ip`', () => {
  it('interface names', () => {
    for (const ok of ['eth0', 'ens3', 'veth-a.10', 'br_lan', 'a23456789012345']) expect(isValidIfname(ok), ok).toBe(true);
    for (const bad of ['', '-eth0', 'a234567890123456', 'eth 0', 'eth0;rm', '../x', 'eth/0', '.', '..', 'eth0\n']) expect(isValidIfname(bad), bad).toBe(false);
  });

  it('labels: what the kernel takes (at most 15 characters), any prefix (ip addr accepts it)', () => {
    expect(checkLabel('eth0:vip').ok).toBe(true);
    expect(checkLabel('lan:vip').ok).toBe(true);
    expect(checkLabel('eth0:a b').ok).toBe(false);
    expect(checkLabel('eth0:averylongname').ok).toBe(false);
  });

  it('scopes: names or numbers 0..255, as vrrpd check accepts them', () => {
    for (const ok of ['global', 'site', 'link', 'host', 'nowhere', '0', '200', '255']) expect(checkScope(ok).ok, ok).toBe(true);
    for (const bad of ['universe', '256', '-1', '0x20', '']) expect(checkScope(bad).ok, bad).toBe(false);
  });

  it('addresses are canonical, of either family; prefixes default to the whole address', () => {
    expect(checkAddress('192.168.50.100')).toEqual({ ok: true, value: '192.168.50.100' });
    expect(checkAddress('FD00:50::100')).toEqual({ ok: true, value: 'fd00:50::100' });
    for (const bad of ['192.168.050.1', '1.2.3', '1.2.3.4/24', '300.1.1.1', '-1.2.3.4', '1.2.3.4 ', '']) expect(checkAddress(bad).ok, bad).toBe(false);
    expect(checkPrefix('10.0.0.1')).toEqual({ ok: true, value: { address: '10.0.0.1', prefixLen: 32 } });
    expect(checkPrefix('10.0.0.1/24')).toEqual({ ok: true, value: { address: '10.0.0.1', prefixLen: 24 } });
    expect(checkPrefix('10.0.0.1/33').ok).toBe(false);
  });

  it('builds `ip addr` argument arrays', () => {
    expect(ipAddrArgs('add', { address: '192.168.50.100/24', dev: 'eth0', brd: '192.168.50.255', scope: 'global', label: 'eth0:vi' })).toEqual({
      ok: true,
      value: ['addr', 'add', '192.168.50.100/24', 'dev', 'eth0', 'broadcast', '192.168.50.255', 'scope', 'global', 'label', 'eth0:vi'],
    });
    expect(ipAddrArgs('del', { address: '192.168.50.100', dev: 'eth0', label: 'eth0:x' })).toEqual({ ok: true, value: ['addr', 'del', '192.168.50.100/32', 'dev', 'eth0'] });
    expect(ipAddrArgs('add', { address: '192.168.50.100', dev: 'eth0', scope: 'universe' }).ok).toBe(false);
    expect(ipAddrArgs('add', { address: '192.168.50.100', dev: 'eth0', scope: '200', label: 'vip1' })).toMatchObject({ ok: true, value: ['addr', 'add', '192.168.50.100/32', 'dev', 'eth0', 'scope', '200', 'label', 'vip1'] });
    expect(ipAddrArgs('add', { address: '192.168.50.100', dev: 'eth0', brd: '1.2.3' }).ok).toBe(false);
    expect(ipAddrArgs('add', { address: '192.168.50.100;reboot', dev: 'eth0' }).ok).toBe(false);
  });
});

describe('parseIpAddrJson', () => {
  const text = JSON.stringify([
    {
      ifindex: 7, ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: '02:00:5e:00:00:01',
      addr_info: [
        { family: 'inet', local: '192.168.50.1', prefixlen: 24, broadcast: '192.168.50.255', scope: 'global', label: 'eth0' },
        { family: 'inet', local: '192.168.50.100', prefixlen: 24, scope: 'global', secondary: true, label: 'eth0:vi' },
        { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: 'link' },
      ],
    },
  ]);

  it('reads index, MAC, state, addresses and the primary one', () => {
    const r = parseIpAddrJson(text, 'eth0');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ index: 7, mac: '02:00:5e:00:00:01', mtu: 1500, operstate: 'UP', running: true, primaryIpv4: '192.168.50.1' });
    expect(r.value.ipv4.map((a) => `${a.address}/${a.prefixLen}${a.secondary ? 's' : ''}`)).toEqual(['192.168.50.1/24', '192.168.50.100/24s']);
  });

  it('bad output is a value, not a throw', () => {
    expect(parseIpAddrJson('not json', 'eth0')).toMatchObject({ ok: false, error: { kind: 'bad-output' } });
    expect(parseIpAddrJson('[]', 'eth0')).toMatchObject({ ok: false, error: { kind: 'no-such-interface' } });
    expect(parseIpAddrJson('[{"ifname":"eth0"}]', 'eth0')).toMatchObject({ ok: false, error: { kind: 'bad-output' } });
  });
});
