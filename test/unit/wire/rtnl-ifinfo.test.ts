/**
 * wire/rtnl-ifinfo.ts on real kernel messages (the link monitor's capture, test/fixtures/rtnl:
 * a notification carries the sequence number of the request that caused it, or 0) and io/interface-info.ts's mapping of them onto the
 * fields of `ip -j addr show`, which the same code then reads as it reads ip's JSON.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipJsonOf, parseIpAddrJson } from '../../../src/io/interface-info.js';
import { emitGetLinkRequest, parseIfinfoMessages } from '../../../src/wire/rtnl-ifinfo.js';

const capture = JSON.parse(readFileSync(new URL('../../fixtures/rtnl/monitor-capture.json', import.meta.url), 'utf8')) as { steps: { command: string; bytes: string }[] };
const step = (command: string): Uint8Array => new Uint8Array(Buffer.from(capture.steps.find((s) => s.command === command)!.bytes, 'hex'));
/** A notification carries the sequence number of the request that caused it (ip's): the first message's. */
const seqOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(8, true);
/** Every address message of the capture, each read with its own sequence number. */
const allAddrs = capture.steps.flatMap((s) => {
  const b = new Uint8Array(Buffer.from(s.bytes, 'hex'));
  const out = [];
  for (let at = 0; at < b.length; at += (new DataView(b.buffer, b.byteOffset + at).getUint32(0, true) + 3) & ~3) {
    const len = new DataView(b.buffer, b.byteOffset + at).getUint32(0, true);
    out.push(...parseIfinfoMessages(b.subarray(at, at + len), seqOf(b.subarray(at))).addrs);
  }
  return out;
});

describe('rtnetlink interface messages', () => {
  it('reads a link: index, name, flags, MTU, operstate, MAC', () => {
    const r = parseIfinfoMessages(step('ip link set nl0 up'), seqOf(step('ip link set nl0 up')));
    const nl0 = r.links.filter((l) => l.ifname === 'nl0').at(-1)!;
    expect(nl0).toMatchObject({ mtu: 1500 });
    expect(nl0.index).toBeGreaterThan(0);
    expect(nl0.flags & 1).toBe(1); // IFF_UP
    expect(nl0.lladdr).toHaveLength(6);
    expect(r.dropped).toBe(0);
  });

  it('reads addresses: the local one of a peer address, label, broadcast, secondary; IPv6 flags', () => {
    const all = allAddrs;
    expect(all.map((a) => a.address)).toContain('10.9.1.1');
    expect(all.map((a) => a.address)).not.toContain('10.9.1.2');
    const second = all.find((a) => a.address === '10.9.0.2')!;
    expect(second).toMatchObject({ address: '10.9.0.2', prefixLen: 24, label: 'nl0', scope: 0 });
    expect(second.flags & 0x01).toBe(1); // IFA_F_SECONDARY: 10.9.0.1/24 was there first
    const six = all.find((a) => a.address === 'fd00::1')!;
    expect(six).toMatchObject({ prefixLen: 64, label: undefined, broadcast: undefined });
  });

  it('skips other sequence numbers, and reads the end of a dump and a refusal', () => {
    expect(parseIfinfoMessages(step('ip link set nl0 up'), seqOf(step('ip link set nl0 up')) + 1).links).toEqual([]);
    const done = new Uint8Array(20);
    const v = new DataView(done.buffer);
    v.setUint32(0, 20, true);
    v.setUint16(4, 3, true); // NLMSG_DONE
    v.setUint32(8, 9, true);
    expect(parseIfinfoMessages(done, 9)).toMatchObject({ done: true, errno: 0 });
    v.setUint16(4, 2, true); // NLMSG_ERROR
    v.setInt32(16, -19, true); // ENODEV
    expect(parseIfinfoMessages(done, 9)).toMatchObject({ done: false, errno: 19 });
  });

  it('an RTM_GETLINK by name: header, zeroed ifinfomsg, IFLA_IFNAME with its NUL', () => {
    const m = emitGetLinkRequest('eth0', 5);
    expect(Buffer.from(m).toString('hex')).toBe('2c00000012000100050000000000000000000000000000000000000000000000090003006574683000000000');
  });

  it('never throws on any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (b, seq) => void parseIfinfoMessages(b, seq)));
  });
});

describe('the netlink path gives what ip -j gives', () => {
  it('maps link and addresses onto the InterfaceInfo of the equivalent ip JSON', () => {
    const link = { index: 3, ifname: 'eth0', flags: 0x1 | 0x2 | 0x1000 | 0x10000 | 0x40, mtu: 1500, operstate: 6, lladdr: new Uint8Array([2, 0, 0x5e, 0, 1, 0xab]) };
    const addrs = [
      { index: 3, address: '192.168.50.1', prefixLen: 24, scope: 0, flags: 0x80, broadcast: '192.168.50.255', label: 'eth0' },
      { index: 3, address: '192.168.50.9', prefixLen: 24, scope: 0, flags: 0x81, broadcast: '192.168.50.255', label: 'eth0:v' },
      { index: 3, address: 'fe80::1', prefixLen: 64, scope: 253, flags: 0x40, broadcast: undefined, label: undefined },
      { index: 3, address: 'fe80::2', prefixLen: 64, scope: 253, flags: 0x80, broadcast: undefined, label: undefined },
      { index: 3, address: 'fd00::1', prefixLen: 64, scope: 0, flags: 0x08, broadcast: undefined, label: undefined },
    ] as unknown as Parameters<typeof ipJsonOf>[1];
    const json = `[{"ifindex":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","link_type":"ether","address":"02:00:5e:00:01:ab","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[
      {"family":"inet","local":"192.168.50.1","prefixlen":24,"broadcast":"192.168.50.255","scope":"global","label":"eth0","valid_life_time":4294967295,"preferred_life_time":4294967295},
      {"family":"inet","local":"192.168.50.9","prefixlen":24,"broadcast":"192.168.50.255","scope":"global","secondary":true,"label":"eth0:v","valid_life_time":4294967295,"preferred_life_time":4294967295},
      {"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295},
      {"family":"inet6","local":"fe80::2","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295},
      {"family":"inet6","local":"fd00::1","prefixlen":64,"scope":"global","dadfailed":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
    const fromIp = parseIpAddrJson(json, 'eth0');
    const fromNetlink = parseIpAddrJson(JSON.stringify([ipJsonOf(link, addrs)]), 'eth0');
    expect(fromNetlink).toEqual(fromIp);
    expect(fromNetlink).toMatchObject({ ok: true, value: { mac: '02:00:5e:00:01:ab', running: true, operstate: 'UP', primaryIpv4: '192.168.50.1', linkLocal6: 'fe80::2' } });
  });

  it('a link without IFLA_OPERSTATE or a link-layer address, a 4-byte (IPv4 tunnel) one and a 16-byte (IPv6 tunnel) one', () => {
    const bare = ipJsonOf({ index: 9, ifname: 'tun0', flags: 0x1, mtu: undefined, operstate: undefined, lladdr: undefined }, []);
    expect(parseIpAddrJson(JSON.stringify([bare]), 'tun0')).toMatchObject({ ok: true, value: { mac: '00:00:00:00:00:00', mtu: 0, operstate: 'UNKNOWN', running: false } });
    expect(ipJsonOf({ index: 9, ifname: 'ipip0', flags: 0, mtu: 1480, operstate: 2, lladdr: new Uint8Array([10, 0, 0, 1]) }, [])).toMatchObject({ address: '10.0.0.1', operstate: 'DOWN' });
    const v6 = new Uint8Array(16);
    v6.set([0xfd, 0x00], 0);
    v6[15] = 1;
    expect(ipJsonOf({ index: 10, ifname: 'ip6tnl1', flags: 0, mtu: 1452, operstate: 2, lladdr: v6 }, [])).toMatchObject({ address: 'fd00::1' }); // ip: link/tunnel6 fd00::1
    expect(ipJsonOf({ index: 11, ifname: 'ip6tnl0', flags: 0, mtu: 1452, operstate: 2, lladdr: new Uint8Array(16) }, [])).toMatchObject({ address: '::' });
  });
});
