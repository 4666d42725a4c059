/**
 * What the daemon shows of itself beyond what its parts report: each slot as the status model
 * sees it (status.ts builds the model), the statistics SIGUSR2 dumps (the model's counters plus
 * timer lateness, memory and time), and the dump files themselves.
 */
import type { VipSpec } from '../io/ip-addr.js';
import type { DaemonStatistics } from '../status/model.js';
import { describeError } from '../background.js';
import { vipSpecs } from './build.js';
import type { HostEntry } from './host-entry.js';
import type { InstanceFacts, TimerLateness } from './instance.js';
import type { Logger } from './log.js';
import { writePrivateFile } from './runtime-dir.js';
import type { Slot } from './slot.js';
import type { SlotFacts } from './status.js';
import type { Tracking } from './tracking.js';

/** What SIGUSR2 dumps (`Daemon.stats()`). */
export type DaemonStats = DaemonStatistics & {
  readonly instances: readonly (DaemonStatistics['instances'][number] & { readonly timers?: TimerLateness })[];
  readonly memory: { readonly rss: number; readonly heapTotal: number; readonly heapUsed: number; readonly external: number; readonly arrayBuffers: number };
  readonly time: string;
};

/** One slot as the status model reads it: running (its facts) or waiting (why). */
export function slotFacts(s: Slot, tracking: Pick<Tracking, 'trackers'>): SlotFacts {
  return {
    conf: s.conf,
    vips: vipSpecs(s.conf),
    facts: addressFacts(s.instance?.facts()),
    waiting: s.instance ? undefined : (s.waiting ?? 'stopped'),
    trackers: tracking.trackers(s.conf),
  };
}

/** The status model's view of an instance: its addresses (the no_accept drop entries, routes and rules are not VIPs). */
function addressFacts(f: InstanceFacts<HostEntry> | undefined): InstanceFacts<VipSpec> | undefined {
  if (f === undefined) return undefined;
  return { ...f, vips: f.vips.flatMap((v) => (v.vip.kind === 'addr' ? [{ ...v, vip: v.vip.vip }] : [])) };
}

/**
 * The statistics `base` with each running instance's protocol-timer lateness, the process's
 * memory (bytes), and when they were taken.
 */
export function withProcessStats(base: DaemonStatistics, slots: Iterable<Slot>): DaemonStats {
  const lateness = new Map<string, TimerLateness>();
  for (const s of slots) if (s.instance) lateness.set(s.conf.name, s.instance.timerLateness());
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return {
    ...base,
    instances: base.instances.map((i) => {
      const timers = lateness.get(i.name);
      return timers ? { ...i, timers } : i;
    }),
    memory: { rss, heapTotal, heapUsed, external, arrayBuffers },
    time: new Date().toISOString(),
  };
}

/** `body` as JSON in the runtime directory (root only, no symlinks followed); a failure is logged. */
export async function writeDump(runDir: string, log: Logger, name: string, body: () => object, what: string): Promise<void> {
  let text: string;
  try {
    text = `${JSON.stringify(body(), null, 2)}\n`;
  } catch (e) {
    log.error({ err: describeError(e) }, `bug: ${what} dump threw`);
    return;
  }
  const r = await writePrivateFile(runDir, name, text);
  if (r.ok) log.info({ file: r.value }, `${what} dumped`);
  else log.error({ detail: r.error }, `${what} dump failed`);
}
