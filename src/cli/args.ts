/**
 * The command line of `vrrpd run` and `vrrpd cleanup`: one parser, so that systemd's
 * `ExecStopPost=vrrpd cleanup $VRRPD_ARGS` accepts exactly what `ExecStart=vrrpd run $VRRPD_ARGS`
 * does. Options may be given as `--opt VALUE` or `--opt=VALUE`. keepalived's habits that mean
 * nothing here (-D, -n, -l, -P and their long forms) are accepted and ignored.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_RUN_DIR } from '../daemon/runtime-dir.js';
import { isValidNetns } from '../io/validate.js';
import { parseListenAddress, type ListenAddress } from '../config/listen-address.js';

export const CONFIG_CANDIDATES = ['/etc/vrrpd/keepalived.conf', '/etc/keepalived/keepalived.conf'];

export interface DaemonArgs {
  readonly configPath: string;
  readonly configId?: string;
  readonly runDir: string;
  readonly logLevel: string;
  readonly json?: boolean;
  /** cleanup only: act in this network namespace (`ip -n`). */
  readonly netns?: string;
  /** run: `--metrics ADDR:PORT`, the Prometheus endpoint (vrrpd extension; off by default). cleanup ignores it. */
  readonly metrics?: ListenAddress;
}

const IGNORED = new Set(['-D', '--log-detail', '-n', '--dont-fork', '-l', '--log-console', '-P', '--vrrp']);
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

type Valued = 'configPath' | 'configId' | 'runDir' | 'logLevel' | 'netns' | 'metrics';
const VALUED: Record<string, Valued> = {
  '-f': 'configPath',
  '--use-file': 'configPath',
  '--config': 'configPath',
  '-i': 'configId',
  '--config-id': 'configId',
  '--run-dir': 'runDir',
  '--log-level': 'logLevel',
  '--netns': 'netns',
  '--metrics': 'metrics',
};

/** Parse `run` / `cleanup` arguments: the arguments, 'help', or a usage error. */
export function parseDaemonArgs(argv: readonly string[], opts: { netns?: boolean } = {}): DaemonArgs | 'help' | string {
  const v: Partial<Record<Valued, string>> = { runDir: process.env.VRRPD_RUN_DIR ?? DEFAULT_RUN_DIR, logLevel: 'info' };
  let json: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const key = VALUED[flag];
    if (flag === '-h' || flag === '--help') return 'help';
    if (key !== undefined && (key !== 'netns' || opts.netns === true)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') return `${flag} needs a value`;
      v[key] = value;
    } else if (flag === '--log-json') json = true;
    else if (flag === '--log-pretty') json = false;
    else if (!IGNORED.has(flag)) return `unknown option ${a}`;
  }
  const { configId, netns } = v;
  const metrics = v.metrics === undefined ? undefined : parseListenAddress(v.metrics);
  if (metrics && !metrics.ok) return `--metrics: ${metrics.error}`;
  const logLevel = v.logLevel ?? 'info';
  const runDir = v.runDir ?? DEFAULT_RUN_DIR;
  if (!LEVELS.has(logLevel)) return `--log-level must be one of ${[...LEVELS].join(', ')}`;
  if (netns !== undefined && !isValidNetns(netns)) return `bad namespace name ${netns}`;
  const configPath = v.configPath ?? CONFIG_CANDIDATES.find((p) => existsSync(p)) ?? CONFIG_CANDIDATES[0]!;
  return {
    configPath,
    runDir,
    logLevel,
    ...(configId !== undefined ? { configId } : {}),
    ...(json !== undefined ? { json } : {}),
    ...(netns !== undefined ? { netns } : {}),
    ...(metrics ? { metrics: metrics.value } : {}),
  };
}
