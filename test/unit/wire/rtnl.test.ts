/**
 * rtnetlink address requests and acknowledgements (src/wire/rtnl.ts): the layout of a request,
 * and acknowledgements as Linux 6.18 sent them (captured from a NETLINK_ROUTE socket with
 * NETLINK_CAP_ACK and NETLINK_EXT_ACK on, x86-64, so little-endian).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipAddress } from '../../../src/wire/address.js';
import { addrRequestLen, emitAddrRequest, emitAddrRequests, IFA_F_NODAD, joinPrepared, parseAcks, prepareAddrRequest, type AddrRequest } from '../../../src/wire/rtnl.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** seq 1 acknowledged (error 0, capped); seq 2 EEXIST and seq 3 EADDRNOTAVAIL with the kernel's text. */
const KERNEL_ACKS =
  '240000000200000101000000781a00000000000028000000140005060100000000000000' +
  '480000000200000302000000781a0000efffffff2800000014000506020000000000000023000100697076343a204164647265737320616c72656164792061737369676e65640000' +
  '400000000200000303000000781a00009dffffff280000001500050003000000000000001c000100697076343a2041646472657373206e6f7420666f756e6400';

describe('rtnetlink address requests', () => {
  it('RTM_NEWADDR for an IPv4 address: header, ifaddrmsg, IFA_LOCAL and IFA_ADDRESS, label NUL-terminated and padded', () => {
    const r: AddrRequest = { op: 'add', address: ipAddress('10.1.2.4'), prefixLen: 24, ifindex: 3, scope: 0, flags: 0, broadcast: ipAddress('10.1.2.255', 'ipv4'), label: 'd0:vip' };
    const buf = new Uint8Array(addrRequestLen(r));
    expect(emitAddrRequest(r, 0x01020304, buf, 0)).toBe(buf.length);
    expect(hex(buf)).toBe(
      '3c000000' + '1400' + '0506' + '04030201' + '00000000' + // len 60, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE, seq, pid 0
        '02180000' + '03000000' + // AF_INET /24 flags 0 scope 0, ifindex 3
        '080002000a010204' + '080001000a010204' + '080004000a0102ff' + '0b00030064303a76697000' + '00',
    );
  });

  it('RTM_DELADDR for an IPv6 address; IFA_F_NODAD goes in ifa_flags on an add', () => {
    const del = emitAddrRequests([{ op: 'del', address: ipAddress('2001:db8::5'), prefixLen: 64, ifindex: 3, scope: 0, flags: 0 }], 7);
    expect(hex(del)).toBe('40000000150005000700000000000000' + '0a40000003000000' + '1400020020010db8000000000000000000000005' + '1400010020010db8000000000000000000000005');
    const add = emitAddrRequests([{ op: 'add', address: ipAddress('2001:db8::5'), prefixLen: 64, ifindex: 3, scope: 0, flags: IFA_F_NODAD }], 8);
    expect(hex(add.subarray(16, 24))).toBe('0a40020003000000');
  });

  it('prepared messages joined with their interface indexes are the bytes emitAddrRequests makes, the sequence wrapping as it does', () => {
    const rs: AddrRequest[] = [
      { op: 'add', address: ipAddress('10.1.2.4'), prefixLen: 24, ifindex: 3, scope: 0, flags: 0, broadcast: ipAddress('10.1.2.255', 'ipv4'), label: 'd0:vip' },
      { op: 'del', address: ipAddress('2001:db8::5'), prefixLen: 64, ifindex: 70000, scope: 0, flags: 0 },
      { op: 'add', address: ipAddress('2001:db8::6'), prefixLen: 128, ifindex: 1, scope: 200, flags: IFA_F_NODAD, label: 'x' },
    ];
    const prepared = rs.map(({ ifindex: _i, ...r }) => prepareAddrRequest(r));
    expect(hex(prepared[0]!.subarray(8, 12)) + hex(prepared[0]!.subarray(20, 24))).toBe('0000000000000000'); // seq and index left open
    for (const first of [1, 0xfffffffe]) expect(hex(joinPrepared(prepared, rs.map((r) => r.ifindex), first))).toBe(hex(emitAddrRequests(rs, first)));
    expect(joinPrepared([], [], 5)).toEqual(new Uint8Array(0));
  });

  it('several requests back to back, numbered from the first sequence number', () => {
    const rs: AddrRequest[] = [1, 2, 3].map((i) => ({ op: 'add', address: ipAddress(`10.0.0.${i}`), prefixLen: 32, ifindex: 2, scope: 0, flags: 0 }));
    const buf = emitAddrRequests(rs, 0xfffffffe);
    const view = new DataView(buf.buffer);
    const seqs = [0, 1, 2].map((i) => view.getUint32(i * 40 + 8, true));
    expect(buf.length).toBe(120);
    expect(seqs).toEqual([0xfffffffe, 0xffffffff, 0]);
  });
});

describe('rtnetlink acknowledgements', () => {
  it('reads sequence numbers, errnos and the extended-ack text', () => {
    expect(parseAcks(bytes(KERNEL_ACKS))).toEqual([
      { seq: 1, errno: 0 },
      { seq: 2, errno: 17, message: 'ipv4: Address already assigned' },
      { seq: 3, errno: 99, message: 'ipv4: Address not found' },
    ]);
  });

  it('an uncapped acknowledgement (the request echoed) and other message types', () => {
    // NLMSG_ERROR without NLM_F_CAPPED, echoing a 40-byte request; then an NLMSG_DONE, skipped.
    const ack = '3c000000020000000900000000000000' + 'fbffffff' + '28000000140005060900000000000000' + '0'.repeat(48);
    const done = '14000000030002000a0000000000000000000000';
    expect(parseAcks(bytes(ack + done))).toEqual([{ seq: 9, errno: 5 }]);
  });

  it('stops at a truncated or malformed message and never throws on any bytes', () => {
    expect(parseAcks(bytes(KERNEL_ACKS).subarray(0, 40))).toEqual([{ seq: 1, errno: 0 }]);
    expect(parseAcks(bytes('0400000002000000'))).toEqual([]);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => Array.isArray(parseAcks(b))));
  });
});
