/**
 * What arrives on a VRRP socket, as the receive path sees it: for IPv4 the whole datagram (a raw
 * IPv4 socket hands over the header), for IPv6 the payload plus what the socket reported beside it
 * (source, destination, hop limit), because a raw IPv6 socket never shows the header.
 *
 * `openDatagram` does the IP layer for both: IPv4 header form, then protocol 112 (VRRP) or 51 (AH
 * wrapping VRRP, RFC 2338 legacy: its VRRP payload is found so it can be counted as an auth type
 * mismatch). Form only; never throws. `parseVrrpDatagram` goes on to the advertisement, for tests,
 * tools and the simulator; the daemon uses src/protocol/receive-path.ts, which counts every step.
 */
import { err, ok, type Result } from '../result.js';
import type { Family, IpAddress } from './address.js';
import { parseAdvert } from './advert.js';
import { parseAh, type AhErrorKind } from './ah.js';
import { IPPROTO_AH, IPPROTO_VRRP } from './constants.js';
import { parseIpv4Packet } from './ipv4.js';
import type { Advert, AdvertErrorKind, Ipv4ErrorKind } from './types.js';

/** One received packet before any parsing. */
export type RawDatagram =
  /** IPv4: the datagram, header first. */
  | { readonly family: 'ipv4'; readonly bytes: Uint8Array }
  /** IPv6: the payload and the header fields the socket reported (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT). */
  | { readonly family: 'ipv6'; readonly payload: Uint8Array; readonly src: IpAddress; readonly dst: IpAddress; readonly hopLimit: number };

/** The IP facts of a VRRP (or AH-wrapped VRRP) packet and the VRRP bytes it carries. */
export interface OpenedDatagram {
  readonly family: Family;
  readonly src: IpAddress;
  readonly dst: IpAddress;
  /** IPv4 TTL or IPv6 hop limit. */
  readonly ttl: number;
  /** IPv4 TOS or IPv6 traffic class (undefined when the socket does not report it). */
  readonly tos: number | undefined;
  /** The VRRP message (inside AH when `ah`). */
  readonly vrrp: Uint8Array;
  /** True when the VRRP message came wrapped in an IP Authentication Header. */
  readonly ah: boolean;
}

/** Which layer refused the datagram, and why. `ip`/`not-vrrp`: neither VRRP nor AH over VRRP. */
export type DatagramError =
  | { readonly layer: 'ipv4'; readonly kind: Ipv4ErrorKind; readonly detail: string }
  | { readonly layer: 'ah'; readonly kind: AhErrorKind; readonly detail: string }
  | { readonly layer: 'vrrp'; readonly kind: AdvertErrorKind; readonly detail: string }
  | { readonly layer: 'ip'; readonly kind: 'not-vrrp'; readonly detail: string };

/** The IP layer: header form, protocol, AH unwrapped. */
export function openDatagram(raw: RawDatagram): Result<OpenedDatagram, DatagramError> {
  if (raw.family === 'ipv6') {
    return ok({ family: 'ipv6', src: raw.src, dst: raw.dst, ttl: raw.hopLimit, tos: undefined, vrrp: raw.payload, ah: false });
  }
  const packet = parseIpv4Packet(raw.bytes);
  if (!packet.ok) return err({ layer: 'ipv4', ...packet.error });
  const { header, payload } = packet.value;
  if (header.protocol === IPPROTO_VRRP) {
    return ok({ family: 'ipv4', src: header.src, dst: header.dst, ttl: header.ttl, tos: header.tos, vrrp: payload, ah: false });
  }
  if (header.protocol !== IPPROTO_AH) {
    return err({ layer: 'ip', kind: 'not-vrrp', detail: `IP protocol is ${header.protocol}, expected ${IPPROTO_VRRP} (VRRP)` });
  }
  const ah = parseAh(payload);
  if (!ah.ok) return err({ layer: 'ah', ...ah.error });
  if (ah.value.nextHeader !== IPPROTO_VRRP) {
    return err({ layer: 'ip', kind: 'not-vrrp', detail: `AH next header is ${ah.value.nextHeader}, expected ${IPPROTO_VRRP} (VRRP)` });
  }
  return ok({ family: 'ipv4', src: header.src, dst: header.dst, ttl: header.ttl, tos: header.tos, vrrp: ah.value.payload, ah: true });
}

/** A well-formed advertisement and the IP facts it came with. */
export interface VrrpDatagram {
  readonly ip: OpenedDatagram;
  readonly advert: Advert;
}

/** IP layer, then the advertisement; AH-wrapped adverts are refused as unsupported-auth. */
export function parseVrrpDatagram(raw: RawDatagram): Result<VrrpDatagram, DatagramError> {
  const opened = openDatagram(raw);
  if (!opened.ok) return opened;
  const ip = opened.value;
  const advert = parseAdvert(ip.vrrp, ip);
  if (ip.ah) {
    if (!advert.ok && advert.error.kind !== 'unsupported-auth') return err({ layer: 'vrrp', ...advert.error });
    const found = advert.ok ? `auth type ${advert.value.auth?.type ?? 'none'}` : advert.error.detail;
    const detail = `advert wrapped in IP Authentication Header (protocol ${IPPROTO_AH}; ${found}): AH is not supported`;
    return err({ layer: 'vrrp', kind: 'unsupported-auth', detail });
  }
  return advert.ok ? ok({ ip, advert: advert.value }) : err({ layer: 'vrrp', ...advert.error });
}
