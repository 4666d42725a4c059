/** AdvertBytes: an instance's advert bytes, emitted again only when what they encode changes. */
import { describe, expect, it } from 'vitest';
import { AdvertBytes, sameAdvert } from '../../../src/daemon/advert-bytes.js';
import { emitAdvert } from '../../../src/wire/advert.js';
import type { Advert } from '../../../src/wire/types.js';
import { advert, advertV3, ip } from '../../helpers/router-fixtures.js';

const GROUP = ip('224.0.0.18');
const ME = ip('192.168.50.2');

describe('AdvertBytes', () => {
  it('hands back the same bytes while the advert is unchanged, new bytes when a field changes', () => {
    const kept = new AdvertBytes();
    const a = advert({ priority: 100 });
    const first = kept.bytes(0, a, undefined);
    expect(first).toEqual(emitAdvert(a));
    expect(kept.bytes(0, { ...a }, undefined)).toBe(first); // an equal value, as the router builds one per advert
    const lower = kept.bytes(0, { ...a, priority: 90 }, undefined);
    expect(lower).not.toBe(first);
    expect(lower).toEqual(emitAdvert({ ...a, priority: 90 }));
  });

  it('keeps one entry per destination, and VRRPv3 bytes follow the pseudo-header', () => {
    const kept = new AdvertBytes();
    const a = advertV3({ priority: 100 });
    const peer1 = ip('192.168.50.7');
    const peer2 = ip('192.168.50.8');
    const b1 = kept.bytes(0, a, { family: 'ipv4', src: ME, dst: peer1 });
    const b2 = kept.bytes(1, a, { family: 'ipv4', src: ME, dst: peer2 });
    expect(b2).not.toBe(b1);
    expect(b2).toEqual(emitAdvert(a, { family: 'ipv4', src: ME, dst: peer2 }));
    expect(kept.bytes(0, a, { family: 'ipv4', src: ME, dst: peer1 })).toBe(b1);
    // The checksum's destination changed (keepalived's old unicast checksum): emitted again.
    const old = kept.bytes(0, a, { family: 'ipv4', src: ME, dst: GROUP });
    expect(old).toEqual(emitAdvert(a, { family: 'ipv4', src: ME, dst: GROUP }));
    // So did the source.
    const moved = kept.bytes(1, a, { family: 'ipv4', src: ip('192.168.50.3'), dst: peer2 });
    expect(moved).toEqual(emitAdvert(a, { family: 'ipv4', src: ip('192.168.50.3'), dst: peer2 }));
  });

  it('clear() forgets every entry', () => {
    const kept = new AdvertBytes();
    const a = advert({});
    const first = kept.bytes(0, a, undefined);
    kept.clear();
    expect(kept.bytes(0, a, undefined)).not.toBe(first);
  });
});

describe('sameAdvert', () => {
  const base: Advert = advert({ priority: 100 });
  it.each<[string, Partial<Advert>]>([
    ['vrid', { vrid: base.vrid + 1 }],
    ['priority', { priority: 99 }],
    ['interval', { adverIntervalCs: 200 }],
    ['addresses', { addresses: [...base.addresses, ip('192.168.50.101')] }],
    ['an address', { addresses: [ip('192.168.50.102')] }],
    ['auth type', { auth: { type: 0, data: base.auth!.data } }],
    ['auth data', { auth: { type: 1, data: new Uint8Array(8).fill(1) } }],
    ['auth presence', { auth: undefined }],
  ])('tells a different %s apart', (_what, change) => {
    expect(sameAdvert(base, { ...base, ...change })).toBe(false);
  });

  it('equal copies are the same', () => {
    expect(sameAdvert(base, { ...base, addresses: [...base.addresses], ...(base.auth ? { auth: { ...base.auth, data: base.auth.data.slice() } } : {}) })).toBe(true);
  });
});
