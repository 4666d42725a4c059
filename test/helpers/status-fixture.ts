/**
 * A realistic status model for tests of everything that reads it (render, statistics, metrics):
 * built by the daemon's own builder (src/daemon/status.ts) from a router stepped to MASTER at
 * explicit times, a second instance waiting for its interface, an interface, and a tracker of every
 * kind (a check_tcp script, an interface, a track_file, a vrrp_track_process).
 */
import { loadConfig } from '../../src/config/load.js';
import { memoryHost } from '../../src/config/memory-host.js';
import { vipSpecs } from '../../src/daemon/build.js';
import { buildStatus } from '../../src/daemon/status.js';
import type { InstanceTracker } from '../../src/daemon/tracking.js';
import { Router } from '../../src/protocol/router.js';
import { zeroRouterCounters } from '../../src/protocol/counters.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { zeroInterfaceIoCounters, zeroInstanceIoCounters } from '../../src/status/model.js';
import type { TrackerInfo } from '../../src/track/tracker.js';
import { routerConfig } from './router-fixtures.js';

const CONF = `
vrrp_script chk_nginx {
  check_tcp 127.0.0.1:7443
  interval 1
  weight -20
}
vrrp_script chk_root {
  script "/usr/local/bin/check root"
  user root
}
track_file drain {
  file /run/vrrpd/drain
  weight 10
}
vrrp_track_process nginx {
  process nginx
  weight 0
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 251
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.168.50.100/24
  }
  track_script {
    chk_nginx
    chk_root
  }
  track_interface {
    eth1 weight -30
  }
  track_file {
    drain
  }
  track_process {
    nginx
  }
}
vrrp_instance VI_2 {
  interface eth9
  virtual_router_id 52
  priority 90
  virtual_ipaddress {
    192.168.60.100/24
  }
}
`;

/** Epoch ms of the fixture's "now". */
export const FIXTURE_WALL = Date.UTC(2026, 10, 30, 10, 0, 0);

export function sampleStatus(): DaemonStatus {
  const conf = loadConfig('/etc/vrrpd/keepalived.conf', memoryHost({ '/etc/vrrpd/keepalived.conf': CONF })).config!;
  const [vi1, vi2] = conf.instances as [(typeof conf.instances)[0], (typeof conf.instances)[0]];
  const router = new Router(routerConfig({ priority: 100 }));
  router.step({ kind: 'startup' }, 1000);
  router.step({ kind: 'timeout' }, 1000 + 3609.375);
  router.counters.advertiseSent = 245;
  router.counters.authFailures = 2;
  const at = { mono: 250_000, wall: FIXTURE_WALL };
  const check = { outcome: { kind: 'ok' as const }, ok: true, startedMs: 249_400, durationMs: 0.3 };
  const stats = { runs: 249, skipped: 0, timeouts: 1, failures: 3 };
  const script: TrackerInfo = { kind: 'vrrp_script', name: 'chk_nginx', health: 'healthy', weight: -20, reverse: false, check: { kind: 'check_tcp', intervalMs: 1000, timeoutMs: 1000, stats, last: check } };
  const disabled: TrackerInfo = {
    kind: 'vrrp_script', name: 'chk_root', health: 'unknown', weight: 0, reverse: false, disabled: 'vrrpd runs as uid 65534 and cannot run scripts as root',
    check: { kind: 'script', intervalMs: 1000, timeoutMs: 1000, stats: { runs: 0, skipped: 0, timeouts: 0, failures: 0 } },
  };
  const link: TrackerInfo = { kind: 'track_interface', name: 'eth1', health: 'healthy', weight: 0, reverse: false, lastResult: 'link up' };
  const file: TrackerInfo = { kind: 'track_file', name: 'drain', health: 'failed', value: 2, weight: 10, reverse: false, lastResult: 'read 2 (inotify)', sinceMs: 240_000 };
  const proc: TrackerInfo = { kind: 'track_process', name: 'nginx', health: 'healthy', value: 2, weight: 0, reverse: false, lastResult: '2 processes running, 1 or more wanted (process events)' };
  // What Tracking.trackers gives for VI_1 (the disabled chk_root is not among them: it never moves the priority).
  const trackers: InstanceTracker[] = [
    { info: script, weight: -20, reverse: false, status: { name: 'chk_nginx', weight: -20, healthy: true } },
    { info: link, weight: -30, reverse: false, status: { name: 'interface eth1', weight: -30, healthy: true } },
    { info: file, weight: 10, reverse: false, status: { name: 'file drain', weight: 20, healthy: true } },
    { info: proc, weight: 0, reverse: false, status: { name: 'process nginx', weight: 0, healthy: true } },
  ];
  return buildStatus({
    at,
    process: { pid: 4242, version: '0.1.0', node: '20.19.0', config: '/etc/vrrpd/keepalived.conf', runDir: '/run/vrrpd', startedMono: 900, metrics: { listen: '127.0.0.1:9657' }, log: { linesDropped: 3, lost: 'EPIPE' } },
    slots: [
      {
        conf: vi1,
        vips: vipSpecs(vi1),
        facts: {
          router: router.snapshot(),
          io: { ...zeroInstanceIoCounters(), garpSent: 10 },
          transitions: [
            { from: 'INIT', to: 'BACKUP', reason: 'startup', count: 1 },
            { from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer', count: 1 },
          ],
          vips: vipSpecs(vi1).map((vip) => ({ vip, present: true })),
          vipsSettled: true,
        },
        waiting: undefined,
        trackers,
      },
      { conf: vi2, vips: vipSpecs(vi2), facts: undefined, waiting: 'interface eth9: no such device', trackers: [] },
    ],
    interfaces: [
      { name: 'eth0', counters: { ...zeroRouterCounters(), received: 300, ownPackets: 245, vrIdErrors: 1 }, io: { ...zeroInterfaceIoCounters(), socketSent: 245 } },
    ],
    objects: [script, link, file, proc, disabled],
    disabled: [{ section: 'vrrp_instance', name: 'VI_3', pos: { file: '/etc/vrrpd/conf.d/vi3.conf', line: 4, col: 1 } }],
  });
}
