/**
 * Datagrams for the receive-path fuzzer: seeds (keepalived 2.2.7's captured frames, v2 and v3,
 * IPv4 and IPv6; the lab injector's single-fault adverts; adverts our own instances emit) and
 * mutations of them (bit flips, interesting values in the VRRP and IP fields, cuts, growth,
 * splices), half of them with the VRRP checksum made right again so they reach the later checks.
 */
import { craftInvalid, INVALID_KINDS, type TargetProfile } from '../../src/lab/injector.js';
import { advertChecksum } from '../../src/wire/advert.js';
import { ipAddress, readIpv4, readIpv6, type IpAddress } from '../../src/wire/address.js';
import type { RawDatagram } from '../../src/wire/datagram.js';
import { emitIpv4 } from '../../src/wire/ipv4.js';
import { fromHex, loadVectors, loadVectorsV3, splitEthernet } from '../helpers/vectors.js';
import { OUR_IP, type World } from './rx-harness.js';
import type { Prng } from './prng.js';

/** A datagram and the interface it is fed to. */
export interface FuzzInput {
  readonly world: World;
  readonly raw: RawDatagram;
}

const WORLDS: readonly World[] = ['v2', 'v3', 'v3-unicast'];
const INTERESTING = [0, 1, 2, 3, 0x0f, 0x10, 0x11, 0x20, 0x21, 0x31, 0x7f, 0x80, 0xfe, 0xff, 51, 112, 251, 255];
const SOURCES = ['192.168.50.1', '192.168.50.3', OUR_IP, '0.0.0.0', '255.255.255.255', '224.0.0.18'].map((a) => ipAddress(a, 'ipv4'));
const V6_SOURCES = ['fe80::50:ff:fe00:1', 'fe80::1', '::', 'ff02::12'].map((a) => ipAddress(a, 'ipv6'));

/** The world a seed most belongs to: VRRPv2 adverts to v2, unicast ones to v3-unicast. */
function worldOf(raw: RawDatagram): World {
  if (raw.family === 'ipv6') return 'v3';
  const ihl = ((raw.bytes[0] ?? 0) & 0x0f) * 4;
  const version = (raw.bytes[ihl] ?? 0) >> 4;
  if (version === 2) return 'v2';
  return (raw.bytes[16] ?? 0) >= 224 ? 'v3' : 'v3-unicast';
}

function fromFrame(frame: Uint8Array): RawDatagram | undefined {
  const { ethertype, payload } = splitEthernet(frame);
  if (ethertype === 0x0800 && (payload[9] === 112 || payload[9] === 51)) return { family: 'ipv4', bytes: Uint8Array.from(payload) };
  if (ethertype === 0x86dd && payload[6] === 112 && payload.length >= 40) {
    return { family: 'ipv6', payload: Uint8Array.from(payload.subarray(40)), src: readIpv6(payload, 8), dst: readIpv6(payload, 24), hopLimit: payload[7] ?? 0 };
  }
  return undefined;
}

/** keepalived's frames and the injector's single-fault adverts (v2 and v3 targets). */
export function seedInputs(): FuzzInput[] {
  const frames = [...loadVectors().captures, ...loadVectorsV3().captures].flatMap((c) => c.frames.map((f) => fromHex(f.ethernet_hex)));
  const captured = frames.flatMap((f) => fromFrame(f) ?? []);
  const crafted = ([2, 3] as const).flatMap((version) => {
    const t: TargetProfile = { src: ipAddress('192.168.50.1', 'ipv4'), vrid: 251, version, adverIntervalCs: 100, addresses: [ipAddress('192.168.50.100', 'ipv4')], ...(version === 2 ? { password: '11111111' } : {}) };
    const kinds = INVALID_KINDS.filter((k) => version === 2 || !['auth-type-mismatch', 'auth-type-ah', 'auth-data-mismatch'].includes(k));
    return kinds.map((k): RawDatagram => ({ family: 'ipv4', bytes: craftInvalid(k, t) }));
  });
  return [...captured, ...crafted].map((raw) => ({ world: worldOf(raw), raw }));
}

/** An advert one of our instances sent, as another router would receive it (from a neighbour's address). */
export function emittedInput(payload: Uint8Array, dst: IpAddress, world: World): FuzzInput {
  const src = ipAddress('192.168.50.3', 'ipv4');
  const bytes = Uint8Array.from(payload);
  if (dst.includes('.')) {
    fixChecksum(bytes, src, dst);
    return { world, raw: { family: 'ipv4', bytes: emitIpv4({ src, dst: dst as never, ttl: 255 }, bytes) } };
  }
  return { world, raw: { family: 'ipv6', payload: bytes, src: ipAddress('fe80::3', 'ipv6'), dst, hopLimit: 255 } };
}

/** Makes the VRRP checksum of `vrrp` right for its own version (v3: over the pseudo-header). */
function fixChecksum(vrrp: Uint8Array, src: IpAddress, dst: IpAddress): void {
  if (vrrp.length < 8) return;
  const v3 = vrrp[0]! >> 4 === 3;
  const family = src.includes(':') ? 'ipv6' : 'ipv4';
  const sum = advertChecksum(vrrp, v3 ? 3 : 2, { family, src, dst } as never);
  vrrp[6] = sum >>> 8;
  vrrp[7] = sum & 0xff;
}

/** One byte-level change. */
function mutateBytes(rng: Prng, b: Uint8Array, other: Uint8Array): Uint8Array {
  switch (rng.int(8)) {
    case 0: {
      if (b.length === 0) return b;
      const i = rng.int(b.length);
      b[i] = b[i]! ^ (1 << rng.int(8));
      return b;
    }
    case 1:
      if (b.length > 0) b[rng.int(b.length)] = rng.pick(INTERESTING);
      return b;
    case 2:
      return b.slice(0, rng.int(b.length + 1));
    case 3:
      return concat(b, rng.bytes(1 + rng.int(rng.chance(0.1) ? 1500 : 24)));
    case 4: {
      const at = rng.int(b.length + 1);
      return concat(concat(b.slice(0, at), rng.bytes(1 + rng.int(4))), b.slice(at));
    }
    case 5: {
      const at = rng.int(b.length + 1);
      return concat(b.slice(0, at), b.slice(at + 1 + rng.int(4)));
    }
    case 6: {
      const at = rng.int(b.length + 1);
      return concat(b.slice(0, at), other.slice(rng.int(other.length + 1)));
    }
    default:
      if (b.length > 0) b[rng.int(b.length)] = rng.int(256);
      return b;
  }
}

/** A change to a named field of the IPv4 header or of the VRRP header behind it. */
function mutateField(rng: Prng, b: Uint8Array): void {
  const ihl = ((b[0] ?? 0) & 0x0f) * 4;
  const fields = [0, 1, 2, 3, 8, 9, 12, 15, 16, 19, ihl, ihl + 1, ihl + 2, ihl + 3, ihl + 4, ihl + 5, ihl + 8, ihl + 12, ihl + 15];
  const at = rng.pick(fields);
  if (at < b.length) b[at] = rng.chance(0.5) ? rng.pick(INTERESTING) : rng.int(256);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A mutated (or, sometimes, wholly random) datagram from the corpus. */
export function mutate(rng: Prng, corpus: readonly FuzzInput[]): FuzzInput {
  const world = rng.chance(0.8) ? undefined : rng.pick(WORLDS);
  if (rng.chance(0.05)) return { world: world ?? rng.pick(WORLDS), raw: { family: 'ipv4', bytes: rng.bytes(rng.int(96)) } };
  const seed = rng.pick(corpus);
  const other = rng.pick(corpus).raw;
  const otherBytes = other.family === 'ipv4' ? other.bytes : other.payload;
  const target = world ?? seed.world;
  if (seed.raw.family === 'ipv6') {
    let payload: Uint8Array = Uint8Array.from(seed.raw.payload);
    for (let n = 1 + rng.int(4); n > 0; n--) payload = mutateBytes(rng, payload, otherBytes);
    const src = rng.chance(0.2) ? rng.pick(V6_SOURCES) : seed.raw.src;
    if (rng.chance(0.5)) fixChecksum(payload, src, seed.raw.dst);
    const hopLimit = rng.chance(0.2) ? rng.pick(INTERESTING) : seed.raw.hopLimit;
    return { world: target, raw: { ...seed.raw, payload, src, hopLimit } };
  }
  let bytes: Uint8Array = Uint8Array.from(seed.raw.bytes);
  for (let n = 1 + rng.int(4); n > 0; n--) {
    if (rng.chance(0.5)) mutateField(rng, bytes);
    else bytes = mutateBytes(rng, bytes, otherBytes);
  }
  if (rng.chance(0.1) && bytes.length >= 16) bytes.set(ipv4Bytes(rng.pick(SOURCES)), 12);
  // Linux hands a raw socket only datagrams whose IP header it accepted: most get a sane header
  // back (version 4, IHL 5..15, total length = size) so they reach the VRRP checks.
  if (rng.chance(0.7) && bytes.length >= 20) saneIpv4(bytes);
  const ihl = ((bytes[0] ?? 0) & 0x0f) * 4;
  if (rng.chance(0.5) && ihl >= 20 && bytes.length >= ihl + 8) fixChecksum(bytes.subarray(ihl), readIpv4(bytes, 12), readIpv4(bytes, 16));
  return { world: target, raw: { family: 'ipv4', bytes } };
}

function ipv4Bytes(a: IpAddress): number[] {
  return a.split('.').map(Number);
}

function saneIpv4(b: Uint8Array): void {
  const ihl = Math.min(15, Math.max(5, b[0]! & 0x0f));
  b[0] = 0x40 | (ihl * 4 <= b.length ? ihl : 5);
  b[2] = b.length >>> 8;
  b[3] = b.length & 0xff;
}
