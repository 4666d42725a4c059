/**
 * A received VRRP datagram, from the IPv4 header down to the advertisement: what the receive
 * path hands a raw IPv4 socket's bytes to. IP protocol 112 carries the advert directly; IP
 * protocol 51 (AH, RFC 2338 legacy) wraps it, and is always refused as unsupported-auth so it
 * can be counted as an auth type mismatch (RFC 2787 vrrpStatsAuthTypeMismatch). Form only: TTL,
 * destination and meaning are the router's. Never throws.
 */
import { err, ok, type Result } from '../result.js';
import { parseAdvert } from './advert.js';
import { parseAh, type AhErrorKind } from './ah.js';
import { IPPROTO_AH, IPPROTO_VRRP, parseIpv4 } from './ipv4.js';
import type { Advert, AdvertErrorKind, Ipv4ErrorKind, Ipv4Header } from './types.js';

/** A well-formed advertisement and the IPv4 header it came in. */
export interface VrrpDatagram {
  readonly ip: Ipv4Header;
  readonly advert: Advert;
}

/** Which layer refused the datagram, and why. `ip`/`not-vrrp`: neither VRRP nor AH over VRRP. */
export type DatagramError =
  | { readonly layer: 'ipv4'; readonly kind: Ipv4ErrorKind; readonly detail: string }
  | { readonly layer: 'ah'; readonly kind: AhErrorKind; readonly detail: string }
  | { readonly layer: 'vrrp'; readonly kind: AdvertErrorKind; readonly detail: string }
  | { readonly layer: 'ip'; readonly kind: 'not-vrrp'; readonly detail: string };

/** Parse IPv4 -> [AH ->] VRRPv2 advertisement. */
export function parseVrrpDatagram(bytes: Uint8Array): Result<VrrpDatagram, DatagramError> {
  const packet = parseIpv4(bytes);
  if (!packet.ok) return err({ layer: 'ipv4', ...packet.error });
  const { header, payload } = packet.value;
  if (header.protocol === IPPROTO_VRRP) {
    const advert = parseAdvert(payload);
    return advert.ok ? ok({ ip: header, advert: advert.value }) : err({ layer: 'vrrp', ...advert.error });
  }
  if (header.protocol !== IPPROTO_AH) {
    return err({ layer: 'ip', kind: 'not-vrrp', detail: `IP protocol is ${header.protocol}, expected 112 (VRRP)` });
  }
  const ah = parseAh(payload);
  if (!ah.ok) return err({ layer: 'ah', ...ah.error });
  if (ah.value.nextHeader !== IPPROTO_VRRP) {
    const detail = `AH next header is ${ah.value.nextHeader}, expected 112 (VRRP)`;
    return err({ layer: 'ip', kind: 'not-vrrp', detail });
  }
  const inner = parseAdvert(ah.value.payload);
  if (!inner.ok && inner.error.kind !== 'unsupported-auth') return err({ layer: 'vrrp', ...inner.error });
  const found = inner.ok ? `auth type ${inner.value.authType}` : inner.error.detail;
  const detail = `advert wrapped in IP Authentication Header (protocol 51; ${found}): AH is not supported`;
  return err({ layer: 'vrrp', kind: 'unsupported-auth', detail });
}
