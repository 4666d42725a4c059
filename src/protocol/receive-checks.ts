/**
 * RFC 3768 §7.1 receive checks that need the router's configuration: wire/ has already checked
 * the form (version, type, length, checksum); these check the meaning, in the RFC's order, and
 * name the drop reason (one RFC 2787 counter each). The address list check stays with the router
 * because its outcome depends on a policy and on the sender's priority.
 */
import type { Advert } from '../wire/types.js';
import { OWNER_PRIORITY } from './priority.js';
import type { DropReason, RouterConfig } from './types.js';

/** A drop found by the §7.1 checks. */
export interface Rejection {
  readonly reason: DropReason;
  readonly detail: string;
}

/** The first §7.1 check `advert` fails for a running router configured as `cfg`, if any. */
export function checkAdvert(cfg: RouterConfig, advert: Advert, ttl: number): Rejection | undefined {
  if (ttl !== 255) return { reason: 'ip-ttl', detail: `TTL ${ttl}, must be 255` };
  if (advert.vrid !== cfg.vrid) return { reason: 'vrid', detail: `VRID ${advert.vrid}, ours is ${cfg.vrid}` };
  if (cfg.priority === OWNER_PRIORITY) {
    return { reason: 'owner', detail: `we own VRID ${cfg.vrid} (priority 255); advert priority ${advert.priority}` };
  }
  if (advert.authType !== cfg.authType) {
    return { reason: 'auth-type-mismatch', detail: `auth type ${advert.authType}, ours is ${cfg.authType}` };
  }
  if (cfg.authType === 1 && !bytesEqual(advert.authData, cfg.authData)) {
    return { reason: 'auth-failure', detail: 'authentication data (password) does not match' };
  }
  if (advert.adverIntervalSec * 1000 !== cfg.adverIntervalMs) {
    return { reason: 'interval-mismatch', detail: `advert interval ${advert.adverIntervalSec} s, ours is ${cfg.adverIntervalMs / 1000} s` };
  }
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
