/** vrrpd daemons for the benches (src/lab/daemon-process.ts) and the seed's config. */
import { DaemonProcess } from '../../src/lab/daemon-process.js';
import type { LabHost } from '../../src/lab/netns.js';
import { CLI } from './paths.js';

export type { LogLine } from '../../src/lab/daemon-process.js';

/** A daemon in a bench's lab namespace. */
export class Daemon extends DaemonProcess {
  constructor(host: LabHost, dir: string) {
    super(host, dir, CLI);
  }
}

/** The seed's instance (VRID 251, PASS) with knobs for the benches. */
export function instanceConfig(o: { state?: 'MASTER' | 'BACKUP'; priority: number; extra?: string; scripts?: string }): string {
  return `global_defs {
  router_id bench
  vrrp_garp_master_delay 1
}
${o.scripts ?? ''}
vrrp_instance VI_1 {
  state ${o.state ?? 'BACKUP'}
  interface eth0
  virtual_router_id 251
  priority ${o.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass PASS
  }
  virtual_ipaddress {
    192.168.50.100/24
  }
${o.extra ?? ''}
}
`;
}
