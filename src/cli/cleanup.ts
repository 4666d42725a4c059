/**
 * `vrrpd cleanup [the run options] [--netns NS]`: remove everything a stopped daemon may have left
 * on the host. systemd's ExecStopPost runs it with the daemon's own arguments, so a crashed or
 * killed daemon leaves no VIP, virtual route or rule, nftables table or use_vmac macvlan behind.
 *
 * 1. Refuse while a daemon holds the runtime directory's lock: its addresses are its own.
 * 2. Remove what the daemon recorded in its runtime directory (daemon/vip-record.ts). This
 *    needs no configuration: a file that can no longer be read (or no longer names an address)
 *    does not keep the address in place. It runs first, so nothing that happens later can.
 * 3. Remove every address the configuration names (virtual_ipaddress and _excluded).
 * Idempotent: an address already absent is fine. Exit 0 when every address is gone, 1 when one
 * could not be removed or neither the record nor the configuration could be read, 2 on bad usage.
 */
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load.js';
import { vipSpecs } from '../daemon/build.js';
import { removeRecorded, type UndoOps } from '../daemon/vip-record.js';
import { deleteDropTable } from '../io/firewall.js';
import { delRoute, delRule } from '../io/ip-route.js';
import { deleteVmac } from '../io/vmac.js';
import { fsSourceHost } from '../io/config-files.js';
import { stderrSink, stdoutSink } from '../io/fd-sink.js';
import { delVip, type VipSpec } from '../io/ip-addr.js';
import { runLockHolder } from '../io/run-lock.js';
import { CONFIG_CANDIDATES, parseDaemonArgs, type DaemonArgs } from './args.js';

const USAGE = `usage: vrrpd cleanup [-f FILE] [--config-id ID] [--run-dir DIR] [--netns NS] [any other option of vrrpd run]
  Removes the virtual addresses the daemon recorded in DIR (default /run/vrrpd), then every
  virtual address of every vrrp_instance in FILE (default ${CONFIG_CANDIDATES.join(', else ')}).
  Meant for systemd's ExecStopPost; refuses while a daemon runs with DIR.`;

/** Each `ip addr del`: short, so that many addresses still fit systemd's stop timeout. */
const DEL_TIMEOUT_MS = 2000;

export async function runCleanup(argv: string[]): Promise<number> {
  const args = parseDaemonArgs(argv, { netns: true });
  if (args === 'help') {
    stdoutSink.write(`${USAGE}\n`);
    return 0;
  }
  if (typeof args === 'string') {
    stderrSink.write(`vrrpd cleanup: ${args}\n${USAGE}\n`);
    return 2;
  }
  const holder = await runLockHolder(args.runDir);
  if (holder !== undefined) {
    stderrSink.write(`vrrpd cleanup: vrrpd (pid ${holder}) is running with ${args.runDir}; its addresses are its own: stop it first\n`);
    return 1;
  }
  const opts = { timeoutMs: DEL_TIMEOUT_MS, ...(args.netns !== undefined ? { netns: args.netns } : {}) };
  const del = (vip: VipSpec) => delVip(vip, opts);
  const undo: UndoOps = { vip: del, route: (r) => delRoute(r, opts), rule: (r) => delRule(r, opts), link: (l) => deleteVmac(l.ifname, opts), firewall: () => deleteDropTable(args.netns) };
  const recorded = await removeRecordedHere(args, undo);
  const configured = await removeConfigured(args, del);
  const failures = recorded.failures + configured.failures;
  return failures === 0 && (recorded.read || configured.read) ? 0 : 1;
}

type Del = (v: VipSpec) => ReturnType<typeof delVip>;

async function removeRecordedHere(args: DaemonArgs, undo: UndoOps): Promise<{ read: boolean; failures: number }> {
  const r = await removeRecorded(args.runDir, undo);
  if (!r.ok) {
    stderrSink.write(`vrrpd cleanup: ${r.error}\n`);
    return { read: false, failures: 0 };
  }
  for (const v of r.value.removedVips) stdoutSink.write(`vrrpd cleanup: removed ${v.address} from ${v.dev} (recorded by the daemon)\n`);
  for (const w of r.value.removedOther) stdoutSink.write(`vrrpd cleanup: removed ${w} (recorded by the daemon)\n`);
  for (const f of r.value.failed) stderrSink.write(`vrrpd cleanup: ${f.what}: ${f.detail}\n`);
  return { read: true, failures: r.value.failed.length };
}

async function removeConfigured(args: DaemonArgs, del: Del): Promise<{ read: boolean; failures: number }> {
  const loaded = loadConfig(args.configPath, fsSourceHost({ interfacesDir: false }), args.configId !== undefined ? { configId: args.configId } : {});
  if (loaded.config === undefined) {
    for (const d of loaded.diagnostics.filter((x) => x.severity === 'error')) stderrSink.write(`vrrpd cleanup: ${formatDiagnostic(d)}\n`);
    return { read: false, failures: 0 };
  }
  let failures = 0;
  for (const inst of loaded.config.instances) {
    for (const vip of vipSpecs(inst)) {
      const r = await del(vip);
      if (!r.ok) {
        failures++;
        stderrSink.write(`vrrpd cleanup: ${inst.name}: ${vip.address} dev ${vip.dev}: ${r.error.detail}\n`);
      } else if (r.value === 'removed') {
        stdoutSink.write(`vrrpd cleanup: ${inst.name}: removed ${vip.address} from ${vip.dev}\n`);
      }
    }
  }
  return { read: true, failures };
}
