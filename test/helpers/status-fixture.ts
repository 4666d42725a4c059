/**
 * A realistic status model for tests of everything that reads it (render, statistics, metrics):
 * built by the daemon's own builder (src/daemon/status.ts) from a router stepped to MASTER at
 * explicit times, a second instance waiting for its interface, an interface and a script.
 */
import { loadConfig } from '../../src/config/load.js';
import { memoryHost } from '../../src/config/memory-host.js';
import { vipSpecs } from '../../src/daemon/build.js';
import { buildStatus } from '../../src/daemon/status.js';
import { Router } from '../../src/protocol/router.js';
import { zeroRouterCounters } from '../../src/protocol/counters.js';
import type { DaemonStatus } from '../../src/status/model.js';
import { zeroInterfaceIoCounters, zeroInstanceIoCounters } from '../../src/status/model.js';
import { routerConfig } from './router-fixtures.js';

const CONF = `
vrrp_script chk_nginx {
  check_tcp 127.0.0.1:7443
  interval 1
  weight -20
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
        trackers: [{ name: 'chk_nginx', kind: 'check_tcp', state: 'healthy', weight: -20, healthy: true, last: check }],
      },
      { conf: vi2, vips: vipSpecs(vi2), facts: undefined, waiting: 'interface eth9: no such device', trackers: [] },
    ],
    interfaces: [
      { name: 'eth0', counters: { ...zeroRouterCounters(), received: 300, ownPackets: 245, vrIdErrors: 1 }, io: { ...zeroInterfaceIoCounters(), socketSent: 245 } },
    ],
    scripts: [{ name: 'chk_nginx', kind: 'check_tcp', state: 'healthy', intervalMs: 1000, timeoutMs: 1000, last: check, stats: { runs: 249, skipped: 0, timeouts: 1, failures: 3 } }],
  });
}
