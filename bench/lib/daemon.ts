/** vrrpd daemons for the benches (src/lab/daemon-process.ts) and the seed's config. */
import { DaemonProcess } from '../../src/lab/daemon-process.js';
import { seedConfig, seedConfig6 } from '../../src/lab/seed-config.js';
import type { LabHost } from '../../src/lab/netns.js';
import { CLI } from './paths.js';

export type { LogLine } from '../../src/lab/daemon-process.js';

/**
 * Variables of the shell running a bench that a deployed daemon does not get (the systemd unit
 * sets none of them) and that change what the bench measures: with NODE_EXTRA_CA_CERTS node parses
 * that CA bundle and builds a root certificate store before any JavaScript runs, +1.6-2.4 MB of RSS
 * with this machine's 144 certificates (docs/performance.md, "glibc malloc").
 */
export const NOT_DEPLOYED: readonly string[] = ['NODE_EXTRA_CA_CERTS'];

/** The bench's environment without NOT_DEPLOYED: what every vrrpd a bench starts gets unless told otherwise. */
export function deployedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of NOT_DEPLOYED) delete env[name];
  return env;
}

/** A daemon in a bench's lab namespace (with the node flags of the vrrpd bin unless told otherwise). */
export class Daemon extends DaemonProcess {
  /** `cli`: another build's vrrpd.js (bench:scale --vrrpd-at); this build's bin by default. */
  constructor(host: LabHost, dir: string, cli: string = CLI) {
    super(host, dir, cli);
  }

  /** As DaemonProcess's, in deployedEnv() unless `opts.env` is given. */
  override start(extra: string[] = [], opts: Parameters<DaemonProcess['start']>[1] = {}): void {
    super.start(extra, { ...opts, env: opts.env ?? deployedEnv() });
  }
}

/** The seed's instance (VRID 251, PASS) for the benches. */
export function instanceConfig(o: {
  state?: 'MASTER' | 'BACKUP';
  priority: number;
  extra?: string | undefined;
  scripts?: string | undefined;
  /** vrrp_version in global_defs (keepalived's default, 2, when absent). */
  version?: 2 | 3 | undefined;
  /** advert_int in seconds (1 when absent). */
  interval?: number | undefined;
  /** ipv6: the seed's instance over IPv6 (VI_6, VRRPv3, its link-local VIP first). */
  family?: 'ipv4' | 'ipv6' | undefined;
  /** More global_defs lines. */
  globals?: readonly string[] | undefined;
}): string {
  return (o.family === 'ipv6' ? seedConfig6 : seedConfig)({
    routerId: 'bench',
    priority: o.priority,
    ...(o.state ? { state: o.state } : {}),
    ...(o.extra ? { extra: o.extra } : {}),
    ...(o.scripts ? { scripts: o.scripts } : {}),
    ...(o.version !== undefined ? { version: o.version } : {}),
    ...(o.interval !== undefined ? { interval: o.interval } : {}),
    ...(o.globals?.length ? { globals: o.globals.map((l) => `  ${l}\n`).join('') } : {}),
  });
}
