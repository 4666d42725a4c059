/** Protocol numbers and addresses VRRP uses, defined once; lab, reports, benches and io import them. */
import type { Ipv4Address, Ipv6Address } from './address.js';

/** RFC 3768 §5.2.4 / RFC 5798 §5.1.1.3: IP protocol number (IPv4) and Next Header (IPv6) of VRRP. */
export const IPPROTO_VRRP = 112;
/** RFC 4302: IP Authentication Header (RFC 2338's auth type 2 wraps VRRP in it). */
export const IPPROTO_AH = 51;
/** RFC 3768 §5.2.2 / RFC 5798 §5.1.1.2: the IPv4 multicast group IANA assigned to VRRP. */
export const VRRP_MCAST_GROUP4 = '224.0.0.18' as Ipv4Address;
/** RFC 5798 §5.1.2.2: the IPv6 multicast group IANA assigned to VRRP. */
export const VRRP_MCAST_GROUP6 = 'ff02::12' as Ipv6Address;
/** RFC 3768 §5.2.3 / RFC 5798 §5.1.1.3, §5.1.2.3: TTL / Hop Limit of every advert, checked on receipt. */
export const VRRP_TTL = 255;
/** keepalived's TOS / traffic class byte: IP precedence 6, "internetwork control". */
export const VRRP_TOS = 0xc0;
/** RFC 3768 §7.3 / RFC 5798 §7.3: virtual router MAC prefixes 00-00-5E-00-01-{VRID} (IPv4), 00-00-5E-00-02-{VRID} (IPv6). */
export const VRRP_MAC_PREFIX4 = '00:00:5e:00:01';
export const VRRP_MAC_PREFIX6 = '00:00:5e:00:02';
/** RFC 4861 §2.3: all-nodes multicast, the destination of unsolicited Neighbor Advertisements. */
export const ALL_NODES6 = 'ff02::1' as Ipv6Address;
