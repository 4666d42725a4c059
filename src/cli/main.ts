#!/usr/bin/env node
/** vrrpd command line: argv -> command. Thin: each command lives in its own module. */
import { readFileSync } from 'node:fs';
import { runCheck } from './check.js';
import { runCleanup } from './cleanup.js';
import { runLab } from './lab.js';
import { parseRunArgs, runDaemon } from './run.js';
import { runStatus } from './status.js';

const USAGE = `usage:
  vrrpd [run] -f FILE [--config-id ID] [--run-dir DIR] [--log-level LEVEL] [--log-json|--log-pretty]
                          run the daemon in the foreground (default config: /etc/vrrpd/keepalived.conf,
                          else /etc/keepalived/keepalived.conf)
  vrrpd check -f FILE [--json] [--config-id ID]   (also: vrrpd -t -f FILE)
                          validate a keepalived.conf and show how vrrpd understands it
  vrrpd status [--json] [--run-dir DIR]
                          ask the running daemon for each instance's state
  vrrpd cleanup [-f FILE] [--config-id ID]
                          remove the configured VIPs (systemd ExecStopPost: nothing left after a crash)
  vrrpd lab up|status|down|demo [--check tcp|script] [--out DIR]
                          the two-OP-node architecture in network namespaces (root)
  vrrpd --version | --help`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`vrrpd ${version()}\n`);
    return 0;
  }
  const out = { stdout: process.stdout, stderr: process.stderr };
  if (first === 'check') return runCheck(rest, out);
  if (argv.includes('-t') || argv.includes('--config-test')) return runCheck(argv.filter((a) => a !== '-t' && a !== '--config-test'), out);
  if (first === 'status') return runStatus(rest);
  if (first === 'lab') return runLab(rest);
  if (first === 'cleanup') return runCleanup(rest);
  const runArgv = first === 'run' ? rest : argv;
  const args = parseRunArgs(runArgv);
  if (typeof args === 'string') {
    process.stderr.write(`vrrpd: ${args}\n${USAGE}\n`);
    return 2;
  }
  return runDaemon(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`vrrpd: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(70);
  },
);
