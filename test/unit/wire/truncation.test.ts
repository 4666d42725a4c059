/**
 * Datagrams are not streams, so pg-protocol's "split at every boundary" becomes "cut at every
 * length": every prefix of every vector must give a documented error, never a throw or a value.
 */
import { describe, expect, it } from 'vitest';
import { decodeAdvert, emitIpv4, parseAdvert, parseAh, parseArpFrame, parseIpv4Packet, parseVrrpDatagram, peekAdvert } from '../../../src/wire/index.js';
import { fromHex, loadVectors, splitEthernet } from '../../helpers/vectors.js';

const frames = loadVectors().captures.flatMap((c) =>
  c.frames.map((f, i) => ({ name: `${c.name}#${i}`, bytes: fromHex(f.ethernet_hex) })),
);
const arpFrames = frames.filter((f) => splitEthernet(f.bytes).ethertype === 0x0806);
const ipFrames = frames.filter((f) => splitEthernet(f.bytes).ethertype === 0x0800);

describe('every truncation of every vector', () => {
  it('covers both kinds of frame', () => {
    expect(arpFrames.length).toBe(30);
    expect(ipFrames.length).toBe(15);
  });

  it.each(arpFrames.map((f) => [f.name, f.bytes] as const))('ARP %s: every prefix is truncated', (_n, bytes) => {
    for (let n = 0; n < bytes.length; n++) {
      const r = parseArpFrame(bytes.subarray(0, n));
      expect(r.ok ? 'ok' : r.error.kind, `length ${n}`).toBe('truncated');
    }
  });

  it.each(ipFrames.map((f) => [f.name, splitEthernet(f.bytes).payload] as const))('IPv4 %s: every prefix is truncated', (_n, dgram) => {
    for (let n = 0; n < dgram.length; n++) {
      const ip = parseIpv4Packet(dgram.subarray(0, n));
      expect(ip.ok ? 'ok' : ip.error.kind, `length ${n}`).toBe('truncated');
      const full = parseVrrpDatagram({ family: 'ipv4', bytes: dgram.subarray(0, n) });
      expect(full.ok ? 'ok' : `${full.error.layer}/${full.error.kind}`, `length ${n}`).toBe('ipv4/truncated');
    }
  });

  it.each(ipFrames.map((f) => [f.name, splitEthernet(f.bytes).payload] as const))(
    'IP payload %s: every prefix, even under a consistent IP header, is a documented error',
    (_n, dgram) => {
      const ip = parseIpv4Packet(dgram);
      if (!ip.ok) throw new Error(ip.error.detail);
      const { header, payload } = ip.value;
      const ctx = { family: 'ipv4' as const, src: header.src, dst: header.dst };
      const isAh = header.protocol === 51;
      for (let n = 0; n < payload.length; n++) {
        const cut = payload.subarray(0, n);
        // The VRRP payload alone (under AH: after a complete AH header).
        const ah = isAh ? parseAh(cut) : undefined;
        if (ah !== undefined && !ah.ok) {
          expect(ah.error.kind, `AH length ${n}`).toBe('truncated');
          continue;
        }
        const vrrp = ah?.ok ? ah.value.payload : cut;
        // Shorter than 8: truncated; longer, the checksum (checked before the length) may fail
        // first; the form check alone (decodeAdvert, run after the checksum) says truncated.
        const adv = parseAdvert(vrrp, ctx);
        expect(adv.ok ? 'ok' : adv.error.kind, `length ${n}`).toMatch(vrrp.length < 8 ? /^truncated$/ : /^(truncated|bad-checksum)$/);
        const head = peekAdvert(vrrp);
        if (head.ok) {
          const form = decodeAdvert(vrrp, head.value, 2, 'ipv4');
          expect(form.ok ? 'ok' : form.error.kind, `form, length ${n}`).toBe('truncated');
        }
        // Re-wrapped in an IP header whose total length agrees with the cut.
        const rewrapped = emitIpv4({ src: header.src, dst: header.dst, protocol: header.protocol, id: header.id }, cut);
        const r = parseVrrpDatagram({ family: 'ipv4', bytes: rewrapped });
        expect(r.ok ? 'ok' : `${r.error.layer}/${r.error.kind}`, `length ${n}`).toMatch(/^(vrrp|ah)\/(truncated|bad-checksum)$/);
      }
    },
  );
});
