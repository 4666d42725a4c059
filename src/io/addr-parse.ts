/**
 * Parses the one-line address records printed by `ip -o addr show` and `ip -o monitor address`
 * (netlink RTM_NEWADDR / RTM_DELADDR as iproute2 prints them):
 *   `3: eth0    inet 192.168.50.11/24 brd 192.168.50.255 scope global secondary eth0\ valid_lft ...`
 *   `Deleted 3: eth0    inet6 fe80::1/64 scope link tentative \ valid_lft ...`
 * The first word after the family is the local address (`inet A peer B/N` keeps A). The flags are
 * the words between the scope and the line's end that iproute2 prints for IFA_F_* (secondary,
 * tentative, dadfailed, deprecated...).
 */
import { err, ok, type Result } from '../result.js';
import { parseIpAddress, type IpAddress } from '../wire/address.js';

export interface AddressRecord {
  readonly index: number;
  readonly ifname: string;
  readonly address: IpAddress;
  readonly prefixLen: number;
  readonly scope: string;
  /** `Deleted` lines (RTM_DELADDR): the address is gone. */
  readonly deleted: boolean;
  /** The kernel marks the 2nd.. IPv4 address of a subnet secondary. */
  readonly secondary: boolean;
  /** IPv6: neither tentative (duplicate address detection running) nor dadfailed. IPv4: always. */
  readonly usable: boolean;
}

export interface AddressParseError {
  readonly kind: 'not-an-address-line';
  readonly detail: string;
}

// "[Deleted ]IDX: NAME    inet|inet6 ADDR[/LEN] rest"
const LINE = /^(Deleted\s+)?(\d+):\s+([^\s:@]+)\s+(inet6?)\s+([0-9A-Fa-f.:]+)(?:\/(\d+))?(.*)$/;
const KNOWN_FLAGS = new Set(['secondary', 'tentative', 'dadfailed', 'deprecated', 'temporary', 'noprefixroute', 'nodad', 'optimistic', 'home', 'mngtmpaddr', 'permanent', 'dynamic', 'autojoin', 'stable-privacy']);

/** Parse one line; link lines, blank lines and the rest are errors, never throws. */
export function parseAddressLine(raw: string): Result<AddressRecord, AddressParseError> {
  const line = raw.replace(/^\[[A-Z]+\]\s*/, '').trim();
  const m = LINE.exec(line);
  if (m === null) return err({ kind: 'not-an-address-line', detail: line.slice(0, 80) });
  const family = m[4] === 'inet6' ? 'ipv6' : 'ipv4';
  const address = parseIpAddress(m[5] ?? '', family);
  if (!address.ok) return err({ kind: 'not-an-address-line', detail: `bad address ${m[5] ?? ''}` });
  // Only what comes before the `\` continuation (valid_lft ...) describes the address.
  const rest = (m[7] ?? '').split('\\')[0] ?? '';
  const words = rest.split(/\s+/).filter((w) => w.length > 0);
  const scopeAt = words.indexOf('scope');
  const flags = new Set(words.filter((w) => KNOWN_FLAGS.has(w)));
  const peerLen = /\speer\s+\S+\/(\d+)/.exec(rest);
  const prefixLen = Number(m[6] ?? peerLen?.[1] ?? (family === 'ipv4' ? 32 : 128));
  return ok({
    index: Number(m[2]),
    ifname: m[3] ?? '',
    address: address.value,
    prefixLen,
    scope: scopeAt >= 0 ? (words[scopeAt + 1] ?? 'global') : 'global',
    deleted: m[1] !== undefined,
    secondary: flags.has('secondary'),
    usable: !flags.has('tentative') && !flags.has('dadfailed'),
  });
}
