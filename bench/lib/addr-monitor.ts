/**
 * When each address appeared on a lab host: `ip -ts monitor address` in its namespace, which
 * stamps every kernel notification (RTM_NEWADDR) as it reads it, to the microsecond, in local
 * wall-clock time (the same clock as the capture's and Date.now()).
 */
import type { ChildProcess } from 'node:child_process';
import type { LabHost } from '../../src/lab/netns.js';
import { sleep } from './stats.js';

const LINE = /^\[(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})\] (Deleted )?\d+: \S+\s+inet (\d+\.\d+\.\d+\.\d+)\//;

/** One `ip -ts monitor address` line -> (epoch ms, added or deleted, address), or undefined. */
export function parseMonitorLine(line: string): { t: number; deleted: boolean; address: string } | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s, us] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  return { t: new Date(y, mo - 1, d, h, mi, s).getTime() + us / 1000, deleted: m[8] !== undefined, address: m[9]! };
}

export class AddressMonitor {
  /** Address -> epoch ms of its latest addition (removed on deletion). */
  readonly present = new Map<string, number>();
  /** Every addition and deletion seen, in order. */
  readonly events: { t: number; deleted: boolean; address: string }[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static async start(host: LabHost): Promise<AddressMonitor> {
    const child = host.spawn('ip', ['-ts', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const mon = new AddressMonitor(child);
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const ev = parseMonitorLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (ev === undefined) continue;
        mon.events.push(ev);
        if (ev.deleted) mon.present.delete(ev.address);
        else mon.present.set(ev.address, ev.t);
      }
    });
    await sleep(300); // no "listening" line: give it time to subscribe
    return mon;
  }

  /** Resolves once every one of `addresses` is present (or after `timeoutMs`); their addition times. */
  async waitAll(addresses: readonly string[], timeoutMs: number): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && addresses.some((a) => !this.present.has(a))) await sleep(20);
    return new Map(addresses.flatMap((a) => (this.present.has(a) ? [[a, this.present.get(a)!] as const] : [])));
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}
