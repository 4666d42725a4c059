/** The status model as the daemon builds it, as `vrrpd status` prints it, and its statistics part. */
import { describe, expect, it } from 'vitest';
import { isDaemonStatus, statisticsOf } from '../../../src/status/model.js';
import { renderStatus } from '../../../src/status/render.js';
import { FIXTURE_WALL, sampleStatus } from '../../helpers/status-fixture.js';

describe('status model', () => {
  const s = sampleStatus();

  it('carries both clocks for every moment: since when an instance is in its state, the last check', () => {
    const vi1 = s.instances[0]!;
    expect(vi1).toMatchObject({ name: 'VI_1', state: 'MASTER', reason: 'master-down-timer', basePriority: 100, masterIp: '192.168.50.2', masterPriority: 100 });
    expect(vi1.since).toEqual({ monotonicMs: 4609.375, wallMs: Math.round(FIXTURE_WALL - (250_000 - 4609.375)), agoMs: 250_000 - 4609.375 });
    expect(vi1.trackers[0]!.last).toEqual({ ok: true, result: 'succeeded', durationMs: 0.3, at: { monotonicMs: 249_400.3, wallMs: Math.round(FIXTURE_WALL - 599.7), agoMs: 250_000 - 249_400.3 } });
    expect(s.process.startedAt.agoMs).toBe(249_100);
  });

  it('shows every tracker kind an instance counts, each under the weight it applies (the disabled script is not one)', () => {
    expect(s.instances[0]!.trackers.map((t) => [t.name, t.kind, t.state, t.weight, t.healthy, t.value])).toEqual([
      ['chk_nginx', 'check_tcp', 'healthy', -20, true, undefined],
      ['eth1', 'interface', 'up', -30, true, undefined],
      ['drain', 'file', 'failed', 20, true, 2],
      ['nginx', 'process', 'healthy', 0, true, 2],
    ]);
    expect(s.instances[0]!.trackers[2]!.since).toEqual({ monotonicMs: 240_000, wallMs: FIXTURE_WALL - 10_000, agoMs: 10_000 });
    expect(s.scripts.map((x) => [x.name, x.state, x.disabled])).toEqual([
      ['chk_nginx', 'healthy', undefined],
      ['chk_root', 'disabled', 'vrrpd runs as uid 65534 and cannot run scripts as root'],
    ]);
  });

  it('an instance that is not running is FAULT with why, its counters at zero, its VIPs absent', () => {
    expect(s.instances[1]).toMatchObject({ name: 'VI_2', state: 'FAULT', waiting: 'interface eth9: no such device', vips: [{ address: '192.168.60.100/24', present: false }] });
    expect(Object.values(s.instances[1]!.counters).every((v) => v === 0)).toBe(true);
  });

  it('a section disabled by its own errors is listed with where it is defined', () => {
    expect(s.disabled).toEqual([{ section: 'vrrp_instance', name: 'VI_3', file: '/etc/vrrpd/conf.d/vi3.conf', line: 4, col: 1 }]);
  });

  it('survives JSON (what the socket and the dumps carry) and is recognised on the way back', () => {
    const back: unknown = JSON.parse(JSON.stringify(s));
    expect(isDaemonStatus(back)).toBe(true);
    expect(back).toEqual(s);
    expect(isDaemonStatus({ pid: 1, instances: [] })).toBe(false);
  });

  it('statistics: every counter and nothing else (the SIGUSR2 dump)', () => {
    const st = statisticsOf(s);
    expect(st.instances[0]).toEqual({ name: 'VI_1', vrid: 251, interface: 'eth0', counters: s.instances[0]!.counters, io: s.instances[0]!.io, transitions: s.instances[0]!.transitions });
    expect(st.interfaces).toEqual([{ name: 'eth0', counters: s.interfaces[0]!.counters, io: s.interfaces[0]!.io }]);
    expect(st.scripts).toEqual([
      { name: 'chk_nginx', counters: { runs: 249, skipped: 0, timeouts: 1, failures: 3 } },
      { name: 'chk_root', counters: { runs: 0, skipped: 0, timeouts: 0, failures: 0 } },
    ]);
    expect(st.uptimeMs).toBe(249_100);
    expect(st.log).toEqual({ linesDropped: 3, lost: 'EPIPE' });
  });

  it('`vrrpd status` prints it as a person reads it', () => {
    expect(renderStatus(s)).toBe(
      [
        'vrrpd 0.1.0 (pid 4242, node 20.19.0), up 4m09s; config /etc/vrrpd/keepalived.conf',
        'log: 3 lines dropped, stdout lost (EPIPE)',
        'metrics: http://127.0.0.1:9657/metrics',
        '',
        'VI_1: MASTER since 2026-11-30 09:55:54Z (4m05s ago): master-down-timer (no master heard)',
        '  eth0, VRID 251, VRRPv2 IPv4, advert interval 1 s from 192.168.50.2',
        '  priority 100; master 192.168.50.2 priority 100',
        '  VIPs: 192.168.50.100/24 in place',
        '  track: chk_nginx (check_tcp), weight -20: healthy; last check succeeded in 0.3 ms, 0.6s ago',
        '         eth1, weight -30: up',
        '         drain (file), weight 20: value 2 => +20; read 2 (inotify), changed 10.0s ago',
        '         nginx (process), weight 0: healthy; 2 processes running, 1 or more wanted (process events)',
        '  counters: becomeMaster=1 becomeBackup=1 advertiseSent=245',
        '  dropped: auth-failure=2',
        '  io: garpSent=10',
        '  transitions: INIT->BACKUP/startup=1 BACKUP->MASTER/master-down-timer=1',
        '',
        'VI_2: FAULT (not running: interface eth9: no such device)',
        '  eth9, VRID 52, VRRPv2 IPv4, advert interval 1 s',
        '  priority 90; no master known',
        '  VIPs: 192.168.60.100/24 absent',
        '',
        'not running, disabled by their configuration errors (see vrrpd check):',
        '  vrrp_instance VI_3 (/etc/vrrpd/conf.d/vi3.conf:4:1)',
        '',
        'interface eth0: received=300 ownPackets=245; dropped: vrid=1; sockets: socketSent=245',
        'script chk_nginx (check_tcp, every 1.00 s, timeout 1.00 s): healthy; last check succeeded in 0.3 ms, 0.6s ago; runs=249 timeouts=1 failures=3',
        'script chk_root (script): disabled: vrrpd runs as uid 65534 and cannot run scripts as root',
      ].join('\n'),
    );
  });
});
