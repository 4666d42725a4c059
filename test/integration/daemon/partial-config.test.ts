/**
 * An error confined to one vrrp_instance disables that instance alone (config/validate.ts), at
 * startup and at a reload: real daemons in namespaces, two instances each, one of them broken;
 * the good one is elected, runs and fails over, the broken one does not run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../../../src/lab/daemon-process.js';
import { cluster, expectHolders, resetNodes, seedConfig, skipReason, type Cluster, type Node } from './harness.js';

const reason = await skipReason();
const MDI_90 = 3648.4375;
const MARGIN = 1500;
const VIP2 = '192.168.50.200/24';

/** A second instance (VRID 52); `broken` puts an out-of-range priority in it. */
function second(priority: number, broken = false): string {
  return `vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  priority ${broken ? 300 : priority}
  advert_int 1
  virtual_ipaddress {
    ${VIP2}
  }
}
`;
}

/** The first state change of `instance` to `to` logged from index `from` on. */
function waitInstance(n: Node, instance: string, to: string, timeoutMs: number, from = 0): Promise<LogLine> {
  return n.waitFor((l) => l.instance === instance && l.to === to && typeof l.from === 'string', timeoutMs, from);
}

describe.skipIf(reason !== undefined)('a configuration with one broken instance', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster(['op1', 'op2'], 'vtp');
  });
  afterEach(async () => resetNodes(c, ['192.168.50.100/24', VIP2]));
  afterAll(async () => c?.destroy());

  it('at startup: the broken instance is disabled with a positioned error, the good one runs and fails over', async () => {
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    op1.writeConfig(seedConfig({ state: 'MASTER', priority: 100 }) + second(100, true));
    op2.writeConfig(seedConfig({ priority: 90 }) + second(90, true));
    op1.start();
    op2.start();
    await waitInstance(op1, 'VI_1', 'MASTER', 10_000);
    for (const n of [op1, op2]) {
      const error = await n.waitFor((l) => /priority must be an integer from 1 to 255, not '300'/.test(String(l.msg)), 5000);
      expect(error).toMatchObject({ level: 50, file: n.confPath, line: 25 });
      await n.waitFor((l) => l.msg === 'vrrp_instance VI_2 disabled: its configuration has errors (logged above); the rest runs', 5000);
      const status = await n.status();
      expect(status.instances.map((i) => i.name)).toEqual(['VI_1']);
      expect(status.disabled).toEqual([{ section: 'vrrp_instance', name: 'VI_2', file: n.confPath, line: 22, col: 15 }]);
    }
    await op1.waitVipsAdded(3000);
    await expectHolders(c, ['op1']);
    await expectHolders(c, [], { vip: VIP2 });

    const from = op2.logs.length;
    const t0 = Date.now();
    await op1.stop('SIGKILL');
    await op1.host.linkDown();
    const took = await waitInstance(op2, 'VI_1', 'MASTER', MDI_90 + MARGIN, from);
    expect(took.t - t0).toBeLessThan(MDI_90 + MARGIN);
    await expectHolders(c, ['op2'], { except: ['op1'] });
    await expectHolders(c, [], { vip: VIP2 });
  });

  it('at a reload: an instance that becomes broken stops and hands over; the other is kept and still fails over', async () => {
    const op1 = c.node('op1');
    const op2 = c.node('op2');
    const good1 = seedConfig({ state: 'MASTER', priority: 100 });
    op1.writeConfig(good1 + second(100));
    op2.writeConfig(seedConfig({ priority: 90 }) + second(90));
    op1.start();
    op2.start();
    await waitInstance(op1, 'VI_1', 'MASTER', 10_000);
    await waitInstance(op1, 'VI_2', 'MASTER', 10_000);
    await expectHolders(c, ['op1'], { vip: VIP2, timeoutMs: 5000 });

    op1.writeConfig(good1 + second(100, true));
    const from1 = op1.logs.length;
    const from2 = op2.logs.length;
    op1.proc!.kill('SIGHUP');
    const reloaded = await op1.waitFor((l) => l.msg === 'configuration reloaded', 5000, from1);
    expect(reloaded).toMatchObject({ kept: 1, removed: ['VI_2'], disabled: ['VI_2'], added: [], restarted: [] });
    expect(op1.logs.slice(from1).some((l) => l.level === 50 && l.file === op1.confPath && /not '300'/.test(String(l.msg)))).toBe(true);
    // VI_2 left with a priority-0 advert: op2 takes it at once; VI_1 did not move.
    await waitInstance(op2, 'VI_2', 'MASTER', 3000, from2);
    await expectHolders(c, ['op2'], { vip: VIP2 });
    expect(op1.logs.slice(from1).filter((l) => l.instance === 'VI_1' && l.to !== undefined)).toEqual([]);
    expect((await op1.status()).instances.map((i) => [i.name, i.state])).toEqual([['VI_1', 'MASTER']]);

    const from = op2.logs.length;
    await op1.stop('SIGKILL');
    await op1.host.linkDown();
    await waitInstance(op2, 'VI_1', 'MASTER', MDI_90 + MARGIN, from);
    await expectHolders(c, ['op2'], { except: ['op1'] });
  });
});
