/** Test configurations for IPv6 and dual stack, shared by the config, io, simulator and conformance tests. */

/** The seed's HA pair as a dual-stack pair: one IPv4 and one IPv6 instance, one VRID, one sync group. */
export const DUAL_STACK = `global_defs {
  router_id op1
  vrrp_version 2
}
vrrp_sync_group VG_1 {
  group {
    VI_4
    VI_6
  }
}
vrrp_instance VI_4 {
  state MASTER
  interface eth0
  virtual_router_id 251
  priority 100
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass op251vip
  }
  virtual_ipaddress {
    192.168.10.100/24
  }
}
vrrp_instance VI_6 {
  state MASTER
  interface eth0
  virtual_router_id 251
  priority 100
  advert_int 1
  virtual_ipaddress {
    fe80::100/64
    fd00:10::100/64
  }
}
`;
