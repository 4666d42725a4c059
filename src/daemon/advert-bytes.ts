/**
 * The advertisement bytes an instance sends, one entry per destination, emitted again only when
 * what they encode changes. A master sends the same advert every Advertisement_Interval (RFC 3768
 * §6.4.3): same VRID, priority, interval, addresses and auth, and for VRRPv3 the same pseudo-header
 * source and destination (RFC 5798 §5.2.8). Keeping the bytes saves the emit and its checksum
 * each time, and handing the socket the same object lets it keep the datagram built around it
 * (io/vrrp-socket.ts). Each destination gets its own bytes, VRRPv2's included, so that the
 * socket's per-payload datagram (which holds the destination) is never shared between two.
 */
import { emitAdvert } from '../wire/advert.js';
import type { IpAddress } from '../wire/address.js';
import type { Advert, AdvertIpContext } from '../wire/types.js';

interface Kept {
  readonly advert: Advert;
  readonly src: IpAddress | undefined;
  readonly dst: IpAddress | undefined;
  readonly bytes: Uint8Array;
}

export class AdvertBytes {
  #kept: (Kept | undefined)[] = [];

  /** The bytes of `advert` for destination number `i` (`ctx`: VRRPv3's pseudo-header; undefined for VRRPv2). */
  bytes(i: number, advert: Advert, ctx: AdvertIpContext | undefined): Uint8Array {
    const kept = this.#kept[i];
    if (kept !== undefined && kept.src === ctx?.src && kept.dst === ctx?.dst && sameAdvert(kept.advert, advert)) return kept.bytes;
    const bytes = emitAdvert(advert, ctx);
    const entry: Kept = { advert, src: ctx?.src, dst: ctx?.dst, bytes };
    // Grown by one slot at a time, not pushed to (a pushed-to array keeps room for 17 entries).
    if (i < this.#kept.length) this.#kept[i] = entry;
    else this.#kept = this.#kept.concat(new Array<Kept | undefined>(i - this.#kept.length), [entry]);
    return bytes;
  }

  /** Forgets every entry (the destinations changed). */
  clear(): void {
    this.#kept = [];
  }
}

/** Whether two adverts encode the same bytes (the router hands out its configured address list and auth, so identity is the usual case). */
export function sameAdvert(a: Advert, b: Advert): boolean {
  if (a === b) return true;
  return a.version === b.version && a.vrid === b.vrid && a.priority === b.priority && a.adverIntervalCs === b.adverIntervalCs && sameList(a.addresses, b.addresses) && sameAuth(a, b);
}

function sameList(a: readonly IpAddress[], b: readonly IpAddress[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameAuth(a: Advert, b: Advert): boolean {
  if (a.auth === b.auth) return true;
  if (a.auth === undefined || b.auth === undefined || a.auth.type !== b.auth.type || a.auth.data.length !== b.auth.data.length) return false;
  for (let i = 0; i < a.auth.data.length; i++) if (a.auth.data[i] !== b.auth.data[i]) return false;
  return true;
}
