/**
 * What the router takes from its configuration alone: whether it can run with it (config/
 * validates first, so a refusal here is the caller's bug) and the advert it sends (RFC 3768 §7.2,
 * RFC 5798 §7.2).
 */
import type { Advert } from '../wire/types.js';
import type { Action, RouterConfig } from './types.js';

/** The action of a steady advert. */
type SendAdvert = Extract<Action, { kind: 'sendAdvert' }>;

/** Configuration the router cannot run with is the caller's bug (config validates first). */
export function checkConfig(c: RouterConfig): void {
  const bad = (what: string): never => {
    throw new RangeError(`${c.name}: ${what}`);
  };
  if (c.version === 2) {
    if (c.family !== 'ipv4') bad('VRRPv2 is IPv4 only');
    if (c.adverIntervalCs < 100 || c.adverIntervalCs > 25500 || c.adverIntervalCs % 100 !== 0) bad(`VRRPv2 interval ${c.adverIntervalCs} cs is not 1..255 whole seconds`);
    if (c.auth !== undefined && c.auth.data.length !== 8) bad('auth data must be exactly 8 bytes');
  } else {
    if (!Number.isInteger(c.adverIntervalCs) || c.adverIntervalCs < 1 || c.adverIntervalCs > 4095) bad(`VRRPv3 interval ${c.adverIntervalCs} cs is outside 1..4095`);
    if (c.auth !== undefined) bad('VRRPv3 has no authentication');
  }
  if (c.vips.length === 0 || c.vips.length > 255) bad(`${c.vips.length} virtual addresses (1..255)`);
}

/**
 * The sendAdvert action of a router, made again only when its configuration or priority changed:
 * a master sends the same advert every Advertisement_Interval, and actions are immutable values.
 */
export class AdvertActions {
  #last: SendAdvert | undefined;
  #config: RouterConfig | undefined;

  /** The action sending `buildAdvert(cfg, priority)`. */
  of(cfg: RouterConfig, priority: number): SendAdvert {
    if (this.#last === undefined || this.#last.advert.priority !== priority || this.#config !== cfg) {
      this.#last = { kind: 'sendAdvert', advert: buildAdvert(cfg, priority) };
      this.#config = cfg;
    }
    return this.#last;
  }
}

/** RFC 3768 §7.2 / RFC 5798 §7.2: the advert at `priority`, filled in from `cfg` (checksum is wire/'s job). */
export function buildAdvert(cfg: RouterConfig, priority: number): Advert {
  return {
    version: cfg.version,
    type: 1,
    vrid: cfg.vrid,
    priority,
    adverIntervalCs: cfg.adverIntervalCs,
    addresses: cfg.vips,
    auth: cfg.auth,
  };
}
