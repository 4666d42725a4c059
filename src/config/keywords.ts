/**
 * vrrpd's support for every keyword of keepalived's VRRP side, by section: the one source that
 * `vrrpd check` (dispatch.ts, validate.ts), the tests and the README's keyword table
 * (scripts/keyword-table.ts) read. keepalived's own list, by release, is keepalived-keywords.ts
 * (generated); a test keeps the two in step and checks that the section validators handle
 * exactly the keywords marked supported, differs or extension here.
 *
 * One keyword per line, grouped as keepalived.conf(5) groups them. `pending` names the branch
 * implementing a keyword: the row reads "in progress" until that branch lands and flips it
 * (status 'supported', no `pending`; the test fails while a handled keyword is still marked
 * unsupported). `failover` says whether ignoring the keyword (or the difference) changes
 * failover compared with keepalived: such a warning is class 'failover' (diagnostics.ts) and
 * makes `vrrpd check` exit 3. After changing a row, `npm run keyword-table` rewrites the README's
 * table (test/unit/config/keywords.test.ts fails until it is run).
 */
import { KEEPALIVED_LATER } from './keepalived-keywords.js';

export type Support =
  /** Handled as keepalived does; `note` (README only) says what the handler reports in special cases. */
  | { readonly status: 'supported'; readonly note?: string }
  /** Handled, but vrrpd does not do all keepalived does: "'KEYWORD' `how`" is said wherever the keyword is used. */
  | { readonly status: 'differs'; readonly failover: boolean; readonly how: string; readonly pending?: string }
  /** Not handled: a warning says `what` happens, and the keyword (with its block) is ignored. */
  | { readonly status: 'unsupported'; readonly failover: boolean; readonly what: string; readonly pending?: string }
  /** Accepted and ignored on purpose (a note): `why`. */
  | { readonly status: 'ignored'; readonly why: string }
  /** vrrpd's own keyword; keepalived does not know it. */
  | { readonly status: 'extension'; readonly note: string };

export type KeywordTable = Readonly<Record<string, Support>>;

const FAILOVER = true;
const SAME_FAILOVER = false;
const ok = (note?: string): Support => (note === undefined ? { status: 'supported' } : { status: 'supported', note });
const differs = (failover: boolean, how: string, pending?: string): Support => ({ status: 'differs', failover, how, ...(pending ? { pending } : {}) });
const no = (failover: boolean, what: string, pending?: string): Support => ({ status: 'unsupported', failover, what, ...(pending ? { pending } : {}) });
const quiet = (why: string): Support => ({ status: 'ignored', why });
const LVS = no(SAME_FAILOVER, "keepalived's LVS (IPVS) side is not part of vrrpd; keep keepalived's checker for it");
const BFD = no(SAME_FAILOVER, 'BFD is not part of vrrpd');
const PROCESS = no(SAME_FAILOVER, 'vrrpd runs at the scheduling priority, CPUs and memory locking systemd gives it');
const NAMES = no(SAME_FAILOVER, 'the process keeps its name (node, running vrrpd)');
const NO_SNMP = no(SAME_FAILOVER, 'vrrpd has no SNMP agent (vrrpd status --json, SIGUSR2 statistics)');
const NO_DBUS = no(SAME_FAILOVER, 'vrrpd has no D-Bus interface');
const NO_MAIL = quiet('vrrpd sends no e-mail');
const BUFFERS = no(SAME_FAILOVER, 'socket buffer sizes are the kernel defaults');
const RELOAD = no(SAME_FAILOVER, "vrrpd's reload (SIGHUP) always validates the new file first and keeps the running configuration when it is broken");

/** Top-level keywords: sections and keepalived's process options. */
export const TOP_LEVEL: KeywordTable = {
  // what vrrpd runs
  global_defs: ok(),
  vrrp_instance: ok(),
  vrrp_sync_group: ok(),
  vrrp_script: ok(),
  // trackers keepalived acts on
  vrrp_track_process: ok(),
  track_file: ok(),
  vrrp_track_file: ok('a deprecated synonym of track_file (a note, as keepalived says)'),
  track_group: no(SAME_FAILOVER, 'static track groups are not kept (static addresses, routes and rules are not supported either)'),
  linkbeat_interfaces: no(SAME_FAILOVER, 'vrrpd follows link state from rtnetlink notifications, without polling'),
  interface_up_down_delays: no(FAILOVER, 'a link change acts at once, with no delay before FAULT or recovery'),
  garp_group: no(SAME_FAILOVER, "gratuitous ARPs follow each instance's garp_* settings only"),
  // what keepalived sets up at startup
  static_ipaddress: no(FAILOVER, 'these addresses are not added; configure them with the system (ifupdown, systemd-networkd, netplan)'),
  static_routes: no(FAILOVER, 'these routes are not added; configure them with the system'),
  static_rules: no(FAILOVER, 'these rules are not added; configure them with the system'),
  net_namespace: no(FAILOVER, 'vrrpd runs in the network namespace it is started in (use ip netns exec)'),
  net_namespace_ipvs: LVS,
  namespace_with_ipsets: no(SAME_FAILOVER, 'vrrpd uses no ipsets'),
  use_pid_dir: no(SAME_FAILOVER, 'vrrpd writes no pid file (systemd tracks it; --run-dir holds its lock)'),
  instance: no(SAME_FAILOVER, 'vrrpd names nothing after an instance; use --run-dir to run several'),
  child_wait_time: no(SAME_FAILOVER, 'vrrpd is one process'),
  linkbeat_use_polling: no(SAME_FAILOVER, 'vrrpd follows link state from rtnetlink notifications, without polling'),
  // other keepalived processes
  virtual_server: LVS,
  virtual_server_group: LVS,
  SSL: LVS,
  bfd_instance: BFD,
};

/** global_defs. */
export const GLOBAL_DEFS: KeywordTable = {
  // identity and e-mail
  router_id: ok(),
  notification_email: NO_MAIL,
  notification_email_from: NO_MAIL,
  smtp_server: NO_MAIL,
  smtp_helo_name: NO_MAIL,
  smtp_connect_timeout: NO_MAIL,
  smtp_alert: NO_MAIL,
  smtp_alert_vrrp: NO_MAIL,
  smtp_alert_checker: NO_MAIL,
  no_email_faults: NO_MAIL,
  // scripts
  script_user: ok(),
  enable_script_security: ok('with neither script_user nor a keepalived_script user, vrrpd runs scripts as its own user where keepalived removes them (README, Security)'),
  startup_script: no(SAME_FAILOVER, 'not run'),
  startup_script_timeout: no(SAME_FAILOVER, 'startup_script is not run'),
  shutdown_script: no(SAME_FAILOVER, 'not run'),
  shutdown_script_timeout: no(SAME_FAILOVER, 'shutdown_script is not run'),
  // the VRRP protocol
  vrrp_version: ok(),
  vrrp_mcast_group4: ok(),
  vrrp_mcast_group6: ok(),
  vrrp_strict: ok("keepalived's resets (authentication, state MASTER, accept, preempt_delay, the split-brain knobs), each a warning at the keyword; no_accept as that row says"),
  vrrp_skip_check_adv_addr: no(FAILOVER, 'adverts whose address list differs from ours are still dropped'),
  vrrp_check_unicast_src: quiet('vrrpd always drops unicast adverts whose source is not a unicast_peer'),
  vrrp_down_timer_adverts: no(FAILOVER, 'the master down timer is the RFC\'s 3 advert intervals plus the skew time'),
  vrrp_lower_prio_no_advert: ok(),
  vrrp_higher_prio_send_advert: ok(),
  vrrp_startup_delay: ok('at daemon start, not again at a reload'),
  v3_checksum_as_v2: no(FAILOVER, 'VRRPv3 adverts carry the RFC 5798 checksum (with the pseudo-header)'),
  vrrp_owner_ignore_adverts: no(FAILOVER, 'an address owner (priority 255) still handles adverts'),
  vrrp_delay_after_boot: no(FAILOVER, 'instances start at once after boot'),
  // gratuitous ARP
  vrrp_garp_master_delay: ok(),
  vrrp_garp_master_repeat: ok(),
  vrrp_garp_master_refresh: ok(),
  vrrp_garp_master_refresh_repeat: ok(),
  vrrp_garp_interval: ok('the least gap between two gratuitous ARPs on one interface; IPv6 neighbour advertisements are not spaced by it'),
  vrrp_garp_lower_prio_delay: ok("the instance's own gratuitous ARPs; keepalived also sends its sync group's other members'"),
  vrrp_garp_lower_prio_repeat: ok("the instance's own gratuitous ARPs; keepalived also sends its sync group's other members'"),
  vrrp_gna_interval: no(SAME_FAILOVER, 'the unsolicited neighbour advertisements of a burst go out back to back'),
  vrrp_min_garp: no(SAME_FAILOVER, 'the garp_* settings apply as written'),
  vrrp_garp_extra_if: no(SAME_FAILOVER, 'no extra gratuitous ARPs on other interfaces'),
  vrrp_vmac_garp_intvl: no(SAME_FAILOVER, 'no extra gratuitous ARPs on other interfaces'),
  // virtual MACs and the firewall
  vmac_prefix: no(SAME_FAILOVER, "use_vmac interfaces are named vrrp.<VRID> unless use_vmac names one"),
  vmac_addr_prefix: no(SAME_FAILOVER, "use_vmac interfaces are named vrrp.<VRID> unless use_vmac names one"),
  vrrp_iptables: no(SAME_FAILOVER, "no_accept is always enforced with nftables, in vrrpd's own table 'ip vrrpd'"),
  vrrp_ipsets: no(SAME_FAILOVER, 'vrrpd uses no ipsets (its nftables table holds a set of the VIPs)'),
  nftables: no(SAME_FAILOVER, "no_accept is always enforced in vrrpd's own nftables table, 'ip vrrpd'"),
  nftables_priority: no(SAME_FAILOVER, "vrrpd's nftables chains have priority -1"),
  nftables_ifindex: no(SAME_FAILOVER, "vrrpd's nftables rules match the VIPs on every interface"),
  nftables_counters: no(SAME_FAILOVER, "vrrpd's nftables rules have no counters"),
  // notifications
  notify_fifo: ok(),
  notify_fifo_script: ok(),
  vrrp_notify_fifo: ok(),
  vrrp_notify_fifo_script: ok(),
  vrrp_notify_priority_changes: ok(),
  fifo_write_vrrp_states_on_reload: ok(),
  // vrrpd's own
  vrrpd_metrics: { status: 'extension', note: 'vrrpd_metrics ADDR:PORT: Prometheus metrics on http://ADDR:PORT/metrics (off when absent)' },
  // interfaces
  dynamic_interfaces: quiet('vrrpd always waits for a missing interface (the instance stays in FAULT until it appears)'),
  default_interface: no(SAME_FAILOVER, "every vrrp_instance needs its own 'interface'"),
  disable_local_igmp: no(SAME_FAILOVER, "the interface's IGMP settings are left alone"),
  log_unknown_vrids: no(SAME_FAILOVER, 'adverts for VRIDs vrrpd does not run are counted (statistics), not logged'),
  // the process
  process_names: NAMES,
  process_name: NAMES,
  vrrp_process_name: NAMES,
  max_auto_priority: PROCESS,
  min_auto_priority_delay: PROCESS,
  vrrp_priority: ok("the daemon's nice value, every thread of it; scripts it starts get the nice it started with back. Lowering it needs CAP_SYS_NICE (or the unit's Nice=)"),
  vrrp_no_swap: PROCESS,
  vrrp_rt_priority: ok('SCHED_RR for the thread that runs every VRRP timer, receive and send (the event loop); scripts and threads it starts get SCHED_OTHER (SCHED_RESET_ON_FORK). Needs CAP_SYS_NICE; refused, vrrpd runs on at vrrp_priority'),
  vrrp_cpu_affinity: PROCESS,
  vrrp_rlimit_rttime: ok('RLIMIT_RTTIME while real-time: SIGXCPU (a warning) at half, SIGKILL at the value. Default 1 s and at least 0.5 s, not keepalived\'s 10 ms: vrrpd\'s event loop runs 25-100 ms without sleeping when it starts or takes over many instances (README, Process priority)'),
  vrrp_rlimit_rtime: ok("the deprecated spelling of vrrp_rlimit_rttime, as in keepalived"),
  umask: no(SAME_FAILOVER, "files vrrpd writes have fixed modes (README, Security)"),
  random_seed: no(SAME_FAILOVER, 'vrrpd uses no seeded randomness'),
  vrrp_netlink_cmd_rcv_bufs: BUFFERS,
  vrrp_netlink_cmd_rcv_bufs_force: BUFFERS,
  vrrp_netlink_monitor_rcv_bufs: BUFFERS,
  vrrp_netlink_monitor_rcv_bufs_force: BUFFERS,
  process_monitor_rcv_bufs: BUFFERS,
  process_monitor_rcv_bufs_force: BUFFERS,
  vrrp_rx_bufs_policy: BUFFERS,
  vrrp_rx_bufs_multiplier: BUFFERS,
  iproute_usr_dir: no(SAME_FAILOVER, "ip's own tables are used (ip runs with its defaults)"),
  iproute_etc_dir: no(SAME_FAILOVER, "ip's own tables are used (ip runs with its defaults)"),
  // reloads, dumps and data files
  reload_check_config: quiet('vrrpd always validates a new file before applying it'),
  reload_time_file: RELOAD,
  reload_repeat: RELOAD,
  reload_file: RELOAD,
  include_check: RELOAD,
  config_save_dir: RELOAD,
  tmp_config_directory: RELOAD,
  data_use_instance: no(SAME_FAILOVER, 'dumps go to the runtime directory (--run-dir)'),
  state_dump_file: no(SAME_FAILOVER, 'SIGUSR1 dumps to <run-dir>/vrrpd.state.json'),
  stats_dump_file: no(SAME_FAILOVER, 'SIGUSR2 dumps to <run-dir>/vrrpd.stats.json'),
  json_dump_file: no(SAME_FAILOVER, 'SIGUSR1 dumps JSON to <run-dir>/vrrpd.state.json'),
  json_version: no(SAME_FAILOVER, "vrrpd's dumps have their own JSON format"),
  use_symlink_paths: no(SAME_FAILOVER, 'paths are used as written'),
  // SNMP and D-Bus
  snmp_socket: NO_SNMP,
  enable_traps: NO_SNMP,
  enable_snmp_vrrp: NO_SNMP,
  enable_snmp_keepalived: NO_SNMP,
  enable_snmp_rfc: NO_SNMP,
  enable_snmp_rfcv2: NO_SNMP,
  enable_snmp_rfcv3: NO_SNMP,
  enable_snmp_checker: NO_SNMP,
  snmp_vs_stats_update_interval: NO_SNMP,
  snmp_rs_stats_update_interval: NO_SNMP,
  enable_dbus: NO_DBUS,
  dbus_service_name: NO_DBUS,
  dbus_no_interface_name: NO_DBUS,
  // LVS and BFD processes
  lvs_sync_daemon: LVS,
  lvs_timeouts: LVS,
  lvs_flush: LVS,
  lvs_flush_on_stop: LVS,
  lvs_flush_onstop: LVS,
  lvs_notify_fifo: LVS,
  lvs_notify_fifo_script: LVS,
  lvs_netlink_cmd_rcv_bufs: LVS,
  lvs_netlink_cmd_rcv_bufs_force: LVS,
  lvs_netlink_monitor_rcv_bufs: LVS,
  lvs_netlink_monitor_rcv_bufs_force: LVS,
  lvs_process_name: LVS,
  checker_process_name: LVS,
  checker_priority: LVS,
  checker_no_swap: LVS,
  checker_rt_priority: LVS,
  checker_cpu_affinity: LVS,
  checker_rlimit_rttime: LVS,
  checker_rlimit_rtime: LVS,
  checker_log_all_failures: LVS,
  nftables_ipvs: LVS,
  nftables_ipvs_priority: LVS,
  nftables_ipvs_start_fwmark: LVS,
  rs_init_notifies: LVS,
  no_checker_emails: LVS,
  bfd_process_name: BFD,
  bfd_priority: BFD,
  bfd_no_swap: BFD,
  bfd_rt_priority: BFD,
  bfd_cpu_affinity: BFD,
  bfd_rlimit_rttime: BFD,
  bfd_rlimit_rtime: BFD,
};

/** vrrp_instance. */
export const VRRP_INSTANCE: KeywordTable = {
  // the virtual router
  state: ok(),
  interface: ok(),
  virtual_router_id: ok(),
  priority: ok(),
  advert_int: ok('VRRPv2 rounds to whole seconds, VRRPv3 to 10 ms, as keepalived does'),
  version: ok(),
  virtual_ipaddress: ok('a VIP on another device (dev X) is announced there, as keepalived does'),
  virtual_ipaddress_excluded: ok(),
  no_virtual_ipaddress: no(SAME_FAILOVER, 'the instance is reported as having no virtual_ipaddress'),
  nopreempt: ok(),
  preempt: ok(),
  preempt_delay: ok(),
  accept: ok(),
  no_accept: differs(SAME_FAILOVER, "is enforced by an nftables drop rule, as keepalived does, but in a table of vrrpd's own, 'ip vrrpd' (keepalived's: 'ip keepalived'); without nft the instance waits in FAULT; IPv4 only (an IPv6 instance says so as a failover warning)"),
  authentication: ok('auth_type PASS; AH is refused (an error: the instance is disabled)'),
  auth_hmac: no(FAILOVER, 'adverts are not authenticated; keepalived drops those of a peer without the key'),
  strict_mode: ok("keepalived's resets (authentication, state MASTER, accept, preempt_delay, the split-brain knobs), each a warning at the keyword; no_accept as that row says"),
  skip_check_adv_addr: no(FAILOVER, 'adverts whose address list differs from ours are still dropped'),
  native_ipv6: ok(),
  // adverts: addresses and unicast
  unicast_peer: ok('min_ttl and max_ttl are not supported (a failover warning)'),
  unicast_src_ip: ok('IPv4 adverts carry our own IPv4 header (IP_HDRINCL) from it, IPv6 adverts leave from it (IPV6_PKTINFO)'),
  mcast_src_ip: ok('IPv4 adverts carry our own IPv4 header (IP_HDRINCL) from it, IPv6 adverts leave from it (IPV6_PKTINFO)'),
  mcast_dst_ip: no(FAILOVER, 'adverts go to the vrrp_mcast_group4 group'),
  unicast_ttl: no(FAILOVER, 'unicast adverts are sent with TTL 255'),
  unicast_fault_no_peer: no(FAILOVER, 'an instance without unicast peers uses multicast instead of staying in FAULT'),
  check_unicast_src: quiet('vrrpd always drops unicast adverts whose source is not a unicast_peer'),
  old_unicast_checksum: ok("VRRPv3 unicast: without an argument the old-style checksum is sent, 'never' turns off following a peer that sends it; no effect elsewhere (a warning)"),
  v3_checksum_as_v2: no(FAILOVER, 'VRRPv3 adverts carry the RFC 5798 checksum (with the pseudo-header)'),
  // the split-brain knobs
  higher_prio_send_advert: ok(),
  lower_prio_no_advert: ok(),
  garp_lower_prio_delay: ok("the instance's own gratuitous ARPs; keepalived also sends its sync group's other members'"),
  garp_lower_prio_repeat: ok("the instance's own gratuitous ARPs; keepalived also sends its sync group's other members'"),
  down_timer_adverts: no(FAILOVER, "the master down timer is the RFC's 3 advert intervals plus the skew time"),
  timer_expired_backup: no(FAILOVER, 'a late master does not step down by itself'),
  thread_timer_expired: no(FAILOVER, 'a late master does not step down by itself'),
  owner_ignore_adverts: no(FAILOVER, 'an address owner (priority 255) still handles adverts'),
  // gratuitous ARP
  garp_master_delay: ok(),
  garp_master_repeat: ok(),
  garp_master_refresh: ok(),
  garp_master_refresh_repeat: ok(),
  garp_extra_if: no(SAME_FAILOVER, 'no extra gratuitous ARPs on other interfaces'),
  vmac_garp_intvl: no(SAME_FAILOVER, 'no extra gratuitous ARPs on other interfaces'),
  // virtual MAC, VRF
  use_vmac: differs(SAME_FAILOVER, "makes the macvlan as keepalived does, but keepalived's nftables rules that send its IGMP reports through the base interface are not set up; a MAC of one's own is refused (a warning); IPv4 only (an IPv6 instance says so as a failover warning)"),
  use_vmac_addr: no(FAILOVER, "the virtual addresses stay on the interface, not on a virtual MAC interface"),
  vmac_xmit_base: ok(),
  use_ipvlan: no(FAILOVER, 'the virtual addresses stay on the interface, not on an ipvlan interface'),
  vrf: no(FAILOVER, 'the instance is not bound to the VRF'),
  promote_secondaries: no(FAILOVER, "the interface's promote_secondaries setting is left alone, so removing a VIP can take other addresses of its subnet with it"),
  // tracking
  track_interface: ok(),
  track_script: ok(),
  track_file: ok(),
  track_process: ok(),
  track_bfd: no(FAILOVER, 'BFD sessions are not tracked (no priority change, no FAULT)'),
  track_src_ip: no(FAILOVER, 'the instance does not go to FAULT when its source address goes'),
  dont_track_primary: differs(FAILOVER, 'is ignored: the instance still goes to FAULT when its interface goes down'),
  linkbeat_use_polling: no(SAME_FAILOVER, 'vrrpd follows link state from rtnetlink notifications, without polling'),
  // routes and rules
  virtual_routes: ok('the options a failover uses (any other is an error at its position); IPv4 routes only'),
  virtual_rules: ok("the options a failover uses (any other is an error at its position); IPv4 rules only; without 'preference' the kernel picks one (a warning: keepalived picks its own)"),
  // notifications
  notify_master: ok(),
  notify_backup: ok(),
  notify_fault: ok(),
  notify_stop: ok(),
  notify: ok(),
  notify_deleted: no(SAME_FAILOVER, 'a removed instance runs notify_stop only'),
  notify_master_rx_lower_pri: no(FAILOVER, 'the script does not run when a master hears a lower priority'),
  notify_priority_changes: ok(),
  smtp_alert: differs(SAME_FAILOVER, 'is accepted and ignored: vrrpd sends no e-mail'),
  // the process
  debug: no(SAME_FAILOVER, 'use --log-level debug'),
  kernel_rx_buf_size: BUFFERS,
  lvs_sync_daemon_interface: LVS,
};

/** vrrp_instance's authentication block. */
export const AUTHENTICATION: KeywordTable = {
  auth_type: ok('PASS; AH (RFC 2338) is refused: RFC 3768 removed it'),
  auth_pass: ok('truncated to 8 characters, as keepalived does'),
};

/** vrrp_instance's auth_hmac block (keepalived 2.4.0): the whole block is ignored. */
export const AUTH_HMAC: KeywordTable = {
  key: no(FAILOVER, 'the auth_hmac block is ignored'),
  active_key: no(FAILOVER, 'the auth_hmac block is ignored'),
  time_window: no(FAILOVER, 'the auth_hmac block is ignored'),
  anti_replay: no(FAILOVER, 'the auth_hmac block is ignored'),
  mode: no(FAILOVER, 'the auth_hmac block is ignored'),
};

/** vrrp_sync_group. */
export const VRRP_SYNC_GROUP: KeywordTable = {
  group: ok(),
  notify_master: ok(),
  notify_backup: ok(),
  notify_fault: ok(),
  notify_stop: ok(),
  notify: ok(),
  sync_group_tracking_weight: ok(),
  smtp_alert: differs(SAME_FAILOVER, 'is accepted and ignored: vrrpd sends no e-mail'),
  track_interface: ok(),
  track_script: ok(),
  track_file: ok(),
  track_process: ok(),
  track_bfd: no(FAILOVER, 'BFD sessions are not tracked'),
  global_tracking: no(FAILOVER, "members' tracking weights are set to 0 (use sync_group_tracking_weight)"),
  notify_priority_changes: ok(),
};

/** vrrp_script. */
export const VRRP_SCRIPT: KeywordTable = {
  script: ok(),
  interval: ok('fractions to the millisecond, as keepalived 2.3.2 (a note: 2.2.7 ignores such a line)'),
  timeout: ok('fractions to the millisecond, as keepalived 2.3.2 (a note: 2.2.7 ignores such a line)'),
  weight: ok(),
  rise: ok(),
  fall: ok(),
  user: ok(),
  init_fail: ok(),
  check_tcp: { status: 'extension', note: 'check_tcp HOST:PORT: healthy when a TCP connect succeeds (no fork)' },
};

/** vrrp_track_process. */
export const VRRP_TRACK_PROCESS: KeywordTable = {
  process: ok(),
  param_match: ok(),
  weight: ok(),
  quorum: ok(),
  quorum_max: ok(),
  delay: ok(),
  terminate_delay: ok(),
  fork_delay: ok(),
  full_command: ok(),
};

/** track_file and its older name vrrp_track_file. */
export const TRACK_FILE: KeywordTable = {
  file: ok(),
  weight: ok(),
  init_file: ok(),
};

/** track_group: ignored. */
export const TRACK_GROUP: KeywordTable = {
  group: no(SAME_FAILOVER, 'the track_group block is ignored'),
};

/** garp_group: ignored. */
export const GARP_GROUP: KeywordTable = {
  garp_interval: no(SAME_FAILOVER, 'the garp_group block is ignored'),
  gna_interval: no(SAME_FAILOVER, 'the garp_group block is ignored'),
  interface: no(SAME_FAILOVER, 'the garp_group block is ignored'),
  interfaces: no(SAME_FAILOVER, 'the garp_group block is ignored'),
};

/** Every table by keepalived's section name (keepalived-keywords.ts). */
export const SECTION_TABLES: Readonly<Record<string, KeywordTable>> = {
  top: TOP_LEVEL,
  global_defs: GLOBAL_DEFS,
  vrrp_instance: VRRP_INSTANCE,
  'vrrp_instance authentication': AUTHENTICATION,
  'vrrp_instance auth_hmac': AUTH_HMAC,
  vrrp_sync_group: VRRP_SYNC_GROUP,
  vrrp_script: VRRP_SCRIPT,
  vrrp_track_process: VRRP_TRACK_PROCESS,
  track_file: TRACK_FILE,
  vrrp_track_file: TRACK_FILE,
  track_group: TRACK_GROUP,
  garp_group: GARP_GROUP,
};

const LATER = new Map(KEEPALIVED_LATER.map(([section, keyword, since]) => [`${section} ${keyword}`, since]));

/** The keepalived release that added a keyword after 2.2.7 (keepalived-keywords.ts), or undefined. */
export function keepalivedSince(section: string, keyword: string): string | undefined {
  return LATER.get(`${section} ${keyword}`);
}

/** The support entry of a keyword: own property only (a keyword named 'constructor' is not special). */
export function supportOf(table: KeywordTable, keyword: string): Support | undefined {
  return Object.hasOwn(table, keyword) ? table[keyword] : undefined;
}
