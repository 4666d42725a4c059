#!/usr/bin/env -S node --max-semi-space-size=1 --jitless --optimize-for-size --no-flush-bytecode --no-expose-wasm
/**
 * vrrpd command line: argv -> command. Thin: each command lives in its own module, loaded only
 * once chosen, so the fatal-error handlers (fatal.ts) are in place before anything else is loaded,
 * and the daemon does not carry the lab, the checker and their dependencies (about 0.8 MB of
 * resident memory). The shebang's node flags trade speed the daemon does not need for memory
 * (docs/performance.md): 1 MB semi-spaces for V8's young generation, no JIT (the interpreter
 * only, so no writable+executable memory either), V8's size-over-speed heuristics, and every
 * function compiled at load and kept (a backup's first takeover in months runs no compiler: 1 ms
 * sooner). `node dist/bundle/vrrpd.js` (the bundle the bin runs) and `node dist/src/cli/main.js`
 * (the tsc output) still work, without them.
 */
import { stderrSink, stdoutSink } from '../io/fd-sink.js';
import { parseDaemonArgs } from './args.js';
import { installFatalHandlers } from './fatal.js';
import { installPerformanceNow } from '../io/performance-now.js';

installFatalHandlers();

const USAGE = `usage:
  vrrpd [run] -f FILE [--config-id ID] [--run-dir DIR] [--log-level LEVEL] [--log-json|--log-pretty]
            [--metrics ADDR:PORT]
                          run the daemon in the foreground (default config: /etc/vrrpd/keepalived.conf,
                          else /etc/keepalived/keepalived.conf); --metrics serves Prometheus metrics on
                          http://ADDR:PORT/metrics (e.g. 127.0.0.1:9657; also global_defs vrrpd_metrics)
  vrrpd check -f FILE [--json] [--config-id ID]   (also: vrrpd -t -f FILE)
                          validate a keepalived.conf and show how vrrpd understands it
  vrrpd status [--json] [--run-dir DIR]
                          ask the running daemon for each instance's state
  vrrpd cleanup [the run options] [--netns NS]
                          remove the VIPs the daemon recorded and the configured ones
                          (systemd ExecStopPost: nothing left after a crash)
  vrrpd lab up|status|down|demo [--check tcp|script] [--out DIR]
                          the two-OP-node architecture in network namespaces (root)
  vrrpd --version | --help`;

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    stdoutSink.write(`${USAGE}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    stdoutSink.write(`vrrpd ${(await import('../daemon/version.js')).VRRPD_VERSION}\n`);
    return 0;
  }
  const out = { stdout: stdoutSink, stderr: stderrSink };
  if (first === 'check') return (await import('./check.js')).runCheck(rest, out);
  if (argv.includes('-t') || argv.includes('--config-test')) return (await import('./check.js')).runCheck(argv.filter((a) => a !== '-t' && a !== '--config-test'), out);
  if (first === 'status') return (await import('./status.js')).runStatus(rest);
  if (first === 'lab') return (await import('./lab.js')).runLab(rest);
  if (first === 'cleanup') return (await import('./cleanup.js')).runCleanup(rest);
  const args = parseDaemonArgs(first === 'run' ? rest : argv);
  if (args === 'help') {
    stdoutSink.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof args === 'string') {
    stderrSink.write(`vrrpd: ${args}\n${USAGE}\n`);
    return 2;
  }
  installPerformanceNow(); // before the daemon's modules load: node:perf_hooks stays unloaded (io/performance-now.ts)
  return (await import('./run.js')).runDaemon(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    stderrSink.write(`vrrpd: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(70);
  },
);
