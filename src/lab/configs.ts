/**
 * The lab's configuration files, made from the deploy kit (one source, no drift): each deploy
 * file is copied with a fixed list of substitutions, and a substitution that no longer matches
 * anything is an error, so an edit to deploy/ that the lab cannot follow fails loudly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_CHECK, DEPLOY_NGINX, DEPLOY_SUBNET, DEPLOY_SUBNET6, DEPLOY_VRRPD, DEPLOY_VRRPD_DUAL, LAB_SUBNET, LAB_SUBNET6, repoRoot, type OpName } from './topology.js';

export type CheckKind = 'tcp' | 'script';

/** The VRRP version and advert interval the lab runs, when not the deploy kit's (VRRPv2, 1 s). */
export interface LabProtocol {
  readonly version?: 2 | 3;
  /** advert_int in seconds (VRRPv3: 0.01 to 40.95). */
  readonly advertInt?: number;
}

export interface Substitution {
  readonly what: string;
  readonly from: RegExp;
  readonly to: string;
}

/** Applies every substitution (each must match at least once). */
export function substitute(text: string, subs: readonly Substitution[], file: string): string {
  let out = text;
  for (const s of subs) {
    const re = new RegExp(s.from.source, s.from.flags.includes('g') ? s.from.flags : `${s.from.flags}g`);
    if (!re.test(out)) throw new Error(`lab: ${file} no longer contains ${s.what} (${s.from}); update src/lab/configs.ts`);
    out = out.replace(re, s.to);
  }
  return out;
}

const subnetSub: Substitution = { what: 'the example LAN', from: new RegExp(`\\b${DEPLOY_SUBNET.replaceAll('.', '\\.')}\\.`), to: `${LAB_SUBNET}.` };
const subnet6Sub: Substitution = { what: 'the example IPv6 LAN', from: new RegExp(`\\b${DEPLOY_SUBNET6}::`), to: `${LAB_SUBNET6}::` };
/** nginx listens on both families in dual stack (what the deploy README tells users to add). */
const listen6Sub: Substitution = { what: 'the listen line', from: /^(\s*)listen 7443;/m, to: '$1listen 7443;\n$1listen [::]:7443;' };

/**
 * The deploy kit's vrrpd config for `op` (its dual-stack variant with `dualStack`), as the lab runs
 * it; `protocol` sets `vrrp_version` in global_defs and every instance's `advert_int` (the deploy
 * files themselves stay VRRPv2 at 1 s; an IPv6 instance is VRRPv3 whatever the version).
 */
export function vrrpdConfig(op: OpName, check: CheckKind, protocol: LabProtocol = {}, dualStack = false): string {
  const file = (dualStack ? DEPLOY_VRRPD_DUAL : DEPLOY_VRRPD)[op];
  const subs: Substitution[] = dualStack ? [subnetSub, subnet6Sub] : [subnetSub];
  if (protocol.version !== undefined) subs.push({ what: 'global_defs', from: /^([ \t]*)global_defs \{\n/m, to: `$1global_defs {\n$1    vrrp_version ${protocol.version}\n` });
  if (protocol.advertInt !== undefined) subs.push({ what: 'the advert_int line', from: /^([ \t]*)advert_int \S+/m, to: `$1advert_int ${protocol.advertInt}` });
  if (check === 'script') {
    subs.push(
      { what: 'the check_tcp line', from: /^(\s*)(check_tcp \S+)/m, to: '$1# $2' },
      { what: 'the commented classic script line', from: /^(\s*)# (script ")\/etc\/vrrpd\/check_nginx\.sh"/m, to: `$1$2${join(repoRoot(), DEPLOY_CHECK)}"` },
    );
  }
  return substitute(readFileSync(join(repoRoot(), file), 'utf8'), subs, file);
}

/** The deploy kit's nginx stream block, as the lab runs it (listening on IPv6 too with `dualStack`). */
export function nginxStreamConfig(dualStack = false): string {
  return substitute(readFileSync(join(repoRoot(), DEPLOY_NGINX), 'utf8'), dualStack ? [subnetSub, listen6Sub] : [subnetSub], DEPLOY_NGINX);
}

/**
 * The lab's nginx.conf around the deploy stream block: what Debian's /etc/nginx/nginx.conf does
 * on a real node (load the stream module, pid, error log), with every path in the lab directory.
 */
export function nginxMainConfig(dir: string, streamModule: string | undefined): string {
  return [
    '# vrrpd lab: nginx main config; the stream block is the deploy kit\'s',
    ...(streamModule ? [`load_module ${streamModule};`] : []),
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} notice;`,
    'events { worker_connections 1024; }',
    `include ${join(dir, 'stream.conf')};`,
    '',
  ].join('\n');
}
