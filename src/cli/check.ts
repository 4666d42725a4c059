/**
 * `vrrpd check [-f FILE] [-t] [--json] [--config-id ID]`: parse and validate a keepalived.conf,
 * print each instance as vrrpd understood it and every diagnostic with its class; the exit
 * status (CHECK_EXIT, config/report.ts) says whether it runs as keepalived would.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { escapeControl } from '../config/diagnostics.js';
import { CHECK_EXIT, checkExitStatus, renderCheckJson, renderCheckText } from '../config/report.js';
import type { Diagnostic, SourceHost, VrrpdConfig } from '../config/types.js';
import { fsSourceHost } from '../io/config-files.js';
import { systemScriptHost } from '../io/script-launcher.js';
import { planConfigScripts } from '../io/script-plan.js';
import { run } from '../io/exec.js';
import { needsDropRule } from '../daemon/build.js';

export interface CheckOutput {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

const USAGE = `usage: vrrpd check [-f|--use-file FILE] [-t|--config-test] [--json] [-i|--config-id ID]
  Parses and validates a keepalived.conf (default ${DEFAULT_CONFIG_FILE}) and prints each
  vrrp_instance as vrrpd understands it, then every diagnostic as FILE:LINE:COL. A warning that
  changes failover compared with keepalived (a health check, authentication or accept mode, a
  source address, a section keepalived acts on) reads 'warning[failover]'.
  Exit status:
    ${CHECK_EXIT.ok}  runs as keepalived would (warnings at most that change no failover)
    ${CHECK_EXIT.errors}  errors: the file does not run, or a vrrp_instance, vrrp_script or
       vrrp_sync_group with errors is disabled (the daemon runs the others)
    ${CHECK_EXIT.usage}  bad usage
    ${CHECK_EXIT.failover}  no error, but failover warnings: vrrpd runs it and fails over differently
       from keepalived (an error gives 1 even with failover warnings)
`;

interface CheckArgs {
  file: string;
  json: boolean;
  configId?: string;
}

/** Parses check's arguments (a leading "check" is skipped); a string is a usage error. */
export function parseCheckArgs(argv: readonly string[]): CheckArgs | string | 'help' {
  const args: CheckArgs = { file: DEFAULT_CONFIG_FILE, json: false };
  const rest = argv[0] === 'check' ? argv.slice(1) : [...argv];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? rest[++i];
    if (flag === '-h' || flag === '--help') return 'help';
    if (flag === '-t' || flag === '--config-test') continue;
    if (flag === '--json') args.json = true;
    else if (flag === '-f' || flag === '--use-file') {
      const v = value();
      if (v === undefined) return `${flag} needs a file name`;
      args.file = v;
    } else if (flag === '-i' || flag === '--config-id') {
      const v = value();
      if (v === undefined) return `${flag} needs a config id`;
      args.configId = v;
    } else return `unknown option '${a}'`;
  }
  return args;
}

/**
 * What `run` would say about each script: disabled (a failover warning: the daemon runs without
 * the check or the notification, where keepalived may run it) or runs with a caveat (a warning).
 * Judged with the rights of whoever runs `check`.
 */
export async function scriptDiagnostics(config: VrrpdConfig): Promise<Diagnostic[]> {
  const host = await systemScriptHost();
  const g = config.global;
  const planned = await planConfigScripts(config, { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity, launcher: host.launcher, self: host.self });
  return planned.flatMap((s) =>
    s.result.ok
      ? s.result.value.notes.map((n) => ({ ...s.pos, severity: 'warning' as const, message: `${s.what}: ${n}` }))
      : [{ ...s.pos, severity: 'warning' as const, failover: true as const, message: `${s.what} disabled: ${s.result.error}` }],
  );
}

/**
 * What `run` would say about this machine: no_accept is enforced with nftables (io/firewall.ts);
 * without `nft` such an instance waits in FAULT, so check says so where the instance is.
 */
export async function hostDiagnostics(config: VrrpdConfig): Promise<Diagnostic[]> {
  const dropping = config.instances.filter(needsDropRule);
  if (dropping.length === 0 || (await run('nft', ['--version'])).ok) return [];
  return dropping.map((i) => ({
    ...i.pos,
    severity: 'warning' as const,
    message: `vrrp_instance ${i.name}: no_accept${i.strictMode ? ' (strict mode\'s default)' : ''} is enforced with an nftables drop rule, as keepalived does, and \`nft\` (Debian nftables) is not installed here: the instance will wait in FAULT`,
  }));
}

/** Everything check adds on this machine: the scripts' plan and the host's tools. */
async function machineDiagnostics(config: VrrpdConfig): Promise<Diagnostic[]> {
  return [...(await scriptDiagnostics(config)), ...(await hostDiagnostics(config))];
}

/**
 * Runs `vrrpd check`; returns the exit code. `host` is for tests (default: the real filesystem),
 * `scripts` too (default: plan every script on this machine as `run` would).
 */
export async function runCheck(
  argv: string[],
  out: CheckOutput,
  host: SourceHost = fsSourceHost(),
  scripts: (c: VrrpdConfig) => Promise<Diagnostic[]> = machineDiagnostics,
): Promise<number> {
  const parsed = parseCheckArgs(argv);
  if (parsed === 'help') {
    out.stdout.write(USAGE);
    return CHECK_EXIT.ok;
  }
  if (typeof parsed === 'string') {
    out.stderr.write(`vrrpd check: ${parsed}\n${USAGE}`);
    return CHECK_EXIT.usage;
  }
  const entry = resolve(parsed.file);
  const configId = parsed.configId ?? host.hostname;
  let text: string;
  let status: number;
  try {
    const loaded = loadConfig(entry, host, { configId });
    const result = loaded.config === undefined ? loaded : { ...loaded, diagnostics: [...loaded.diagnostics, ...(await scripts(loaded.config))] };
    text = parsed.json ? renderCheckJson(entry, configId, result) : renderCheckText(entry, configId, result);
    status = checkExitStatus(result);
  } catch (e) {
    // The loader returns diagnostics for every input; reaching this is a vrrpd bug. Still one
    // line and exit 1 ("not usable"), never a stack trace on the operator's terminal.
    const what = escapeControl(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    out.stderr.write(`vrrpd check: ${escapeControl(entry)}: error: vrrpd failed while checking this file (${what}); this is a bug in vrrpd, please report it\n`);
    return CHECK_EXIT.errors;
  }
  out.stdout.write(text);
  return status;
}
