/**
 * The demo's scenarios, each a step of actions on the running lab, the condition that ends it,
 * the node that must hold the VIP afterwards, and the RFC bound its client outage is judged
 * against (timers read from the lab's own configs, i.e. the deploy kit's; formulas from
 * src/protocol/timers.ts for the configs' VRRP version).
 */
import { masterDownIntervalMs, skewTimeMs } from '../protocol/timers.js';
import type { LabRun } from './lab.js';
import { sleep, waitFor } from './procs.js';
import type { OpName } from './topology.js';

export interface Timers {
  readonly version: 2 | 3;
  /** Virtual addresses each node adds when it becomes master (3 in dual stack: one IPv4, two IPv6). */
  readonly vipCount?: number;
  readonly adverIntervalCs: number;
  readonly priority: Record<OpName, number>;
  readonly checkIntervalMs: number;
  readonly fall: number;
  readonly rise: number;
}

export interface Step {
  readonly id: string;
  readonly title: string;
  readonly act: (lab: LabRun, note: (s: string) => void) => Promise<void>;
  /** The step is over when this holds (polled). */
  readonly done: (lab: LabRun) => Promise<boolean>;
  readonly expectHolder: OpName;
  /** The VIP must not move during the step (scenario 4). */
  readonly noMove?: boolean;
  readonly boundMs: number;
  readonly boundText: string;
  readonly marginMs: number;
  /** Actions after the measured window (not judged), e.g. restarting the killed apiserver. */
  readonly after?: (lab: LabRun) => Promise<void>;
}

const holds = (op: OpName) => async (lab: LabRun): Promise<boolean> => {
  const h = await lab.vipHolders();
  return h.length === 1 && h[0] === op;
};

const FAILOVER_MARGIN_MS = 500;
const NO_OUTAGE_MARGIN_MS = 300;
/** Per extra virtual address: one more `ip addr add` fork on a busy machine (measured 200-450 ms under load). */
const VIP_FORK_MARGIN_MS = 150;

export function scenarios(t: Timers): Step[] {
  const mdi2 = masterDownIntervalMs(t.version, t.priority.op2, t.adverIntervalCs);
  const skew2 = skewTimeMs(t.version, t.priority.op2, t.adverIntervalCs);
  const adverMs = t.adverIntervalCs * 10;
  const s = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
  // The old master drops its addresses at once, the new one adds them with `ip` (a fork each):
  // with more addresses the last one comes later, so the margin grows with them.
  const noOutageMargin = NO_OUTAGE_MARGIN_MS + VIP_FORK_MARGIN_MS * ((t.vipCount ?? 1) - 1);
  const back = (id: string, title: string, act: Step['act']): Step => ({
    id, title, act, done: holds('op1'), expectHolder: 'op1',
    boundMs: 0, boundText: '0 (op2 serves until op1 preempts)', marginMs: noOutageMargin,
  });
  return [
    {
      id: '1a', title: 'nginx stopped on the master',
      act: async (lab) => lab.stopNginx('op1'),
      done: holds('op2'), expectHolder: 'op2',
      boundMs: t.fall * t.checkIntervalMs + mdi2,
      boundText: `fall x interval + Master_Down_Interval = ${t.fall} x ${s(t.checkIntervalMs)} + ${s(mdi2)}`,
      marginMs: FAILOVER_MARGIN_MS,
    },
    back('1b', 'nginx back: op1 preempts', async (lab) => lab.startNginx('op1')),
    {
      id: '2a', title: "master's power cut (kill -9, link down)",
      act: async (lab) => {
        await lab.stopVrrpd('op1', 'SIGKILL');
        await lab.link('op1', false);
      },
      done: holds('op2') as Step['done'], expectHolder: 'op2',
      boundMs: mdi2, boundText: `Master_Down_Interval = 3 x ${s(adverMs)} + Skew_Time ${s(skew2)}`,
      marginMs: FAILOVER_MARGIN_MS,
    },
    back('2b', 'power back: op1 boots, preempts', async (lab, note) => {
      lab.startVrrpd('op1'); // still cut off: it must clear the VIP left from before the crash
      await lab.waitVrrpd('op1');
      if (!(await waitFor(async () => !(await lab.hasVip('op1')), 5000))) note('op1 still has the old VIP after restart (not cleared)');
      await lab.link('op1', true);
    }),
    {
      id: '3a', title: 'master stopped cleanly (SIGTERM)',
      act: async (lab) => lab.stopVrrpd('op1', 'SIGTERM'),
      done: holds('op2'), expectHolder: 'op2',
      boundMs: skew2, boundText: `Skew_Time (priority 0 advert) = ${t.version === 2 ? `(256 - ${t.priority.op2}) / 256 s` : `(256 - ${t.priority.op2}) x ${s(adverMs)} / 256`}`,
      marginMs: FAILOVER_MARGIN_MS,
    },
    back('3b', 'op1 restarted: preempts', async (lab) => {
      lab.startVrrpd('op1');
      await lab.waitVrrpd('op1');
    }),
    {
      id: '4', title: 'one apiserver killed (api2)',
      act: async (lab) => lab.killApi('api2'),
      done: async () => {
        await sleep(2500);
        return true;
      },
      expectHolder: 'op1', noMove: true,
      boundMs: 0, boundText: '0 (nginx retries the next upstream)', marginMs: 200,
      after: async (lab) => lab.startApi('api2'),
    },
  ];
}
