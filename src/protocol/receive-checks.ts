/**
 * The receive checks that need the router's configuration (RFC 3768 §7.1, RFC 5798 §7.1): the
 * receive path (receive-path.ts) has already checked form, checksum, version, VRID and TTL; these
 * check the meaning, in the RFC's order, and name the drop reason (one counter each). The address
 * list check comes apart (`checkAddressList`): a difference is counted and then, by a policy and
 * the sender's priority, either drops the advert or is only noted.
 */
import type { IpAddress } from '../wire/address.js';
import type { Advert } from '../wire/types.js';
import { sameAddressSet } from './address.js';
import { countInstanceDrop, type InstanceCounters, type InstanceDropReason } from './counters.js';
import { OWNER_PRIORITY } from './priority.js';
import type { ActionSink, RouterConfig, RouterState } from './types.js';

/** A drop found by the §7.1 checks. */
export interface Rejection {
  readonly reason: InstanceDropReason;
  readonly detail: string;
}

/** The first §7.1 check `advert` fails for a running router configured as `cfg`, if any. */
export function checkAdvert(cfg: RouterConfig, advert: Advert): Rejection | undefined {
  if (cfg.priority === OWNER_PRIORITY) {
    return { reason: 'owner', detail: `we own VRID ${cfg.vrid} (priority 255); advert priority ${advert.priority}` };
  }
  if (cfg.version === 2) {
    // RFC 3768 §7.1: authentication, then the interval must be ours.
    const theirs = advert.auth?.type ?? 0;
    const ours = cfg.auth?.type ?? 0;
    if (theirs !== ours) return { reason: 'auth-type-mismatch', detail: `auth type ${theirs}, ours is ${ours}` };
    if (ours === 1 && !bytesEqual(advert.auth?.data, cfg.auth?.data)) {
      return { reason: 'auth-failure', detail: 'authentication data (password) does not match' };
    }
    if (advert.adverIntervalCs !== cfg.adverIntervalCs) {
      return { reason: 'interval-mismatch', detail: `advert interval ${advert.adverIntervalCs / 100} s, ours is ${cfg.adverIntervalCs / 100} s` };
    }
  } else if (advert.adverIntervalCs === 0) {
    // RFC 5798 §6.4.2 has a backup adopt the master's interval; an interval of 0 would make
    // Master_Down_Interval 0 (instant takeover), so it is refused as an interval error.
    return { reason: 'interval-mismatch', detail: 'Max Adver Int is 0 centiseconds' };
  }
  return undefined;
}

/**
 * RFC 3768 §7.1 / RFC 5798 §7.1: whether a router configured as `cfg`, in `state` (`running`:
 * started and not stopped), goes on with `advert` from `srcIp`. Every outcome moves its counter; a
 * drop, or an address list accepted as different, also gives its action.
 */
export function admitAdvert(cfg: RouterConfig, state: RouterState, running: boolean, advert: Advert, srcIp: IpAddress, counters: InstanceCounters, out: ActionSink): boolean {
  const active = running && (state === 'BACKUP' || state === 'MASTER');
  const rejection = active ? checkAdvert(cfg, advert) : { reason: 'not-running' as const, detail: `received in ${state}` };
  if (rejection) {
    countInstanceDrop(counters, rejection.reason);
    out.push({ kind: 'dropped', reason: rejection.reason, from: srcIp, detail: rejection.detail });
    return false;
  }
  const listed = checkAddressList(cfg, advert);
  if (listed) {
    counters.addressListErrors++;
    if (listed.drop) {
      out.push({ kind: 'dropped', reason: 'address-list', from: srcIp, detail: listed.detail });
      return false;
    }
    out.push({ kind: 'notice', code: 'address-list-mismatch', from: srcIp, detail: listed.detail });
  }
  counters.advertiseRcvd++;
  if (advert.priority === 0) counters.priorityZeroPktsRcvd++;
  return true;
}

/** An advert whose address list differs from ours: whether the router drops it, and the difference in words. */
export interface AddressListMismatch {
  readonly drop: boolean;
  readonly detail: string;
}

/** RFC 3768 §7.1 / RFC 5798 §7.1: the address list check; only the address owner's adverts go on under `drop` when the lists differ. */
export function checkAddressList(cfg: RouterConfig, advert: Advert): AddressListMismatch | undefined {
  if (sameAddressSet(advert.addresses, cfg.vips)) return undefined;
  const detail = `advertises [${advert.addresses.join(', ')}], we have [${cfg.vips.join(', ')}]`;
  return { drop: cfg.addressMismatch === 'drop' && advert.priority !== OWNER_PRIORITY, detail };
}

/** Constant-time comparison of the 8 auth bytes (as keepalived does). */
function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}
