/**
 * The scale bench's keepalived.conf, read alike by vrrpd and keepalived: N instances VI_1..VI_N
 * on eth0, VRIDs 1..N, advert_int 1, PASS auth, one VIP each (10.77.0.0/16, /32).
 */

/** The VIP of VRID `vrid` (1..255). */
export function scaleVip(vrid: number): string {
  return `10.77.${vrid >> 8}.${vrid & 0xff}`;
}

export function scaleConfig(o: { instances: number; priority: number; state: 'MASTER' | 'BACKUP'; routerId: string; globals?: readonly string[] }): string {
  const blocks = Array.from(
    { length: o.instances },
    (_, i) => `vrrp_instance VI_${i + 1} {
  state ${o.state}
  interface eth0
  virtual_router_id ${i + 1}
  priority ${o.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass PASS
  }
  virtual_ipaddress {
    ${scaleVip(i + 1)}/32
  }
}
`,
  );
  return `global_defs {
  router_id ${o.routerId}
  script_user root
${(o.globals ?? []).map((l) => `  ${l}\n`).join('')}}
${blocks.join('')}`;
}
