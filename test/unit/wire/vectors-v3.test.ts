/**
 * keepalived 2.2.7's VRRPv3 captures (vectors-v3.json): every advert over IPv4 and IPv6, unicast,
 * use_vmac and the vrrp_strict VRRPv2 capture decodes to tshark's fields and re-emits byte for
 * byte, datagram included; every gratuitous ARP is keepalived's frame. (The IPv6 captures'
 * unsolicited Neighbor Advertisements are checked by the neighbor discovery tests.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emitAdvert,
  emitGarp,
  emitIpv4,
  emitIpv6,
  formatMac,
  IPPROTO_ICMPV6,
  IPPROTO_VRRP,
  parseArpFrame,
  parseIpv4Packet,
  parseIpv6Packet,
  parseVrrpDatagram,
  type Advert,
  type AdvertIpContext,
} from '../../../src/wire/index.js';
import { LINKTYPE_ETHERNET, readPcap } from '../../helpers/pcap.js';
import { VECTOR_DIR, fromHex, loadVectorsV3, splitEthernet, toHex, type DecodedFields } from '../../helpers/vectors.js';

const vectors = loadVectorsV3();
const frames = vectors.captures.flatMap((c) =>
  c.frames.map((f, i) => ({ name: `${c.name}#${i}`, capture: c.name, frame: f, bytes: fromHex(f.ethernet_hex) })),
);

/** tshark's advert fields (all strings) against a parsed advert. */
function expectFields(d: DecodedFields, a: Advert, payload: Uint8Array): void {
  expect(d.vrrp_version).toBe(String(a.version));
  expect(d.vrrp_type).toBe('1');
  expect(d.vrid).toBe(String(a.vrid));
  expect(d.priority).toBe(String(a.priority));
  expect(d.addr_count).toBe(String(a.addresses.length));
  expect(d.vrrp_addresses).toBe(a.addresses.join(','));
  expect(d.checksum).toBe(`0x${toHex(payload.subarray(6, 8))}`);
  expect(d.checksum_status).toBe('1');
  if (a.version === 3) {
    expect(d.max_adver_int).toBe(String(a.adverIntervalCs));
    expect(d.reserved).toBe('0');
  } else {
    expect(d.adver_int).toBe(String(a.adverIntervalCs / 100));
    expect(d.auth_type).toBe(String(a.auth?.type));
  }
}

describe('keepalived 2.2.7 VRRPv3 vectors', () => {
  it('has the six captures and notes', () => {
    expect(vectors.captures.map((c) => c.name)).toEqual(['v3-ipv4', 'v3-ipv4-centi', 'v3-ipv6', 'v3-ipv4-unicast', 'v3-vmac', 'v2-strict']);
    expect(vectors.notes.length).toBeGreaterThan(10);
  });

  describe.each(vectors.captures)('$name.pcap', (capture) => {
    it('holds exactly the frames of vectors-v3.json, in order', () => {
      const pcap = readPcap(path.join(VECTOR_DIR, capture.pcap));
      expect(pcap.linkType).toBe(LINKTYPE_ETHERNET);
      expect(pcap.records.map((r) => toHex(r.data))).toEqual(capture.frames.map((f) => f.ethernet_hex));
    });
  });

  describe.each(frames)('frame $name', ({ capture, frame, bytes }) => {
    const eth = splitEthernet(bytes);
    const d = frame.decoded;

    it('Ethernet addresses match tshark', () => {
      expect(formatMac(eth.dst)).toBe(d.eth_dst);
      expect(formatMac(eth.src)).toBe(d.eth_src);
    });

    if (eth.ethertype === 0x0806) {
      it('ARP: keepalived\'s gratuitous ARP, from the (virtual) MAC tshark saw, rebuilt byte for byte', () => {
        const arp = parseArpFrame(bytes);
        if (!arp.ok) throw new Error(arp.error.detail);
        expect(arp.value.senderIp).toBe(d.arp_sender_ip);
        expect(arp.value.senderMac).toBe(d.arp_sender_mac);
        expect(toHex(emitGarp(arp.value.senderMac, arp.value.senderIp))).toBe(frame.ethernet_hex);
        if (capture === 'v3-vmac') expect(arp.value.senderMac).toBe('00:00:5e:00:01:fb'); // RFC 5798 §7.3
      });
      return;
    }

    if (eth.ethertype === 0x0800) {
      it('IPv4 advert: fields match tshark; advert and datagram re-emit byte for byte', () => {
        const ip = parseIpv4Packet(eth.payload);
        if (!ip.ok) throw new Error(ip.error.detail);
        const { header, payload } = ip.value;
        expect(header.src).toBe(d.ip_src);
        expect(header.dst).toBe(d.ip_dst);
        expect(String(header.ttl)).toBe(d.ip_ttl);
        expect(header.protocol).toBe(IPPROTO_VRRP);
        expect(`0x${header.tos.toString(16)}`).toBe(d.ip_dsfield);
        const got = parseVrrpDatagram({ family: 'ipv4', bytes: eth.payload });
        if (!got.ok) throw new Error(got.error.detail);
        const a = got.value.advert;
        expectFields(d, a, payload);
        const ctx: AdvertIpContext = { family: 'ipv4', src: header.src, dst: header.dst };
        expect(toHex(emitAdvert(a, ctx))).toBe(toHex(payload));
        const rebuilt = emitIpv4({ src: header.src, dst: header.dst, tos: header.tos, ttl: header.ttl, id: header.id }, emitAdvert(a, ctx));
        expect(toHex(rebuilt)).toBe(toHex(eth.payload));
        if (capture === 'v2-strict') {
          // vrrp_strict drops the configured PASS authentication: auth type 0, 8 zero bytes.
          expect(a.auth).toEqual({ type: 0, data: new Uint8Array(8) });
        }
        if (capture === 'v3-ipv4-centi') expect(a.adverIntervalCs).toBe(10);
      });
      return;
    }

    expect(eth.ethertype).toBe(0x86dd);
    const ip6 = parseIpv6Packet(eth.payload);
    if (!ip6.ok) throw new Error(ip6.error.detail);
    const { header, payload } = ip6.value;

    it('IPv6 header fields match tshark and the packet re-emits byte for byte', () => {
      expect(header.src).toBe(d.ipv6_src);
      expect(header.dst).toBe(d.ipv6_dst);
      expect(String(header.hopLimit)).toBe(d.ipv6_hlim);
      expect(String(header.nextHeader)).toBe(d.ipv6_nxt);
      expect(header.trafficClass).toBe(Number(d.ipv6_tclass));
      expect(header.flowLabel).toBe(Number(d.ipv6_flow));
      const rebuilt = emitIpv6({ ...header }, payload);
      expect(toHex(rebuilt)).toBe(toHex(eth.payload));
    });

    if (header.nextHeader === IPPROTO_VRRP) {
      it('IPv6 advert: from the link-local address to ff02::12, fields match tshark, re-emits byte for byte', () => {
        expect(header.src).toBe('fe80::50:ff:fe00:1');
        expect(header.dst).toBe('ff02::12');
        const got = parseVrrpDatagram({ family: 'ipv6', payload, src: header.src, dst: header.dst, hopLimit: header.hopLimit });
        if (!got.ok) throw new Error(got.error.detail);
        expectFields(d, got.value.advert, payload);
        expect(got.value.advert.addresses).toEqual(['fe80::100', 'fd00:50::100']);
        expect(toHex(emitAdvert(got.value.advert, { family: 'ipv6', src: header.src, dst: header.dst }))).toBe(toHex(payload));
      });
    } else {
      it('the other IPv6 frames are keepalived\'s unsolicited Neighbor Advertisements', () => {
        expect(header.nextHeader).toBe(IPPROTO_ICMPV6);
        expect(d.icmpv6_type).toBe('136');
      });
    }
  });
});
