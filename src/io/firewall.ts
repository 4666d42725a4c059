/**
 * Accept_Mode False (RFC 5798 §6.1, keepalived `no_accept` and its strict-mode default) enforced
 * the way keepalived 2.2.7 does it with nftables (vrrp_nftables.c): a table of our own, `ip vrrpd`,
 * with a set `vips` and two base chains at priority -1 that drop what is addressed to (input) or
 * sent from (output) an address in the set. A non-owner master puts its VIPs in the set before it
 * adds them and takes them out after it removed them, so the host never accepts traffic for a VIP
 * it does not own; ARP is not IP and is still answered. The table is created at start, deleted at
 * stop and by `vrrpd cleanup`. Needs nft (Debian nftables) and CAP_NET_ADMIN; execFile, checked
 * arguments, one nft argument holding `;`-separated commands (no shell).
 */
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';
import { checkAddress, isValidNetns } from './validate.js';

export const NFT_TABLE = 'vrrpd';

export interface FirewallError {
  readonly kind: 'invalid' | 'command-failed';
  readonly detail: string;
}

const ABSENT = /No such file or directory/;

/** The commands that (re)create our table empty (exported for unit tests). */
export const TABLE_SCRIPT = [
  `add table ip ${NFT_TABLE}`,
  `delete table ip ${NFT_TABLE}`,
  `add table ip ${NFT_TABLE}`,
  `add set ip ${NFT_TABLE} vips { type ipv4_addr; }`,
  `add chain ip ${NFT_TABLE} in { type filter hook input priority -1; policy accept; }`,
  `add rule ip ${NFT_TABLE} in ip daddr @vips drop`,
  `add chain ip ${NFT_TABLE} out { type filter hook output priority -1; policy accept; }`,
  `add rule ip ${NFT_TABLE} out ip saddr @vips drop`,
].join('; ');

async function nft(script: string, absentOk: boolean, netns?: string): Promise<Result<'done' | 'absent', FirewallError>> {
  if (netns !== undefined && !isValidNetns(netns)) return err({ kind: 'invalid', detail: `bad netns ${netns}` });
  const r = netns === undefined ? await run('nft', [script]) : await run('ip', ['netns', 'exec', netns, 'nft', script]);
  if (r.ok) return ok('done');
  if (absentOk && ABSENT.test(r.error.stderr)) return ok('absent');
  const missing = r.error.kind === 'spawn-failed' ? ' (is Debian\'s nftables installed?)' : '';
  return err({ kind: 'command-failed', detail: `${r.error.detail}${missing}` });
}

/** Creates our table, empty (a table left by a crashed run is replaced). */
export function createDropTable(): Promise<Result<'done' | 'absent', FirewallError>> {
  return nft(TABLE_SCRIPT, false);
}

/** Deletes our table (in network namespace `netns`: `vrrpd cleanup --netns`); 'absent' when there was none. */
export function deleteDropTable(netns?: string): Promise<Result<'done' | 'absent', FirewallError>> {
  return nft(`delete table ip ${NFT_TABLE}`, true, netns);
}

function element(verb: 'add' | 'delete', address: string): Result<string, FirewallError> {
  const a = checkAddress(address);
  if (!a.ok || a.value.includes(':')) return err({ kind: 'invalid', detail: `not an IPv4 address: ${JSON.stringify(address)}` });
  return ok(`${verb} element ip ${NFT_TABLE} vips { ${a.value} }`);
}

/** Drop traffic to and from `address` (adding it twice is fine). */
export async function addDrop(address: string): Promise<Result<'done' | 'absent', FirewallError>> {
  const cmd = element('add', address);
  return cmd.ok ? nft(cmd.value, false) : cmd;
}

/** Stop dropping it; 'absent' when it was not in the set. */
export async function delDrop(address: string): Promise<Result<'done' | 'absent', FirewallError>> {
  const cmd = element('delete', address);
  return cmd.ok ? nft(cmd.value, true) : cmd;
}
