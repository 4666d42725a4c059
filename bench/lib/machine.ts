/**
 * What a bench ran on and how busy the machine was, printed with its figures: timing and CPU
 * figures from a machine busy with other work are preliminary, and the output says so.
 */
import { cpus, hostname, loadavg, release } from 'node:os';
import { keepalivedVersion } from '../../src/lab/keepalived-process.js';

export interface Machine {
  readonly date: string;
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly keepalived: string;
}

export function machine(): Machine {
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    host: hostname(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    keepalived: keepalivedVersion() ?? 'not installed',
  };
}

/** The 1-minute load average now. */
export function load1(): number {
  return loadavg()[0] ?? 0;
}

/**
 * One line on how busy the machine was. Busy = the 1-minute load average of another process
 * than ours exceeded a quarter of the cores at some point (the bench itself adds about one).
 */
export function busyLine(loads: readonly number[], cores: number): { busy: boolean; line: string } {
  const max = Math.max(...loads);
  const busy = max > 1 + cores / 4;
  const text = `1-min load average during the run: ${Math.min(...loads).toFixed(2)} to ${max.toFixed(2)} on ${cores} cores`;
  return { busy, line: busy ? `${text}: BUSY, the timing and CPU figures are PRELIMINARY` : `${text}: quiet` };
}

export function machineLine(m: Machine): string {
  return `${m.date}, ${m.host}: ${m.cores} x ${m.cpu}, Linux ${m.kernel}, Node ${m.node}, ${m.keepalived}`;
}
