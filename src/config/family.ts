/**
 * An instance's address family, decided as keepalived 2.2.7 decides it (vrrp_data.c
 * alloc_vrrp_vip / alloc_vrrp_unicast_peer, vrrp_parser.c): the first of its virtual_ipaddress
 * entries, unicast peers, unicast_src_ip / mcast_src_ip and native_ipv6, in configuration order,
 * sets the family; a later one of the other family is skipped with a message (here a positioned
 * warning). virtual_ipaddress_excluded may hold either family and decides nothing. An instance
 * that nothing decided is IPv4.
 */
import type { ArgChecker } from './check-args.js';
import type { Token } from './types.js';
import type { Family } from '../wire/address.js';

/** The part of an instance draft the family rule reads and writes. */
export interface FamilyDraft {
  name: string;
  family?: Family;
  /** What decided the family, for the message when something disagrees. */
  familyFrom?: { readonly token: Token; readonly what: string };
}

const NAME: Readonly<Record<Family, string>> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/**
 * `what` (`token`) is of `family`: it decides the instance's family when nothing did yet, and is
 * skipped with a warning when the instance is of the other family. True when it may be used.
 */
export function claimFamily(d: FamilyDraft, family: Family, token: Token, what: string, a: ArgChecker): boolean {
  if (d.family === undefined) {
    d.family = family;
    d.familyFrom = { token, what };
    return true;
  }
  if (d.family === family) return true;
  const from = d.familyFrom;
  const by = from === undefined ? '' : from.what === from.token.text ? from.what : `${from.what} '${from.token.text}'`;
  const why = from === undefined ? '' : ` (decided by ${by} at line ${from.token.line})`;
  a.diags.warning(token, `vrrp_instance ${d.name} is ${NAME[d.family]}${why}: ${NAME[family]} ${what} '${token.text}' ignored, as keepalived does (one virtual router carries one family, RFC 5798 §5.2.9)`);
  return false;
}
