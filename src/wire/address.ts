/**
 * IP addresses, one type for both families. An address is its canonical text (IPv4 dotted quad,
 * IPv6 in ip-address's correct form: lower case, zeros compressed per RFC 5952), branded with its
 * family so the compiler tells an address from any string and an IPv4 address from an IPv6 one.
 * Canonical text makes addresses comparable with `===`, usable as Map keys and printable as is.
 *
 * Text comes in through `parseIpAddress` / `parsePrefix` only (built on `ip-address`); bytes come
 * in through `readIpv4` / `readIpv6` (which produce the same canonical text). Config, io and wire
 * all use these, so there is one notion of a valid address.
 */
import { Address4, Address6 } from 'ip-address';
import { err, ok, type Result } from '../result.js';

export type Family = 'ipv4' | 'ipv6';
export type Ipv4Address = string & { readonly __family: 'ipv4' };
export type Ipv6Address = string & { readonly __family: 'ipv6' };
export type IpAddress = Ipv4Address | Ipv6Address;
/** The address type of a family. */
export type AddressOf<F extends Family> = F extends 'ipv4' ? Ipv4Address : Ipv6Address;

/** An address with a prefix length, as in `192.168.50.100/24` or `fd00::100/64`. */
export interface Prefix<A extends IpAddress = IpAddress> {
  readonly address: A;
  readonly prefixLen: number;
}

export interface AddressError {
  readonly kind: 'bad-address';
  readonly detail: string;
}

/** Bytes of an address on the wire. */
export const ADDRESS_BYTES: Readonly<Record<Family, number>> = { ipv4: 4, ipv6: 16 };
/** Longest text `parseIpAddress` looks at (an IPv6 address with an embedded IPv4 and a prefix). */
const MAX_TEXT = 64;

const fail = (detail: string): { ok: false; error: AddressError } => err({ kind: 'bad-address', detail });

/** The family of an address (IPv6 text always holds a colon, IPv4 text never). */
export function familyOf(a: IpAddress): Family {
  return a.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * Parse one address without a prefix, in canonical form. `family` restricts it; a zone
 * (`fe80::1%eth0`), a prefix, leading zeros in IPv4 octets and any surrounding space are refused.
 */
export function parseIpAddress(text: string): Result<IpAddress, AddressError>;
export function parseIpAddress<F extends Family>(text: string, family: F): Result<AddressOf<F>, AddressError>;
export function parseIpAddress(text: string, family?: Family): Result<IpAddress, AddressError> {
  if (typeof text !== 'string' || text.length > MAX_TEXT || text.includes('/')) {
    return fail(`${quote(text)} is not an ${familyName(family)} address`);
  }
  const p = prefixOf(text, family);
  return p.ok ? ok(p.value.address) : p;
}

/**
 * An address from a literal in code (tests, simulations, constants): throws RangeError when the
 * text is not an address, because that is the programmer's mistake. Input from outside goes
 * through `parseIpAddress`.
 */
export function ipAddress(text: string): IpAddress;
export function ipAddress<F extends Family>(text: string, family: F): AddressOf<F>;
export function ipAddress(text: string, family?: Family): IpAddress {
  const p = prefixOf(text, family);
  if (!p.ok || text.includes('/')) throw new RangeError(p.ok ? `${quote(text)} has a prefix length` : p.error.detail);
  return p.value.address;
}

/** Parse `ADDR` or `ADDR/LEN`; without `/LEN` the prefix is the whole address (/32 or /128). */
export function parsePrefix(text: string): Result<Prefix, AddressError>;
export function parsePrefix<F extends Family>(text: string, family: F): Result<Prefix<AddressOf<F>>, AddressError>;
export function parsePrefix(text: string, family?: Family): Result<Prefix, AddressError> {
  return prefixOf(text, family);
}

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** A canonical dotted quad (no leading zeros), with an optional prefix length. */
const QUAD = new RegExp(`^(${OCTET})\\.(${OCTET})\\.(${OCTET})\\.(${OCTET})(?:/(0|[1-9][0-9]?))?$`);

function prefixOf(text: string, family: Family | undefined): Result<Prefix, AddressError> {
  const bad = fail(`${quote(text)} is not an ${familyName(family)} address${text.includes('/') ? ' with a prefix length' : ''}`);
  if (typeof text !== 'string' || text.length > MAX_TEXT || /\s|%/.test(text)) return bad;
  const slash = text.indexOf('/');
  const lenText = slash < 0 ? undefined : text.slice(slash + 1);
  if (lenText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return bad;
  const v6 = text.includes(':');
  if ((family === 'ipv4' && v6) || (family === 'ipv6' && !v6)) return bad;
  // The common case without ip-address's parser (a mass takeover parses hundreds): a dotted quad
  // already in canonical form is its own correct form; anything else takes the full parse.
  // The address is built from the octets, not sliced from `text`: a slice of a longer string keeps
  // all of it alive (a config file, a chunk of `ip monitor` output) for as long as it is held.
  const q = v6 ? null : QUAD.exec(text);
  if (q !== null && (q[5] === undefined || Number(q[5]) <= 32)) return ok({ address: `${q[1]!}.${q[2]!}.${q[3]!}.${q[4]!}` as Ipv4Address, prefixLen: q[5] === undefined ? 32 : Number(q[5]) });
  try {
    if (!v6) {
      const a = new Address4(text);
      return ok({ address: a.correctForm() as Ipv4Address, prefixLen: a.subnetMask });
    }
    const a = new Address6(text);
    return ok({ address: a.correctForm() as Ipv6Address, prefixLen: a.subnetMask });
  } catch {
    return bad;
  }
}

/** The 4 bytes at `offset` as an IPv4 address (callers check the length first). */
export function readIpv4(bytes: Uint8Array, offset: number): Ipv4Address {
  return `${bytes[offset] ?? 0}.${bytes[offset + 1] ?? 0}.${bytes[offset + 2] ?? 0}.${bytes[offset + 3] ?? 0}` as Ipv4Address;
}

/** The 16 bytes at `offset` as an IPv6 address in canonical form (RFC 5952: longest zero run, first if tied, compressed). */
export function readIpv6(bytes: Uint8Array, offset: number): Ipv6Address {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[offset + 2 * i] ?? 0) << 8) | (bytes[offset + 2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number): string => g.toString(16);
  if (bestLen < 2) return groups.map(hex).join(':') as Ipv6Address;
  const head = groups.slice(0, bestStart).map(hex).join(':');
  const tail = groups.slice(bestStart + bestLen).map(hex).join(':');
  return `${head}::${tail}` as Ipv6Address;
}

/** Read an address of `family` at `offset`. */
export function readAddress(bytes: Uint8Array, offset: number, family: Family): IpAddress {
  return family === 'ipv4' ? readIpv4(bytes, offset) : readIpv6(bytes, offset);
}

/** The address's bytes (4 or 16), a fresh copy. */
export function addressBytes(a: IpAddress): Uint8Array {
  return ipBytes(a).slice();
}

/** Write an address at `offset` (4 or 16 bytes). */
export function writeAddress(buf: Uint8Array, offset: number, a: IpAddress): void {
  buf.set(ipBytes(a), offset);
}

/** RFC 3768 §6.4.3 / RFC 5798 §6.4.3 tie-break: > 0 when `a` is numerically higher than `b` (same family). */
export function compareAddresses(a: IpAddress, b: IpAddress): number {
  const x = ipBytes(a);
  const y = ipBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(x.length - y.length);
}

/** fe80::/10: an IPv6 link-local address. */
export function isLinkLocal6(a: IpAddress): boolean {
  if (familyOf(a) !== 'ipv6') return false;
  const b = ipBytes(a);
  return b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}

/** ffX2::/16: IPv6 multicast of link-local scope (RFC 4291 §2.7). */
export function isLinkLocalMulticast6(a: IpAddress): boolean {
  if (familyOf(a) !== 'ipv6') return false;
  const b = ipBytes(a);
  return b[0] === 0xff && ((b[1] ?? 0) & 0x0f) === 0x02;
}

/** 224.0.0.0/4 or ff00::/8. */
export function isMulticast(a: IpAddress): boolean {
  const b = ipBytes(a);
  return familyOf(a) === 'ipv4' ? ((b[0] ?? 0) & 0xf0) === 0xe0 : b[0] === 0xff;
}

/** Bytes of an address whose text is canonical (cached: adverts write the same few addresses). */
function ipBytes(a: IpAddress): Uint8Array {
  let b = BYTES_CACHE.get(a);
  if (b === undefined) {
    b = familyOf(a) === 'ipv4' ? v4Bytes(a) : v6Bytes(a);
    if (BYTES_CACHE.size >= 4096) BYTES_CACHE.clear();
    BYTES_CACHE.set(a, b);
  }
  return b;
}

const BYTES_CACHE = new Map<string, Uint8Array>();

function v4Bytes(a: string): Uint8Array {
  const parts = a.split('.');
  if (parts.length !== 4) throw new RangeError(`not a canonical IPv4 address: ${JSON.stringify(a)}`);
  return Uint8Array.from(parts, (p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`not a canonical IPv4 address: ${JSON.stringify(a)}`);
    return n;
  });
}

function v6Bytes(a: string): Uint8Array {
  try {
    const bytes = new Address6(a).toUnsignedByteArray();
    if (bytes.length === 16) return Uint8Array.from(bytes);
  } catch {
    // fall through
  }
  throw new RangeError(`not a canonical IPv6 address: ${JSON.stringify(a)}`);
}

function familyName(f: Family | undefined): string {
  return f === 'ipv4' ? 'IPv4' : f === 'ipv6' ? 'IPv6' : 'IP';
}

function quote(s: unknown): string {
  return typeof s === 'string' ? `'${s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}...` : s}'` : String(s);
}
