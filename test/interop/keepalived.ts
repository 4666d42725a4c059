/** keepalived as a lab peer moved to src/lab/keepalived-process.ts (the benches use it too); the interop config stays here. */
import { seedConfig } from '../../src/lab/seed-config.js';

export * from '../../src/lab/keepalived-process.js';

/** keepalived.conf for VI_1 (VRID 251, PASS): the very template vrrpd runs, as keepalived. */
export function kaConfig(o: { state?: 'MASTER' | 'BACKUP'; priority: number; pass?: string; extra?: string; vip?: string; version?: 2 | 3; interval?: number }): string {
  return seedConfig({ ...o, routerId: 'ka', globals: '  script_user root' });
}
