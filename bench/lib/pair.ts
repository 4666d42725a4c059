/**
 * The seed's topology for the benches: op1 (priority 100, MASTER) and op2 (90) floating
 * 192.168.50.100, a TCP listener on 7443 on each (nginx's stand-in), a client probing the VIP,
 * and a capture of the adverts on the client's port. Everything lives in a namespace lab.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLab, labUnavailableReason, type Lab, type LabHost } from '../../src/lab/netns.js';
import { AdvertCapture } from './capture.js';
import { Prober } from './client.js';
import { Daemon, instanceConfig } from './daemon.js';
import { FIXTURES } from './paths.js';
import { sleep } from './stats.js';

export const VIP = '192.168.50.100';
export const VIP_CIDR = `${VIP}/24`;
/** The IPv6 lab: the seed's IPv6 VIPs (SEED_VIPS6) live in fd00:50::/64; the client probes the global one. */
const SUBNET6 = 'fd00:50';
export const VIP6 = 'fd00:50::100';
const VIP6_CIDRS = ['fe80::100/64', `${VIP6}/64`];

export interface PairOptions {
  /** Extra vrrp_script blocks and instance lines per node. */
  readonly scripts?: string;
  readonly op1Extra?: string;
  readonly op2Extra?: string;
  /** Start a capture of the adverts on the client. Default true. */
  readonly capture?: boolean;
  /** VRRP version and advert_int (s) of both nodes (2 and 1 s when absent). */
  readonly version?: 2 | 3;
  readonly interval?: number;
  /** ipv6: the instance is the seed's over IPv6 (VI_6, VRRPv3), listeners on ::, the client probes VIP6. */
  readonly family?: 'ipv4' | 'ipv6';
}

export class Pair {
  readonly op1: Daemon;
  readonly op2: Daemon;
  readonly client: LabHost;
  readonly listeners = new Map<string, ChildProcess>();
  capture: AdvertCapture | undefined;
  prober: Prober | undefined;

  private constructor(
    readonly lab: Lab,
    readonly dir: string,
    readonly family: 'ipv4' | 'ipv6',
  ) {
    this.op1 = new Daemon(lab.host('op1'), dir);
    this.op2 = new Daemon(lab.host('op2'), dir);
    this.client = lab.host('client');
  }

  /** Builds the lab (prefix `vtb`), listeners, capture and prober; daemons configured, not started. */
  static async create(o: PairOptions = {}): Promise<Pair> {
    const why = await labUnavailableReason();
    if (why !== undefined) throw new Error(`cannot run the bench: ${why}`);
    const family = o.family ?? 'ipv4';
    const lab = await createLab({ hosts: ['op1', 'op2', 'client'], prefix: 'vtb', ...(family === 'ipv6' ? { subnet6: SUBNET6 } : {}) });
    const pair = new Pair(lab, mkdtempSync(join(tmpdir(), 'vtb-')), family);
    try {
      if (family === 'ipv6') await Promise.all(['op1', 'op2', 'client'].map((h) => lab.host(h).linkLocal6())); // DAD over before anything sends
      pair.op1.writeConfig(instanceConfig({ state: 'MASTER', priority: 100, scripts: o.scripts, extra: o.op1Extra, version: o.version, interval: o.interval, family }));
      pair.op2.writeConfig(instanceConfig({ priority: 90, scripts: o.scripts, extra: o.op2Extra, version: o.version, interval: o.interval, family }));
      await pair.startListener('op1');
      await pair.startListener('op2');
      if (o.capture !== false) pair.capture = await AdvertCapture.start(pair.client, join(pair.dir, 'adverts.pcap'), undefined, family);
      pair.prober = Prober.start(pair.client, family === 'ipv6' ? VIP6 : VIP);
    } catch (e) {
      await pair.destroy();
      throw e;
    }
    return pair;
  }

  /** Starts the 7443 listener on `name`; resolves once it listens. */
  async startListener(name: 'op1' | 'op2'): Promise<void> {
    const listen = this.family === 'ipv6' ? ['::'] : [];
    const child = this.lab.host(name).spawn('node', [join(FIXTURES, 'listener.js'), name, '7443', ...listen], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.listeners.set(name, child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`listener on ${name} exited (${code})`)));
    });
  }

  /** Stops the listener on `name` (SIGKILL: nginx dying); resolves when it is gone. */
  async stopListener(name: 'op1' | 'op2'): Promise<void> {
    const child = this.listeners.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /**
   * Brings op1 back as master and op2 as backup, whatever happened before: link up, a VIP left
   * by a SIGKILL removed, op1's daemon started if it is not running. Then waits until the
   * client reaches op1 through the VIP.
   */
  /** The VIPs a killed master may have left on its eth0 (with their prefix). */
  get vipCidrs(): readonly string[] {
    return this.family === 'ipv6' ? VIP6_CIDRS : [VIP_CIDR];
  }

  /** The instance's name in the seed's configs. */
  get instance(): string {
    return this.family === 'ipv6' ? 'VI_6' : 'VI_1';
  }

  async restore(timeoutMs = 15_000): Promise<void> {
    const { op1, op2 } = this;
    if (!op1.running) {
      for (const v of this.vipCidrs) await op1.host.exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
      await op1.host.linkUp();
      const from = op1.logs.length;
      op1.start();
      await op1.waitState('MASTER', timeoutMs, from);
    }
    if (!op2.running) {
      const from = op2.logs.length;
      op2.start();
      await op2.waitState('BACKUP', timeoutMs, from);
    }
    await this.waitAnswer('op1', Date.now(), timeoutMs);
  }

  /** Resolves with the start time of the first probe from `from` on answered by `name`. */
  async waitAnswer(name: string, from: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.prober?.probes.find((p) => p.ok && p.what === name && p.t >= from);
      if (hit) return hit.t;
      if (Date.now() > deadline) throw new Error(`the client got no answer from ${name} within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  async destroy(): Promise<void> {
    this.prober?.stop();
    await this.capture?.stop().catch(() => undefined);
    await Promise.all([this.op1.stop('SIGKILL'), this.op2.stop('SIGKILL')]).catch(() => undefined);
    await this.lab.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
