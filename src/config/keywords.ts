/**
 * keepalived keywords vrrpd knows but does not implement, by section (from keepalived.conf(5),
 * v2.2.7). They are reported as ignored instead of unknown, so a typo and a real keepalived
 * feature are told apart.
 */

/** global_defs keys about e-mail: accepted and ignored (info). */
export const GLOBAL_MAIL = new Set([
  'notification_email',
  'notification_email_from',
  'smtp_server',
  'smtp_helo_name',
  'smtp_connect_timeout',
  'smtp_alert',
  'smtp_alert_vrrp',
  'smtp_alert_checker',
  'no_email_faults',
]);

export const GLOBAL_UNSUPPORTED = new Set(
  (
    'net_namespace net_namespace_ipvs namespace_with_ipsets instance use_pid_dir linkbeat_use_polling ' +
    'child_wait_time dynamic_interfaces default_interface lvs_id lvs_sync_daemon lvs_timeouts lvs_flush ' +
    'lvs_flush_on_stop vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat ' +
    'vrrp_gna_interval vrrp_min_garp vrrp_garp_extra_if vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert ' +
    'vrrp_check_unicast_src vrrp_skip_check_adv_addr vrrp_strict vrrp_iptables vrrp_ipsets nftables ' +
    'nftables_priority nftables_ifindex nftables_counters nftables_ipvs nftables_ipvs_priority ' +
    'nftables_ipvs_start_fwmark vrrp_priority checker_priority bfd_priority vrrp_no_swap checker_no_swap ' +
    'bfd_no_swap vrrp_rt_priority checker_rt_priority bfd_rt_priority vrrp_rlimit_rttime checker_rlimit_rttime ' +
    'bfd_rlimit_rttime vrrp_cpu_affinity checker_cpu_affinity bfd_cpu_affinity process_names process_name ' +
    'vrrp_process_name checker_process_name bfd_process_name enable_snmp_vrrp enable_snmp_checker ' +
    'enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_traps snmp_socket enable_dbus ' +
    'dbus_service_name ' +
    'lvs_notify_fifo lvs_notify_fifo_script config_save_dir ' +
    'tmp_config_directory startup_script startup_script_timeout shutdown_script shutdown_script_timeout ' +
    'log_unknown_vrids vmac_prefix vmac_addr_prefix vrrp_down_timer_adverts vrrp_rx_bufs_policy ' +
    'vrrp_rx_bufs_multiplier random_seed checker_log_all_failures max_auto_priority ' +
    'min_auto_priority_delay data_use_instance reload_time_file reload_repeat reload_file include_check ' +
    'disable_local_igmp vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force ' +
    'vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force script_security'
  ).split(' '),
);

export const INSTANCE_UNSUPPORTED = new Set(
  (
    'use_vmac use_vmac_addr vmac_xmit_base use_ipvlan vrf track_bfd ' +
    'track_src_ip mcast_dst_ip check_unicast_src unicast_fault_no_peer unicast_ttl ' +
    'garp_lower_prio_delay garp_lower_prio_repeat garp_extra_if down_timer_adverts lower_prio_no_advert ' +
    'higher_prio_send_advert promote_secondaries virtual_routes virtual_rules ' +
    'skip_check_adv_addr strict_mode debug notify_master_rx_lower_pri ' +
    'notify_deleted kernel_rx_buf_size linkbeat_use_polling lvs_sync_daemon_interface'
  ).split(' '),
);

export const SYNC_GROUP_UNSUPPORTED = new Set(
  'track_bfd notify_deleted global_tracking'.split(
    ' ',
  ),
);

/** Top-level sections vrrpd ignores, with what they belong to (reported once each). */
export const UNIMPLEMENTED_SECTIONS: ReadonlyMap<string, string> = new Map([
  ['virtual_server', 'LVS'],
  ['virtual_server_group', 'LVS'],
  ['real_server', 'LVS'],
  ['bfd_instance', 'BFD'],
  ['static_ipaddress', 'static addresses'],
  ['static_routes', 'static routes'],
  ['static_rules', 'static rules'],
  ['linkbeat_interfaces', 'linkbeat'],
  ['interface_up_down_delays', 'interface debouncing'],
  ['track_group', 'static track groups'],
  ['garp_group', 'GARP groups'],
  ['SSL', 'LVS checkers'],
  ['net_namespace', 'namespaces'],
]);
