/** keepalived as a lab peer moved to src/lab/keepalived-process.ts (the benches use it too); the interop configs stay here. */
import { dualStackConfig, seedConfig, seedConfig6 } from '../../src/lab/seed-config.js';

export * from '../../src/lab/keepalived-process.js';

/** keepalived.conf for VI_1 (VRID 251, PASS): the very template vrrpd runs, as keepalived. */
export function kaConfig(o: { state?: 'MASTER' | 'BACKUP'; priority: number; pass?: string; extra?: string; vip?: string; version?: 2 | 3; interval?: number }): string {
  return seedConfig({ ...o, routerId: 'ka', globals: '  script_user root' });
}

/** keepalived.conf for VI_6 (VRID 251, IPv6, VRRPv3), or for the dual-stack pair (VI_4 + VI_6 in one sync group). */
export function kaConfig6(o: { state?: 'MASTER' | 'BACKUP'; priority: number; extra?: string; dualStack?: boolean }): string {
  const common = { ...o, routerId: 'ka', globals: '  script_user root' };
  return o.dualStack ? dualStackConfig({ ...common, ...(o.extra ? { extra6: o.extra } : {}) }) : seedConfig6(common);
}
