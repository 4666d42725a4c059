/**
 * keepalived 2.2.7 captures, frame by frame: decode Ethernet -> IPv4 -> VRRP (or AH -> VRRP,
 * or ARP), compare with every field tshark decoded, re-emit and compare bytes exactly.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADVERT_FIELD,
  IPPROTO_AH,
  IPPROTO_VRRP,
  authDataFromPassword,
  checksumVerifies,
  emitAdvert,
  emitGarp,
  emitIpv4,
  emitRawAdvert,
  formatMac,
  parseAdvert,
  parseAh,
  parseArpFrame,
  parseIpv4Packet,
  parseVrrpDatagram,
  readIpv4,
} from '../../../src/wire/index.js';
import { readPcap, LINKTYPE_ETHERNET } from '../../helpers/pcap.js';
import { VECTOR_DIR, fromHex, loadVectors, splitEthernet, toHex, type Capture, type DecodedFields } from '../../helpers/vectors.js';

const vectors = loadVectors();
const frameCases = vectors.captures.flatMap((c) =>
  c.frames.map((f, i) => ({ name: `${c.name}#${i}`, capture: c, frame: f, bytes: fromHex(f.ethernet_hex) })),
);

/** The auth_pass from a capture's keepalived.conf, if any. */
function configPassword(c: Capture): string | undefined {
  return /auth_pass\s+(\S+)/.exec(c.config)?.[1];
}

interface V2Fields {
  readonly vrid: number;
  readonly priority: number;
  readonly authType: number;
  /** The Adver Int byte (seconds). */
  readonly adverInt: number;
  readonly addresses: readonly string[];
}

/** Compare the advert fields tshark decoded (all strings) with a parsed or raw-read value. */
function expectAdvertFields(d: DecodedFields, a: V2Fields, checksum: number): void {
  expect(d.vrrp_version).toBe('2');
  expect(d.vrrp_type).toBe('1');
  expect(String(a.vrid)).toBe(d.vrid);
  expect(String(a.priority)).toBe(d.priority);
  expect(String(a.addresses.length)).toBe(d.addr_count);
  expect(String(a.authType)).toBe(d.auth_type);
  expect(String(a.adverInt)).toBe(d.adver_int);
  expect(`0x${checksum.toString(16).padStart(4, '0')}`).toBe(d.checksum);
  expect(d.checksum_status).toBe('1'); // tshark: good
  expect(a.addresses.join(',')).toBe(d.vrrp_addresses);
}

describe('keepalived 2.2.7 vectors', () => {
  it('has the four expected captures', () => {
    expect(vectors.captures.map((c) => c.name)).toEqual(['pass1', 'noauth3', 'longpass', 'ah']);
    expect(frameCases.length).toBe(9 + 18 + 9 + 9);
  });

  describe.each(vectors.captures)('$name.pcap', (capture) => {
    it('holds exactly the frames of vectors.json, in order, with their times', () => {
      const pcap = readPcap(path.join(VECTOR_DIR, capture.pcap));
      expect(pcap.linkType).toBe(LINKTYPE_ETHERNET);
      expect(pcap.records.map((r) => toHex(r.data))).toEqual(capture.frames.map((f) => f.ethernet_hex));
      const t0 = pcap.records[0]?.time ?? 0;
      pcap.records.forEach((r, i) => {
        expect(r.origLen).toBe(r.data.length);
        expect(r.time - t0).toBeCloseTo(capture.frames[i]?.t ?? -1, 5);
      });
    });

    it('sends IPv4 headers keepalived-style: TOS 0xc0, TTL 255, DF clear, id 1, 2, 3...', () => {
      const ipFrames = capture.frames.filter((f) => f.ethernet_hex.slice(24, 28) === '0800');
      expect(ipFrames.length).toBeGreaterThanOrEqual(3);
      ipFrames.forEach((f, i) => {
        const ip = parseIpv4Packet(splitEthernet(fromHex(f.ethernet_hex)).payload);
        if (!ip.ok) throw new Error(ip.error.detail);
        expect(ip.value.header).toMatchObject({ tos: 0xc0, ttl: 255, flags: 0, fragmentOffset: 0, id: i + 1, headerLen: 20 });
      });
    });
  });

  describe.each(frameCases)('frame $name', ({ capture, frame, bytes }) => {
    const eth = splitEthernet(bytes);
    const d = frame.decoded;

    it('Ethernet destination matches tshark', () => {
      expect(formatMac(eth.dst)).toBe(d.eth_dst);
    });

    if (eth.ethertype === 0x0806) {
      it('ARP: every field matches tshark and emitGarp rebuilds the frame byte for byte', () => {
        const arp = parseArpFrame(bytes);
        if (!arp.ok) throw new Error(arp.error.detail);
        expect(String(arp.value.opcode)).toBe(d.arp_opcode);
        expect(arp.value.senderMac).toBe(d.arp_sender_mac);
        expect(arp.value.senderIp).toBe(d.arp_sender_ip);
        expect(arp.value.targetIp).toBe(d.arp_target_ip);
        expect(arp.value.ethDst).toBe(d.eth_dst);
        expect(arp.value.ethSrc).toBe(d.arp_sender_mac);
        expect(arp.value.targetMac).toBe('ff:ff:ff:ff:ff:ff');
        expect(toHex(emitGarp(arp.value.senderMac, arp.value.senderIp))).toBe(frame.ethernet_hex);
      });
      return;
    }

    expect(eth.ethertype).toBe(0x0800);
    const ip = parseIpv4Packet(eth.payload);
    if (!ip.ok) throw new Error(`IPv4 did not parse: ${ip.error.detail}`);
    const { header, payload } = ip.value;
    const ctx = { family: 'ipv4' as const, src: header.src, dst: header.dst };

    it('IPv4: fields match tshark and emitIpv4 rebuilds the datagram byte for byte', () => {
      expect(header.src).toBe(d.ip_src);
      expect(header.dst).toBe(d.ip_dst);
      expect(String(header.ttl)).toBe(d.ip_ttl);
      expect(String(header.protocol)).toBe(d.ip_proto);
      expect(header.totalLength).toBe(eth.payload.length);
      expect(checksumVerifies(eth.payload, 0, header.headerLen)).toBe(true);
      const rebuilt = emitIpv4(
        { src: header.src, dst: header.dst, protocol: header.protocol, ttl: header.ttl, tos: header.tos, id: header.id, flags: header.flags },
        payload,
      );
      expect(toHex(rebuilt)).toBe(toHex(eth.payload));
    });

    if (header.protocol === IPPROTO_VRRP) {
      it('VRRP: every field matches tshark and emitAdvert rebuilds the payload byte for byte', () => {
        const advert = parseAdvert(payload, ctx);
        if (!advert.ok) throw new Error(advert.error.detail);
        const a = advert.value;
        const auth = a.auth ?? { type: -1, data: new Uint8Array(0) };
        expectAdvertFields(d, { ...a, authType: auth.type, adverInt: a.adverIntervalCs / 100 }, ((payload[6] ?? 0) << 8) | (payload[7] ?? 0));
        if (auth.type === 1) {
          expect(new TextDecoder().decode(auth.data).replace(/\0+$/, '')).toBe(d.auth_string);
        } else {
          expect(d.auth_string).toBeUndefined();
          expect(Array.from(auth.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
        }
        expect(toHex(auth.data)).toBe(toHex(authDataFromPassword(configPassword(capture))));
        expect(toHex(emitAdvert(a))).toBe(toHex(payload));
        const dgram = parseVrrpDatagram({ family: 'ipv4', bytes: eth.payload });
        expect(dgram.ok && dgram.value.advert).toEqual(a);
      });
    }

    if (header.protocol === IPPROTO_AH) {
      it('AH: the wrapped advert (auth type 2) is recognised, matches tshark and is refused', () => {
        const ah = parseAh(payload);
        if (!ah.ok) throw new Error(ah.error.detail);
        expect(ah.value.nextHeader).toBe(IPPROTO_VRRP);
        expect(ah.value.icv.length).toBe(12); // HMAC-96
        const inner = ah.value.payload;
        expect(checksumVerifies(inner)).toBe(true);
        const count = inner[ADVERT_FIELD.COUNT] ?? 0;
        const raw = {
          vrid: inner[ADVERT_FIELD.VRID] ?? -1,
          priority: inner[ADVERT_FIELD.PRIORITY] ?? -1,
          authType: inner[ADVERT_FIELD.AUTH_TYPE] ?? -1,
          adverInt: inner[ADVERT_FIELD.ADVER_INT] ?? -1,
          addresses: Array.from({ length: count }, (_, i) => readIpv4(inner, 8 + 4 * i)),
          authData: inner.slice(8 + 4 * count),
        };
        expectAdvertFields(d, raw, ((inner[6] ?? 0) << 8) | (inner[7] ?? 0));
        expect(toHex(emitRawAdvert(raw))).toBe(toHex(inner));
        const advert = parseAdvert(inner, ctx);
        expect(advert.ok).toBe(false);
        if (!advert.ok) expect(advert.error.kind).toBe('unsupported-auth');
        const dgram = parseVrrpDatagram({ family: 'ipv4', bytes: eth.payload });
        expect(dgram.ok).toBe(false);
        if (!dgram.ok) {
          expect(dgram.error).toMatchObject({ layer: 'vrrp', kind: 'unsupported-auth' });
          expect(dgram.error.detail).toMatch(/Authentication Header/);
        }
      });
    }
  });
});
