/**
 * sourceAddress (src/daemon/build.ts) for IPv4: the interface's primary address (RFC 3768 §5.2.1),
 * an address of our own before a VIP (a VIP is a primary too when promote_secondaries promoted it,
 * or when it is of a subnet of its own), the VIP itself only for an owner, none: FAULT.
 */
import { describe, expect, it } from 'vitest';
import { load } from '../config/helpers.js';
import { sourceAddress } from '../../../src/daemon/build.js';
import { parseIpAddrJson, type InterfaceInfo } from '../../../src/io/interface-info.js';

function info(addrInfo: object[]): InterfaceInfo {
  const json = JSON.stringify([{ ifindex: 3, ifname: 'eth0', flags: ['UP', 'LOWER_UP'], mtu: 1500, operstate: 'UP', address: '02:50:00:00:00:01', addr_info: addrInfo }]);
  const r = parseIpAddrJson(json, 'eth0');
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}
const v4 = (local: string, secondary = false) => ({ family: 'inet', local, prefixlen: 24, scope: 'global', ...(secondary ? { secondary: true } : {}) });
const inst = load(`vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.168.50.100/24\n  }\n}\n`).config!.instances[0]!;
const VIRTUAL = new Set(['192.168.50.100']);

describe('the IPv4 source address', () => {
  it('the primary address', () => {
    expect(sourceAddress(inst, info([v4('192.168.50.1'), v4('192.168.50.100', true)]), VIRTUAL)).toEqual({ ok: true, value: '192.168.50.1' });
  });
  it('the primary deleted with promote_secondaries: the VIP promoted first is not taken, our .11 is', () => {
    expect(sourceAddress(inst, info([v4('192.168.50.100'), v4('192.168.50.11', true)]), VIRTUAL)).toEqual({ ok: true, value: '192.168.50.11' });
  });
  it('only the VIP left: none (we would advertise from the address we float); an address owner: the VIP', () => {
    expect(sourceAddress(inst, info([v4('192.168.50.100')]), VIRTUAL)).toMatchObject({ ok: false });
    const owner = { ...inst, priority: 255 };
    expect(sourceAddress(owner, info([v4('192.168.50.100')]), VIRTUAL)).toEqual({ ok: true, value: '192.168.50.100' });
  });
  it('no IPv4 address: none, saying why', () => {
    expect(sourceAddress(inst, info([]), VIRTUAL)).toEqual({ ok: false, error: 'interface eth0 has no IPv4 address' });
  });
});
