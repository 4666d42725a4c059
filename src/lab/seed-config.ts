/**
 * The seed's VRRP instance as keepalived.conf text (VI_1 on eth0, VRID 251, PASS auth, advert_int
 * 1, one VIP), with knobs: what the tests, the benches and the interop suite run, for vrrpd and
 * keepalived alike. The same instance over IPv6 (`seedConfig6`: VRRPv3, the link-local VIP first)
 * and both in one sync group (`dualStackConfig`) serve the IPv6 and dual-stack tests. The demo
 * runs the deploy kit's own files instead (src/lab/configs.ts). With `version: 3` global_defs
 * says `vrrp_version 3`; the authentication block stays, and both daemons ignore it with a
 * warning (RFC 5798 has no authentication).
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

/** The seed's IPv6 VIPs: the link-local one first (RFC 5798 §5.2.9), then the global one. */
export const SEED_VIPS6: readonly string[] = ['fe80::100/64', 'fd00:50::100/64'];

export function seedConfig(o: SeedConfigOptions): string {
  return `${globalDefs(o)}
${o.scripts ?? ''}
${instance('VI_1', o, [o.vip ?? '192.168.50.100/24'], o.pass ?? 'PASS', o.extra)}`;
}

export interface SeedConfig6Options extends Omit<SeedConfigOptions, 'vip' | 'pass'> {
  /** Default SEED_VIPS6. */
  readonly vips?: readonly string[];
}

/** The seed's instance over IPv6: VI_6, VRID 251, VRRPv3 (no authentication), SEED_VIPS6. */
export function seedConfig6(o: SeedConfig6Options): string {
  return `${globalDefs(o)}
${o.scripts ?? ''}
${instance('VI_6', o, o.vips ?? SEED_VIPS6, undefined, o.extra)}`;
}

export interface DualStackOptions extends Omit<SeedConfigOptions, 'extra'> {
  readonly vips6?: readonly string[];
  /** More lines for VI_4 / VI_6. */
  readonly extra4?: string;
  readonly extra6?: string;
}

/**
 * The seed's HA pair in dual stack: VI_4 (IPv4, the seed's instance) and VI_6 (IPv6) with the same
 * VRID 251, in one vrrp_sync_group VG_1 so they move together.
 */
export function dualStackConfig(o: DualStackOptions): string {
  return `${globalDefs(o)}
${o.scripts ?? ''}
vrrp_sync_group VG_1 {
  group {
    VI_4
    VI_6
  }
}
${instance('VI_4', o, [o.vip ?? '192.168.50.100/24'], o.pass ?? 'PASS', o.extra4)}
${instance('VI_6', o, o.vips6 ?? SEED_VIPS6, undefined, o.extra6)}`;
}

function globalDefs(o: Pick<SeedConfigOptions, 'routerId' | 'globals' | 'version'>): string {
  return `global_defs {
  router_id ${o.routerId ?? 'test'}
  vrrp_garp_master_delay 1
${o.version !== undefined ? `  vrrp_version ${o.version}\n` : ''}${o.globals ?? ''}
}`;
}

/** One vrrp_instance; `pass` undefined: no authentication block (VRRPv3). */
function instance(name: string, o: Pick<SeedConfigOptions, 'state' | 'priority' | 'interval'>, vips: readonly string[], pass: string | undefined, extra: string | undefined): string {
  const auth = pass === undefined ? '' : `  authentication {
    auth_type PASS
    auth_pass ${pass}
  }
`;
  return `vrrp_instance ${name} {
  state ${o.state ?? 'BACKUP'}
  interface eth0
  virtual_router_id 251
  priority ${o.priority}
  advert_int ${o.interval ?? 1}
${auth}  virtual_ipaddress {
${vips.map((v) => `    ${v}`).join('\n')}
  }
${extra ?? ''}
}
`;
}
