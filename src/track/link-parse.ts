/**
 * Parses the one-line link records printed by `ip -o link show` and `ip -o monitor link`:
 *   `3: eth0@if4: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ... state UP mode DEFAULT ...`
 *   `Deleted 3: vtt1: <BROADCAST,NOARP> mtu 1500 ...`
 * A link counts as up when the administrative flag UP and the carrier flag LOWER_UP are both
 * set (IFF_UP and IFF_LOWER_UP, what keepalived's netlink code watches); `state` is not used
 * because virtual links (dummy, lo) report `state UNKNOWN` while fully up.
 */
import { err, ok, type Result } from '../result.js';

export interface LinkRecord {
  readonly index: number;
  /** The name without any `@peer` suffix. */
  readonly ifname: string;
  readonly flags: readonly string[];
  readonly up: boolean;
  /** `Deleted` lines: the link is gone. */
  readonly deleted: boolean;
  /** The `state` word (UP, DOWN, UNKNOWN, LOWERLAYERDOWN...) or undefined. */
  readonly operstate: string | undefined;
}

export interface LinkParseError {
  readonly kind: 'not-a-link-line';
  readonly detail: string;
}

// "[Deleted ]IDX: NAME[@PEER]: <FLAGS> rest"
const LINE = /^(Deleted\s+)?(\d+):\s+([^\s:@]+)(?:@[^\s:]*)?:\s+<([^>]*)>(.*)$/;

/** Parse one line; lines of other kinds (addresses, blank, `[LINK]` prefixes) are errors, never throws. */
export function parseLinkLine(raw: string): Result<LinkRecord, LinkParseError> {
  const line = raw.replace(/^\[[A-Z]+\]\s*/, '').trim();
  const m = LINE.exec(line);
  if (m === null) return err({ kind: 'not-a-link-line', detail: line.slice(0, 80) });
  const flags = (m[4] ?? '').split(',').filter((f) => f.length > 0);
  const state = /\sstate\s+(\S+)/.exec(m[5] ?? '');
  const deleted = m[1] !== undefined;
  return ok({
    index: Number(m[2]),
    ifname: m[3] ?? '',
    flags,
    up: !deleted && flags.includes('UP') && flags.includes('LOWER_UP'),
    deleted,
    operstate: state?.[1],
  });
}
