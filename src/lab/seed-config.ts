/**
 * The seed's VRRP instance as keepalived.conf text (VI_1 on eth0, VRID 251, PASS auth, advert_int
 * 1, one VIP), with knobs: what the tests, the benches and the interop suite run, for vrrpd and
 * keepalived alike. The demo runs the deploy kit's own files instead (src/lab/configs.ts).
 * With `version: 3` global_defs says `vrrp_version 3`; the authentication block stays, and both
 * daemons ignore it with a warning (RFC 5798 has no authentication).
 */
export interface SeedConfigOptions {
  readonly priority: number;
  readonly state?: 'MASTER' | 'BACKUP';
  readonly routerId?: string;
  /** Default 192.168.50.100/24. */
  readonly vip?: string;
  /** Default PASS. */
  readonly pass?: string;
  /** advert_int in seconds, default 1. */
  readonly interval?: number;
  /** `vrrp_version` in global_defs; left out (VRRPv2, the default) when undefined. */
  readonly version?: 2 | 3;
  /** More global_defs lines. */
  readonly globals?: string;
  /** vrrp_script blocks, before the instance. */
  readonly scripts?: string;
  /** More vrrp_instance lines. */
  readonly extra?: string;
}

export function seedConfig(o: SeedConfigOptions): string {
  return `global_defs {
  router_id ${o.routerId ?? 'test'}
  vrrp_garp_master_delay 1
${o.version !== undefined ? `  vrrp_version ${o.version}\n` : ''}${o.globals ?? ''}
}
${o.scripts ?? ''}
vrrp_instance VI_1 {
  state ${o.state ?? 'BACKUP'}
  interface eth0
  virtual_router_id 251
  priority ${o.priority}
  advert_int ${o.interval ?? 1}
  authentication {
    auth_type PASS
    auth_pass ${o.pass ?? 'PASS'}
  }
  virtual_ipaddress {
    ${o.vip ?? '192.168.50.100/24'}
  }
${o.extra ?? ''}
}
`;
}
