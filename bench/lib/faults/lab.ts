/**
 * The fault matrix's lab: op1 (priority 100, MASTER), op2 (90) and, for three-node faults, op3
 * (80) floating 192.168.50.100 (VRID 251, advert_int 1), an observer host capturing every advert
 * on the LAN, and `ip monitor address` on each node. `verdict()` hands what they saw to the pure
 * judge (src/lab/invariants.ts). op2 may be keepalived 2.2.7 instead of vrrpd (the mixed pair).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NETLINK_FAULT_ENV } from '../../../src/io/rtnl-socket.js';
import { DaemonProcess } from '../../../src/lab/daemon-process.js';
import { judge, snapshotEvents, type AddressEvent, type FaultWindow, type Verdict } from '../../../src/lab/invariants.js';
import { Keepalived } from '../../../src/lab/keepalived-process.js';
import { createLab, type Lab, type LabHost } from '../../../src/lab/netns.js';
import { hasAddress, waitFor } from '../../../src/lab/procs.js';
import { seedConfig, type SeedConfigOptions } from '../../../src/lab/seed-config.js';
import { AddressMonitor } from '../addr-monitor.js';
import { AdvertCapture } from '../capture.js';

export const VIP = '192.168.50.100';
export const VRID = 251;
export const INTERVAL_MS = 1000;
export const PRIORITY: Readonly<Record<string, number>> = { op1: 100, op2: 90, op3: 80 };

export interface FaultLabOptions {
  /** 2 or 3 nodes. */
  readonly nodes?: 2 | 3;
  /** Run keepalived on op2 instead of vrrpd. */
  readonly keepalivedOp2?: boolean;
  /** Run keepalived on these nodes instead of vrrpd (op1 too: keepalived in vrrpd's place). */
  readonly keepalived?: readonly string[];
  /** The daemon's command line (dist/bundle/vrrpd.js, the bin). */
  readonly cli: string;
}

/** One node: a vrrpd daemon or keepalived, its host, its address monitor. */
export interface FaultNode {
  readonly name: string;
  readonly host: LabHost;
  readonly vrrpd?: DaemonProcess;
  readonly keepalived?: Keepalived;
  monitor?: AddressMonitor;
}

export class FaultLab {
  readonly nodes: FaultNode[] = [];
  capture: AdvertCapture | undefined;
  private constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {}

  static async create(o: FaultLabOptions): Promise<FaultLab> {
    const names = o.nodes === 3 ? ['op1', 'op2', 'op3'] : ['op1', 'op2'];
    const lab = await createLab({ hosts: [...names, 'obs'], prefix: 'vtx' });
    const f = new FaultLab(lab, mkdtempSync(join(tmpdir(), 'vtx-')));
    try {
      for (const name of names) {
        const host = lab.host(name);
        const ka = (name === 'op2' && o.keepalivedOp2 === true) || o.keepalived?.includes(name) === true;
        f.nodes.push(ka ? { name, host, keepalived: new Keepalived(host, f.dir) } : { name, host, vrrpd: new DaemonProcess(host, f.dir, o.cli) });
        f.node(name).monitor = await AddressMonitor.start(host);
      }
      f.capture = await AdvertCapture.start(lab.host('obs'), join(f.dir, 'adverts.pcap'));
    } catch (e) {
      await f.destroy();
      throw e;
    }
    return f;
  }

  node(name: string): FaultNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  vrrpd(name: string): DaemonProcess {
    const d = this.node(name).vrrpd;
    if (d === undefined) throw new Error(`${name} does not run vrrpd`);
    return d;
  }

  /** The seed's config for `name` (op1 state MASTER), with `o` on top. */
  config(name: string, o: Partial<SeedConfigOptions> = {}): string {
    return seedConfig({ routerId: name, priority: PRIORITY[name] ?? 50, ...(name === 'op1' ? { state: 'MASTER' as const } : {}), ...o });
  }

  /**
   * Starts `name` with its seed config. `netlinkFaults`: its daemon reads the fault file of
   * VRRPD_NETLINK_FAULT_FILE (src/io/rtnl-socket.ts), armed later with `armNetlink`.
   */
  start(name: string, o: { config?: Partial<SeedConfigOptions>; netlinkFaults?: boolean } = {}): void {
    const n = this.node(name);
    const text = this.config(name, o.config);
    if (n.keepalived) {
      n.keepalived.writeConfig(text);
      n.keepalived.start();
      return;
    }
    const d = this.vrrpd(name);
    d.writeConfig(text);
    if (o.netlinkFaults !== true) return d.start();
    d.start([], { env: { ...process.env, [NETLINK_FAULT_ENV]: this.#faultFile(name) } });
  }

  /**
   * From `name`'s next address batch on, its next `failures` address requests fail with `errno`
   * without reaching the kernel ('all': every one, until armed again with 0).
   */
  armNetlink(name: string, failures: number | 'all', errno: string): void {
    writeFileSync(this.#faultFile(name), `${failures === 'all' ? -1 : failures} ${errno}\n`);
  }

  #faultFile(name: string): string {
    return join(this.dir, `netlink-fault-${name}`);
  }

  /** The pid of `name`'s daemon (vrrpd's node process; keepalived's parent). */
  pid(name: string): number {
    const n = this.node(name);
    const pid = n.vrrpd?.proc?.pid ?? n.keepalived?.proc?.pid;
    if (pid === undefined) throw new Error(`${name} is not running`);
    return pid;
  }

  /** Who holds the VIP now. */
  async holders(): Promise<string[]> {
    const out: string[] = [];
    for (const n of this.nodes) if (await hasAddress(n.host.ns, 'eth0', VIP)) out.push(n.name);
    return out;
  }

  /** Until `master` has for `quietMs` held the VIP alone and been the only advertiser. */
  async settle(master: string, timeoutMs = 20_000, quietMs = 3000): Promise<void> {
    const src = this.node(master).host.ip;
    let since: number | undefined;
    const ok = await waitFor(async () => {
      const now = Date.now();
      const recent = (this.capture?.adverts() ?? []).filter((a) => a.t > now - 1500 && a.priority > 0);
      const h = await this.holders();
      const good = h.length === 1 && h[0] === master && recent.length >= 1 && recent.every((a) => a.src === src);
      since = good ? (since ?? now) : undefined;
      return since !== undefined && now - since >= quietMs;
    }, timeoutMs, 200);
    if (!ok) throw new Error(`the lab did not settle on ${master}: VIP on [${(await this.holders()).join(', ')}]`);
  }

  /** The judge's verdict on what happened from `from` to now. */
  async verdict(from: number, boundMs: number, o: Partial<FaultWindow> = {}): Promise<Verdict> {
    const to = Date.now();
    const addresses: AddressEvent[] = [];
    for (const n of this.nodes) {
      for (const e of n.monitor?.events ?? []) if (e.address === VIP) addresses.push({ t: e.t, node: n.name, address: e.address, present: !e.deleted });
      addresses.push(...snapshotEvents(to, n.name, (await hasAddress(n.host.ns, 'eth0', VIP)) ? [VIP] : [], [VIP]));
    }
    const nodeOf = new Map(this.nodes.map((n) => [n.host.ip, n.name]));
    for (const [ip, name] of o.nodeOf ?? []) nodeOf.set(ip, name);
    if (process.env.VRRPD_FAULTS_DEBUG) console.error(JSON.stringify({ from, to, addresses, adverts: this.capture?.adverts().filter((a) => a.t > from - 5000) }));
    return judge(this.capture?.adverts() ?? [], addresses, {
      from,
      to,
      boundMs,
      vips: new Map([[VRID, [VIP]]]),
      advertIntervalMs: INTERVAL_MS,
      minSettledMs: 2500,
      ...o,
      nodeOf,
    });
  }

  async destroy(): Promise<void> {
    for (const n of this.nodes) {
      n.monitor?.stop();
      if (n.vrrpd?.running) await n.vrrpd.stop('SIGKILL');
      n.keepalived?.kill();
      await n.keepalived?.waitExit();
    }
    await this.capture?.stop().catch(() => undefined);
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
