/**
 * `vrrpd status [--json]`: ask the running daemon over its unix socket; print its status model
 * (src/status/model.ts) as a person reads it, or as JSON. Exit status 0 when the daemon answers
 * (the static pod's liveness probe relies on it), 1 when it does not.
 */
import { DEFAULT_RUN_DIR } from '../daemon/runtime-dir.js';
import { queryStatus } from '../daemon/status-server.js';
import { isDaemonStatus } from '../status/model.js';
import { renderStatus } from '../status/render.js';

export async function runStatus(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const i = argv.indexOf('--run-dir');
  const dir = i >= 0 ? (argv[i + 1] ?? DEFAULT_RUN_DIR) : (process.env.VRRPD_RUN_DIR ?? DEFAULT_RUN_DIR);
  const r = await queryStatus(dir);
  if (!r.ok) {
    process.stderr.write(`vrrpd status: ${r.error}\n`);
    return 1;
  }
  if (json) process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
  else if (isDaemonStatus(r.value)) process.stdout.write(`${renderStatus(r.value)}\n`);
  else {
    // A daemon of another version answered: show what it said rather than misread it.
    process.stderr.write('vrrpd status: the daemon answers in another status format (another vrrpd version?); its answer as JSON:\n');
    process.stdout.write(`${JSON.stringify(r.value, null, 2)}\n`);
  }
  return 0;
}
