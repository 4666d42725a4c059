/** `vrrpd status [--json]`: ask the running daemon over its unix socket and print each instance. */
import { DEFAULT_RUN_DIR } from '../daemon/runtime-dir.js';
import { queryStatus } from '../daemon/status-server.js';

interface InstanceStatus {
  name: string;
  interface: string;
  vrid: number;
  state: string;
  basePriority: number;
  effectivePriority: number;
  masterIp?: string;
  sinceMsAgo?: number;
  vips: string[];
  waiting?: string;
  counters?: Record<string, number>;
}

/** Seconds as "1h02m03s" / "4m05s" / "6.2s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/** The human-readable status table. */
export function renderStatus(status: { pid: number; config: string; instances: InstanceStatus[] }): string {
  const lines = [`vrrpd pid ${status.pid}, config ${status.config}`];
  for (const i of status.instances) {
    const prio = i.effectivePriority === i.basePriority ? `${i.basePriority}` : `${i.effectivePriority} (base ${i.basePriority})`;
    lines.push(
      `${i.name}: ${i.state} on ${i.interface}, VRID ${i.vrid}, priority ${prio}` +
        `${i.masterIp ? `, master ${i.masterIp}` : ''}${i.sinceMsAgo !== undefined ? `, for ${formatDuration(i.sinceMsAgo)}` : ''}`,
    );
    lines.push(`  vips: ${i.vips.join(', ')}`);
    if (i.waiting) lines.push(`  waiting: ${i.waiting}`);
    const counters = i.counters ?? {};
    const nonZero = Object.entries(counters).filter(([, v]) => v !== 0);
    if (nonZero.length > 0) lines.push(`  counters: ${nonZero.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  return lines.join('\n');
}

export async function runStatus(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const i = argv.indexOf('--run-dir');
  const dir = i >= 0 ? (argv[i + 1] ?? DEFAULT_RUN_DIR) : (process.env.VRRPD_RUN_DIR ?? DEFAULT_RUN_DIR);
  const r = await queryStatus(dir);
  if (!r.ok) {
    process.stderr.write(`vrrpd status: ${r.error}\n`);
    return 1;
  }
  process.stdout.write(json ? `${JSON.stringify(r.value, null, 2)}\n` : `${renderStatus(r.value as Parameters<typeof renderStatus>[0])}\n`);
  return 0;
}
