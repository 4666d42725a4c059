/**
 * The lab's shape, in one place: the seed's HA architecture on one bridge. Addresses mirror the
 * deploy kit's example LAN (deploy/: 192.168.10.0/24) with the lab's 10.251.0.0/24, so the lab
 * runs exactly the deploy files with one substitution (see configs.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Namespace names: `vrl` + 5 hex digits + `-` + host (at most 15 characters). */
export const LAB_PREFIX = 'vrl';
export const LAB_ID_PATTERN = /^vrl[0-9a-f]{5}$/;
export const LAB_NS_PATTERN = /^(vrl[0-9a-f]{5})-[a-z0-9]+$/;
/** Where lab directories and state files live. */
export const LAB_ROOT = '/run/vrrpd-lab';

export const LAB_SUBNET = '10.251.0';
export const DEPLOY_SUBNET = '192.168.10';
export const VIP = `${LAB_SUBNET}.100`;
/** The dual-stack lab's IPv6 LAN (fd00:251::/64; the deploy kit's example is 2001:db8:10::/64) and VIP. */
export const LAB_SUBNET6 = 'fd00:251';
export const DEPLOY_SUBNET6 = '2001:db8:10';
export const VIP6 = `${LAB_SUBNET6}::100`;
export const PROXY_PORT = 7443;
export const API_PORT = 6443;
export const VRID = 251;
/** Where each OP node's vrrpd serves its metrics (on the node namespace's loopback). */
export const METRICS_LISTEN = '127.0.0.1:9657';
export const METRICS_URL = `http://${METRICS_LISTEN}/metrics`;
/** How often the lab records each node's metrics (ms). */
export const SCRAPE_EVERY_MS = 250;

export type OpName = 'op1' | 'op2';
export const OPS: readonly OpName[] = ['op1', 'op2'];
export const APIS = ['api1', 'api2', 'api3'] as const;
export type ApiName = (typeof APIS)[number];

/** Host name and last address octet (same as in the deploy kit's example LAN). */
export const HOSTS: readonly { readonly name: string; readonly octet: number }[] = [
  { name: 'op1', octet: 11 },
  { name: 'op2', octet: 12 },
  { name: 'api1', octet: 21 },
  { name: 'api2', octet: 22 },
  { name: 'api3', octet: 23 },
  { name: 'client', octet: 50 },
];

export function hostIp(name: string): string {
  const h = HOSTS.find((x) => x.name === name);
  if (h === undefined) throw new Error(`no lab host ${name}`);
  return `${LAB_SUBNET}.${h.octet}`;
}

/** The deploy file each OP node runs. */
export const DEPLOY_VRRPD: Record<OpName, string> = {
  op1: 'deploy/vrrpd/keepalived-op1-master.conf',
  op2: 'deploy/vrrpd/keepalived-op2-backup.conf',
};
/** The same in dual stack: an IPv4 and an IPv6 instance in one sync group. */
export const DEPLOY_VRRPD_DUAL: Record<OpName, string> = {
  op1: 'deploy/vrrpd/keepalived-op1-dual-stack.conf',
  op2: 'deploy/vrrpd/keepalived-op2-dual-stack.conf',
};
export const DEPLOY_NGINX = 'deploy/nginx/apiserver-stream.conf';
export const DEPLOY_CHECK = 'deploy/check_nginx.sh';

/** The repository root (where package.json names "vrrpd"), from src/lab or dist/src/lab. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"vrrpd"/.test(readFileSync(pkg, 'utf8'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the vrrpd repository root');
}

/** A compiled entry point under dist/ (the lab runs the built daemon and scripts with plain node). */
export function distFile(rel: string): string {
  return join(repoRoot(), 'dist', rel);
}

/** The bundle `vrrpd` runs (package.json's bin; scripts/bundle.ts writes it), relative to dist/. */
export const BUNDLE_MAIN = 'bundle/vrrpd.js';

/** The daemon's command line as the `vrrpd` bin runs it: dist/bundle/vrrpd.js. */
export function vrrpdMain(): string {
  return distFile(BUNDLE_MAIN);
}
