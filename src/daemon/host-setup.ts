/**
 * What the daemon sets up on the host besides each master's entries (host-entry.ts), all of it
 * recorded for `vrrpd cleanup` (vip-record.ts): the nftables table that enforces no_accept
 * (io/firewall.ts) and the use_vmac macvlans with the base interfaces' ARP sysctls (io/vmac.ts).
 * At start it also undoes what a crashed run recorded. Undone at stop, in that order.
 */
import type { VrrpdConfig, VrrpInstance } from '../config/types.js';
import { createDropTable, deleteDropTable } from '../io/firewall.js';
import { delVip } from '../io/ip-addr.js';
import { delRoute, delRule } from '../io/ip-route.js';
import { BASE_SYSCTLS, deleteVmac, ensureVmac, setSysctls, type VmacSpec } from '../io/vmac.js';
import { needsDropRule } from './build.js';
import type { Logger } from './log.js';
import { removeRecorded, type HostRecord, type UndoOps } from './vip-record.js';

/** How the daemon undoes what an earlier run recorded (`vrrpd cleanup` has its own, with timeouts and a netns). */
const UNDO_OPS: UndoOps = {
  vip: (v) => delVip(v),
  route: (r) => delRoute(r),
  rule: (r) => delRule(r),
  link: (l) => deleteVmac(l.ifname),
  firewall: () => deleteDropTable(),
};

export class HostSetup {
  readonly #record: HostRecord;
  readonly #log: Logger;
  /** Our nftables table (no_accept) exists. */
  #firewall = false;
  /** use_vmac macvlans we set up, by name; and the base interfaces' sysctls as they were. */
  readonly #vmacs = new Map<string, VmacSpec>();
  readonly #baseSysctls = new Map<string, Record<string, string>>();

  constructor(record: HostRecord, log: Logger) {
    this.#record = record;
    this.#log = log;
  }

  /** What a previous run in `runDir` recorded and did not remove (it crashed; no cleanup ran); then an empty record. */
  async removePrevious(runDir: string): Promise<void> {
    const r = await removeRecorded(runDir, UNDO_OPS);
    if (!r.ok) this.#log.warn({ detail: r.error }, 'could not read what an earlier run recorded');
    else {
      const vips = r.value.removedVips;
      if (vips.length > 0) this.#log.warn({ removed: vips.map((v) => v.address), interfaces: [...new Set(vips.map((v) => v.dev))] }, 'removed virtual addresses an earlier run recorded and left behind');
      if (r.value.removedOther.length > 0) this.#log.warn({ removed: r.value.removedOther }, 'removed routes, rules, the nftables table or macvlans an earlier run recorded and left behind');
      for (const f of r.value.failed) this.#log.error({ what: f.what, detail: f.detail }, 'could not remove what an earlier run left behind');
    }
    await this.#record.reset();
  }

  /**
   * no_accept (and strict mode's default): our nftables table, once any instance needs it.
   * Undefined when it is there, else why not: such an instance then waits in FAULT rather than
   * hold VIPs it must not accept traffic for.
   */
  async ensureFirewall(config: VrrpdConfig): Promise<string | undefined> {
    if (this.#firewall || !config.instances.some(needsDropRule)) return undefined;
    await this.#record.adding([{ kind: 'firewall' }]);
    const r = await createDropTable();
    if (r.ok) this.#firewall = true;
    return r.ok ? undefined : `no_accept (Accept_Mode False) cannot be enforced without nftables: ${r.error.detail}`;
  }

  /** use_vmac: the instance's macvlan, as keepalived sets it up, once; undefined when ready, else why not. */
  async ensureVmac(conf: VrrpInstance): Promise<string | undefined> {
    const v = conf.vmac;
    if (v === undefined || this.#vmacs.has(v.ifname)) return undefined;
    const spec: VmacSpec = { ifname: v.ifname, base: conf.interface, mac: v.mac };
    await this.#record.adding([{ kind: 'link', link: spec }]);
    const r = await ensureVmac(spec);
    if (!r.ok) return `use_vmac ${v.ifname}: ${r.error.detail}`;
    this.#vmacs.set(v.ifname, spec);
    if (r.value === 'created' || !this.#baseSysctls.has(conf.interface)) {
      const old = await setSysctls(conf.interface, BASE_SYSCTLS);
      if (!old.ok) this.#log.warn({ ifname: conf.interface, detail: old.error.detail }, 'use_vmac: could not set arp_ignore / arp_filter on the base interface');
      else if (!this.#baseSysctls.has(conf.interface)) this.#baseSysctls.set(conf.interface, old.value);
    }
    this.#log.info({ instance: conf.name, ifname: v.ifname, base: conf.interface, mac: v.mac, created: r.value === 'created' }, 'use_vmac interface ready');
    return undefined;
  }

  /**
   * The base interface `base` was deleted and created again: its macvlans went with it and its
   * ARP sysctls are the kernel's defaults again, so the next ensureVmac sets both up anew (the
   * sysctls to restore at stop are those of the interface we first saw).
   */
  baseRecreated(base: string): void {
    for (const [name, v] of this.#vmacs) if (v.base === base) this.#vmacs.delete(name);
  }

  /** At stop (after the instances): the nftables table and the macvlans go, the base interfaces' sysctls come back. */
  async undo(): Promise<void> {
    if (this.#firewall) {
      const r = await deleteDropTable();
      if (r.ok) await this.#record.removed([{ kind: 'firewall' }]);
      else this.#log.error({ detail: r.error.detail }, 'could not delete nftables table ip vrrpd');
      this.#firewall = false;
    }
    for (const v of this.#vmacs.values()) {
      const r = await deleteVmac(v.ifname);
      if (r.ok) await this.#record.removed([{ kind: 'link', link: v }]);
      else this.#log.error({ ifname: v.ifname, detail: r.error.detail }, 'could not delete the use_vmac macvlan');
    }
    this.#vmacs.clear();
    for (const [base, old] of this.#baseSysctls) await setSysctls(base, old);
    this.#baseSysctls.clear();
  }
}
