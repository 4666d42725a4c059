/**
 * Real vrrpd daemons in network namespaces: a lab of hosts on one bridge, a config per node,
 * each daemon's JSON log lines collected, and helpers to wait for states and VIP holders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queryStatus } from '../../../src/daemon/status-server.js';
import { DaemonProcess } from '../../../src/lab/daemon-process.js';
import { vrrpdMain } from '../../../src/lab/topology.js';
import { isDaemonStatus, type DaemonStatus } from '../../../src/status/model.js';
import { createLab, labUnavailableReason, type Lab, type LabHost } from '../../helpers/netns.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
/** The daemon as the `vrrpd` bin runs it: the bundle (npm run build). */
export const CLI = vrrpdMain();

export type { LogLine } from '../../../src/lab/daemon-process.js';

/** A daemon in the lab, with the checks tests make on its host. */
export class Node extends DaemonProcess {
  constructor(host: LabHost, dir: string) {
    super(host, dir, CLI);
  }

  /** Addresses on eth0 now, IPv4 and IPv6 ("192.168.50.100/24", "fd00:50::100/64"). */
  async addresses(): Promise<string[]> {
    const out = await this.host.mustExec('ip', ['-j', 'addr', 'show', 'dev', 'eth0']);
    const parsed = JSON.parse(out) as { addr_info: { local: string; prefixlen: number }[] }[];
    return (parsed[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`);
  }

  /**
   * The daemon's status model, asked on its status socket from this process, as `vrrpd status`
   * asks it (a unix socket path reaches across network namespaces). Tests poll this a lot: a
   * `node` start-up per call cost ~0.5 s on the 2-core CI machine. statusCli() goes through the bin.
   */
  async status(): Promise<DaemonStatus> {
    const r = await queryStatus(this.runDir);
    if (!r.ok) throw new Error(`${this.host.name}: ${r.error}`);
    if (!isDaemonStatus(r.value)) throw new Error(`${this.host.name}: the status socket's answer is not a status model: ${JSON.stringify(r.value).slice(0, 200)}`);
    return r.value;
  }

  /** The daemon's status model, as `vrrpd status --json` run in the node's namespace prints it. */
  async statusCli(): Promise<DaemonStatus> {
    const out = await this.host.mustExec('node', [CLI, 'status', '--json', '--run-dir', this.runDir]);
    const s: unknown = JSON.parse(out);
    if (!isDaemonStatus(s)) throw new Error(`${this.host.name}: vrrpd status --json is not a status model: ${out.slice(0, 200)}`);
    return s;
  }
}

export interface Cluster {
  readonly lab: Lab;
  readonly nodes: Node[];
  node(name: string): Node;
  destroy(): Promise<void>;
}

/** A lab with one daemon slot per host name (daemons are not started); `subnet6` adds an IPv6 LAN. */
export async function cluster(hosts: string[], prefix: string, subnet?: string, subnet6?: string): Promise<Cluster> {
  const lab = await createLab({ hosts, prefix, ...(subnet ? { subnet } : {}), ...(subnet6 ? { subnet6 } : {}) });
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const nodes = lab.hosts.map((h) => new Node(h, dir));
  return {
    lab,
    nodes,
    node: (name) => nodes.find((n) => n.host.name === name)!,
    async destroy() {
      await Promise.all(nodes.map((n) => n.stop('SIGKILL').catch(() => undefined)));
      await lab.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const skipReason = labUnavailableReason;

export { dualStackConfig, seedConfig, seedConfig6, SEED_VIPS6 } from '../../../src/lab/seed-config.js';

/** Stop every daemon (SIGKILL) and strip the test VIPs, between tests sharing one lab. */
export async function resetNodes(c: Cluster, vips: string[] = ['192.168.50.100/24']): Promise<void> {
  await Promise.all(c.nodes.map((n) => n.stop('SIGKILL')));
  for (const n of c.nodes) {
    n.logs.length = 0;
    await n.host.linkUp();
    for (const v of vips) await n.host.exec('ip', ['addr', 'del', v, 'dev', 'eth0']);
  }
}

/** Which nodes hold `vip` on eth0 now. */
export async function holders(c: Cluster, vip = '192.168.50.100/24'): Promise<string[]> {
  const out: string[] = [];
  for (const n of c.nodes) if ((await n.addresses()).includes(vip)) out.push(n.host.name);
  return out;
}

/**
 * Wait until `master` is MASTER and every other running node is BACKUP following it (daemons
 * started together may both claim mastership for a moment before the election settles).
 * `instance`: which of the status's instances (default the first); `masterIp`: the master's
 * advert source (default its IPv4 address; an IPv6 instance's is the master's link-local address).
 */
export async function waitConverged(c: Cluster, master: string, timeoutMs = 12_000, opts: { instance?: number; masterIp?: string } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ip = opts.masterIp ?? c.node(master).host.ip;
  let last = '';
  while (Date.now() < deadline) {
    const states: string[] = [];
    for (const n of c.nodes.filter((x) => x.proc && x.proc.exitCode === null && x.proc.signalCode === null)) {
      try {
        const i = (await n.status()).instances[opts.instance ?? 0];
        states.push(`${n.host.name}:${i?.state}:${i?.masterIp}`);
      } catch {
        states.push(`${n.host.name}:?`);
      }
    }
    last = states.join(' ');
    const ok = states.every((s) => (s.startsWith(`${master}:`) ? s === `${master}:MASTER:${ip}` : s.endsWith(`:BACKUP:${ip}`)));
    if (ok && states.length > 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`election did not settle on ${master}: ${last}`);
}

/** Poll (up to `timeoutMs`) until the nodes named in `expected` are exactly those holding `vip`, ignoring `except`. */
export async function expectHolders(c: Cluster, expected: string[], opts: { vip?: string; except?: string[]; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 3000);
  let now: string[] = [];
  while (Date.now() < deadline) {
    now = (await holders(c, opts.vip)).filter((h) => !(opts.except ?? []).includes(h));
    if (JSON.stringify(now) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`VIP ${opts.vip ?? '192.168.50.100/24'} held by [${now.join(', ')}], expected [${expected.join(', ')}]`);
}
