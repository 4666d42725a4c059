/**
 * keepalived's unicast checksum rule for one VRRPv3 virtual router over IPv4 (RFC 5798 §5.2.8
 * pseudo-header; keepalived's `old_unicast_checksum`), both directions, as pure state:
 *   - receiving: what the receive path accepts (`receiverRule`, ReceiverSpec.oldChecksum);
 *   - sending: the destination written into the pseudo-header of an advert to `dst`.
 * keepalived up to 1.3.6 computed a unicast advert's checksum as if it went to the multicast
 * group, and accepts nothing else. In 'auto' mode (keepalived's default) the first old-style advert
 * from a peer switches this virtual router to sending old-style too, for as long as it runs, so
 * that old peer hears it: what keepalived 2.2.7 means to do when it logs "Setting unicast VRRPv3
 * checksum to old version". Measured, keepalived 2.2.7 itself keeps sending the RFC checksum after
 * that line (vrrp.c rewrites the checksum before it sets the mode, so the rewrite does nothing) and
 * from then on accepts only the old style; vrrpd always accepts both, so it hears such a peer.
 */
import type { IpAddress, Ipv4Address } from '../wire/address.js';
import type { OldUnicastChecksum } from '../wire/types.js';
import type { OldChecksumRule } from './receive-path.js';

export class UnicastChecksum {
  #old: boolean;

  constructor(
    readonly mode: OldUnicastChecksum,
    /** The multicast group the old style computes with (global `vrrp_mcast_group4`). */
    readonly group: Ipv4Address,
  ) {
    this.#old = mode === 'always';
  }

  /** True while adverts are sent with the old-style checksum. */
  get sendingOld(): boolean {
    return this.#old;
  }

  /** What the receive path accepts: old-style checksums unless the mode is 'never'. */
  receiverRule(): OldChecksumRule {
    return { group: this.group, accept: this.mode !== 'never' };
  }

  /** The pseudo-header destination of an advert sent to `dst` (RFC 5798 §5.2.8: `dst` itself, unless old-style). */
  pseudoHeaderDestination(dst: IpAddress): IpAddress {
    return this.#old ? this.group : dst;
  }

  /**
   * An advert arrived with an old-style checksum. In 'auto' mode the first one switches sending to
   * old-style; returns true exactly then (the moment to log it).
   */
  oldStyleSeen(): boolean {
    if (this.mode !== 'auto' || this.#old) return false;
    this.#old = true;
    return true;
  }
}
