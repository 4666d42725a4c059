/**
 * `vrrpd cleanup [-f FILE] [--config-id ID] [--netns NS]`: remove every virtual address the config
 * says vrrpd may hold (virtual_ipaddress and virtual_ipaddress_excluded of every instance).
 * systemd's ExecStopPost runs it so a crashed or killed daemon leaves no VIP behind. Idempotent:
 * an address already absent is fine. Exit 0 when every address is gone, 1 when one could not be
 * removed or the config is unusable, 2 on bad usage.
 */
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { vipSpecs } from '../daemon/build.js';
import { fsSourceHost } from '../io/config-files.js';
import { delVip } from '../io/ip-addr.js';
import { isValidNetns } from '../io/validate.js';
import { CONFIG_CANDIDATES } from './args.js';

const USAGE = `usage: vrrpd cleanup [-f FILE] [--config-id ID] [--netns NS]
  Removes every virtual address of every vrrp_instance in FILE (default ${CONFIG_CANDIDATES.join(', else ')}).
  Meant for systemd's ExecStopPost; safe to run any time the daemon is not running.`;

interface CleanupArgs {
  file: string;
  configId?: string;
  netns?: string;
}

/** A string is a usage error; 'help' asks for the usage text. */
export function parseCleanupArgs(argv: readonly string[]): CleanupArgs | string | 'help' {
  let file: string | undefined;
  let configId: string | undefined;
  let netns: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-f' || a === '--use-file' || a === '--config') file = value();
    else if (a === '-i' || a === '--config-id') configId = value();
    else if (a === '--netns') netns = value();
    else return `unknown option ${a}`;
    if (argv[i] === undefined) return `${a} needs a value`;
  }
  if (netns !== undefined && !isValidNetns(netns)) return `bad namespace name ${netns}`;
  file ??= CONFIG_CANDIDATES.find((p) => existsSync(p)) ?? CONFIG_CANDIDATES[0]!;
  return { file, ...(configId !== undefined ? { configId } : {}), ...(netns !== undefined ? { netns } : {}) };
}

export async function runCleanup(argv: string[]): Promise<number> {
  const args = parseCleanupArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`vrrpd cleanup: ${args}\n${USAGE}\n`);
    return 2;
  }
  const loaded = loadConfig(args.file, fsSourceHost({ interfacesDir: false }), args.configId !== undefined ? { configId: args.configId } : {});
  if (loaded.config === undefined) {
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors) process.stderr.write(`vrrpd cleanup: ${d.file}:${d.line}:${d.col}: ${d.message}\n`);
    return 1;
  }
  let failed = 0;
  for (const inst of loaded.config.instances) {
    for (const vip of vipSpecs(inst)) {
      const r = await delVip(vip, args.netns !== undefined ? { netns: args.netns } : {});
      if (!r.ok) {
        failed++;
        process.stderr.write(`vrrpd cleanup: ${inst.name}: ${vip.address} dev ${vip.dev}: ${r.error.detail}\n`);
      } else if (r.value === 'removed') {
        process.stdout.write(`vrrpd cleanup: ${inst.name}: removed ${vip.address} from ${vip.dev}\n`);
      }
    }
  }
  return failed === 0 ? 0 : 1;
}
