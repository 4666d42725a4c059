/**
 * The Prometheus metrics: every counter of the models is exposed without being named twice, names
 * are stable (dashboards and alert rules use them), and a real consumer (promtool) accepts the text.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/daemon/metrics-registry.js';
import { DROP_REASONS, INSTANCE_COUNTERS, ROUTER_COUNTERS } from '../../../src/protocol/counters.js';
import { INSTANCE_IO_COUNTERS, INTERFACE_IO_COUNTERS, SCRIPT_COUNTERS, type DaemonStatus } from '../../../src/status/model.js';
import { HISTOGRAMS, metricDefs, snakeCase } from '../../../src/status/metrics.js';
import { sampleStatus } from '../../helpers/status-fixture.js';

const promtool = spawnSync('promtool', ['--version']).status === 0;

/** `name{labels} value` lines of an exposition text, comments left out. */
function series(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('metrics from the status model', () => {
  const defs = metricDefs();
  const names = defs.map((d) => d.name);

  it('every counter of every model is a metric or a drop reason, once', () => {
    const reasons = new Set(Object.values(DROP_REASONS).map((d) => d.counter as string));
    const covered = (key: string, prefix: string, benign: boolean): boolean => names.includes(`${prefix}${snakeCase(key)}_total`) || (!benign && reasons.has(key));
    for (const [k, spec] of Object.entries(INSTANCE_COUNTERS)) expect(covered(k, 'vrrpd_', 'benign' in spec), k).toBe(true);
    for (const [k, spec] of Object.entries(ROUTER_COUNTERS)) expect(covered(k, 'vrrpd_interface_', 'benign' in spec), k).toBe(true);
    for (const k of Object.keys(INSTANCE_IO_COUNTERS)) expect(names).toContain(`vrrpd_${snakeCase(k)}_total`);
    for (const k of Object.keys(INTERFACE_IO_COUNTERS)) expect(names).toContain(`vrrpd_interface_${snakeCase(k)}_total`);
    for (const k of Object.keys(SCRIPT_COUNTERS)) expect(names).toContain(`vrrpd_script_${snakeCase(k)}_total`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('names are stable: a rename breaks dashboards and alert rules, so it shows up here', () => {
    expect([...names, ...Object.values(HISTOGRAMS).map((h) => h.name)].sort()).toMatchInlineSnapshot(`
      [
        "vrrpd_advert_send_errors_total",
        "vrrpd_advertise_rcvd_total",
        "vrrpd_advertise_sent_total",
        "vrrpd_adverts_dropped_total",
        "vrrpd_become_backup_total",
        "vrrpd_become_fault_total",
        "vrrpd_become_master_total",
        "vrrpd_build_info",
        "vrrpd_check_duration_seconds",
        "vrrpd_config_section_disabled",
        "vrrpd_discarded_not_running_total",
        "vrrpd_garp_failures_total",
        "vrrpd_garp_sent_total",
        "vrrpd_instance_base_priority",
        "vrrpd_instance_effective_priority",
        "vrrpd_instance_info",
        "vrrpd_instance_link_up",
        "vrrpd_instance_master_priority",
        "vrrpd_instance_state",
        "vrrpd_instance_state_since_timestamp_seconds",
        "vrrpd_instance_vip_present",
        "vrrpd_instance_waiting",
        "vrrpd_interface_own_packets_total",
        "vrrpd_interface_packets_dropped_total",
        "vrrpd_interface_received_total",
        "vrrpd_interface_socket_recv_errors_total",
        "vrrpd_interface_socket_rx_unstamped_total",
        "vrrpd_interface_socket_send_errors_total",
        "vrrpd_interface_socket_sent_total",
        "vrrpd_log_lines_dropped_total",
        "vrrpd_old_unicast_checksum_rcvd_total",
        "vrrpd_priority_zero_pkts_rcvd_total",
        "vrrpd_priority_zero_pkts_sent_total",
        "vrrpd_script_failures_total",
        "vrrpd_script_runs_total",
        "vrrpd_script_skipped_total",
        "vrrpd_script_state",
        "vrrpd_script_timeouts_total",
        "vrrpd_source_changes_total",
        "vrrpd_timer_late_total",
        "vrrpd_timer_lateness_seconds",
        "vrrpd_tracker_healthy",
        "vrrpd_tracker_state",
        "vrrpd_tracker_value",
        "vrrpd_tracker_weight",
        "vrrpd_transitions_total",
        "vrrpd_vip_add_failures_total",
        "vrrpd_vip_remove_failures_total",
        "vrrpd_vip_restored_total",
      ]
    `);
  });

  it('no label is called `instance` (Prometheus owns it) and counters end in _total', () => {
    for (const d of defs) {
      expect(d.labels).not.toContain('instance');
      expect(d.name.endsWith('_total')).toBe(d.type === 'counter');
    }
  });

  it('a scrape shows the state, priorities, transitions, drops by reason and the histograms', async () => {
    const r = new MetricsRegistry(() => sampleStatus());
    r.observe('checkDuration', { script: 'chk_nginx', kind: 'check_tcp' }, 0.0003);
    r.observe('timerLateness', { vrrp_instance: 'VI_1', vrid: '251', interface: 'eth0' }, 0.0004);
    const lines = series(await r.metrics());
    const vi1 = 'vrrp_instance="VI_1",vrid="251",interface="eth0"';
    expect(lines).toEqual(
      expect.arrayContaining([
        `vrrpd_instance_state{${vi1},state="MASTER"} 1`,
        `vrrpd_instance_state{${vi1},state="BACKUP"} 0`,
        'vrrpd_instance_state{vrrp_instance="VI_2",vrid="52",interface="eth9",state="FAULT"} 1',
        `vrrpd_instance_effective_priority{${vi1}} 100`,
        `vrrpd_transitions_total{${vi1},from="BACKUP",to="MASTER",reason="master-down-timer"} 1`,
        `vrrpd_adverts_dropped_total{${vi1},reason="auth-failure"} 2`,
        `vrrpd_advertise_sent_total{${vi1}} 245`,
        `vrrpd_garp_sent_total{${vi1}} 10`,
        'vrrpd_interface_packets_dropped_total{interface="eth0",reason="vrid"} 1',
        'vrrpd_interface_own_packets_total{interface="eth0"} 245',
        'vrrpd_script_state{script="chk_nginx",kind="check_tcp",state="healthy"} 1',
        'vrrpd_script_timeouts_total{script="chk_nginx",kind="check_tcp"} 1',
        'vrrpd_check_duration_seconds_bucket{le="0.0005",script="chk_nginx",kind="check_tcp"} 1',
        `vrrpd_timer_lateness_seconds_count{${vi1}} 1`,
        // Every tracker kind: its state, weight as applied and health for the instance.
        `vrrpd_tracker_state{${vi1},tracker="chk_nginx",kind="check_tcp",state="healthy"} 1`,
        `vrrpd_tracker_state{${vi1},tracker="eth1",kind="interface",state="up"} 1`,
        `vrrpd_tracker_weight{${vi1},tracker="eth1",kind="interface"} -30`,
        `vrrpd_tracker_state{${vi1},tracker="drain",kind="file",state="failed"} 1`,
        `vrrpd_tracker_value{${vi1},tracker="drain",kind="file"} 2`,
        `vrrpd_tracker_weight{${vi1},tracker="drain",kind="file"} 20`,
        `vrrpd_tracker_healthy{${vi1},tracker="drain",kind="file"} 1`,
        `vrrpd_tracker_state{${vi1},tracker="nginx",kind="process",state="healthy"} 1`,
        `vrrpd_tracker_value{${vi1},tracker="nginx",kind="process"} 2`,
        `vrrpd_tracker_healthy{${vi1},tracker="nginx",kind="process"} 1`,
        'vrrpd_script_state{script="chk_root",kind="script",state="disabled"} 1',
        'vrrpd_config_section_disabled{section="vrrp_instance",name="VI_3"} 1',
      ]),
    );
    expect(lines.some((l) => l.startsWith('process_resident_memory_bytes '))).toBe(true);
    expect(lines.some((l) => l.startsWith('nodejs_eventloop_lag_seconds '))).toBe(true);
  });

  it('series of an instance removed by a reload go away, histograms included', async () => {
    let s: DaemonStatus = sampleStatus();
    const r = new MetricsRegistry(() => s);
    r.observe('timerLateness', { vrrp_instance: 'VI_1', vrid: '251', interface: 'eth0' }, 0.001);
    expect((await r.metrics()).includes('vrrp_instance="VI_1"')).toBe(true);
    s = { ...s, instances: s.instances.filter((i) => i.name !== 'VI_1') };
    expect((await r.metrics()).includes('vrrp_instance="VI_1"')).toBe(false);
  });

  it.skipIf(!promtool)('promtool check metrics accepts a scrape (Debian package prometheus)', async () => {
    const r = new MetricsRegistry(() => sampleStatus());
    r.observe('checkDuration', { script: 'chk_nginx', kind: 'check_tcp' }, 0.0003);
    const out = execFileSync('promtool', ['check', 'metrics'], { input: await r.metrics(), encoding: 'utf8' });
    expect(out).toBe('');
  });
});
