/**
 * Network-namespace lab (integration tests, `vrrpd lab`, the demo): a "switch" namespace holding
 * a bridge, and one namespace per host joined to it by a veth pair (host side "eth0", addressed
 * SUBNET.N/24, and SUBNET6::N/64 when an IPv6 prefix is given; every host also has its kernel
 * link-local IPv6 address). Nothing is created in the caller's namespace. Names are
 * `${prefix}-${pid}-${rand}-${host}` (or `${id}-${host}` with an explicit id), so `sweep(prefix)`
 * can tell leftovers of dead runs from labs of live ones. `destroy()` kills every process left in
 * the lab's namespaces and deletes them; an exit/signal hook does the same for labs a failing
 * test forgot, unless the lab was `release()`d to outlive this process (`vrrpd lab up`).
 */
import { spawn as spawnChild, execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { run, type ExecError, type ExecOutput } from '../io/exec.js';
import type { Result } from '../result.js';

export interface LabOptions {
  readonly hosts: readonly string[];
  /** Name prefix; default "vti". Letters/digits only. */
  readonly prefix?: string;
  /** First three octets of the /24 LAN; host i gets .(i+1). Default "192.168.50". */
  readonly subnet?: string;
  /** Last octet of each host's address (same order as hosts); default i+1. */
  readonly octets?: readonly number[];
  /** An IPv6 LAN prefix ("fd00:50" gives host N the address fd00:50::N/64, its octet written as is: octet 11 gives fd00:50::11); none by default. */
  readonly subnet6?: string;
  /** Use this id instead of `${prefix}-${pid}-${rand}` (letters, digits, at most 10 chars). */
  readonly id?: string;
}

export interface LabHost {
  readonly name: string;
  readonly ns: string;
  /** The LAN interface inside the host namespace. */
  readonly ifname: 'eth0';
  /** The host's LAN address, e.g. "192.168.50.1". */
  readonly ip: string;
  /** The host's global IPv6 address when the lab has an IPv6 LAN, e.g. "fd00:50::1". */
  readonly ip6: string | undefined;
  readonly mac: string;
  /** The host's link-local IPv6 address, once duplicate address detection is done (waits up to `timeoutMs`). */
  linkLocal6(timeoutMs?: number): Promise<string>;
  /** Runs `cmd args` inside the namespace (execFile, no shell). */
  exec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<Result<ExecOutput, ExecError>>;
  /** Like exec, but throws with the command's stderr when it fails (test convenience). */
  mustExec(cmd: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Starts a long-running process inside the namespace; killed by destroy(). */
  spawn(cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Cuts the cable: the switch-side port goes down, the host sees no carrier. */
  linkDown(): Promise<void>;
  linkUp(): Promise<void>;
  /** Deletes the host's eth0 (its veth peer, the bridge port, goes with it): the interface is gone. */
  deleteInterface(): Promise<void>;
  /** Creates eth0 again as the lab first did (same MAC, addresses, bridge port): a new ifindex. */
  recreateInterface(): Promise<void>;
  /** A partition: the host's bridge port disabled (no frames either way), both carriers up. */
  isolate(): Promise<void>;
  /** Heals `isolate()`: the port forwards again. */
  rejoin(): Promise<void>;
}

export interface Lab {
  readonly id: string;
  readonly switchNs: string;
  readonly hosts: readonly LabHost[];
  host(name: string): LabHost;
  /** Every namespace of the lab. */
  namespaces(): string[];
  destroy(): Promise<void>;
  /** Let the lab outlive this process: no exit hook will destroy it (`destroy()` still works). */
  release(): void;
}

const live = new Set<LabImpl>();
let hooksInstalled = false;

/** Why the lab cannot run here (not root, no `ip netns`), or undefined when it can. */
export async function labUnavailableReason(): Promise<string | undefined> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (network namespaces, raw sockets)';
  const r = await run('ip', ['netns', 'list']);
  if (!r.ok) return `\`ip netns\` unavailable: ${r.error.detail}`;
  return undefined;
}

/** Builds the lab; on any failure removes what it made and rethrows. */
export async function createLab(opts: LabOptions): Promise<Lab> {
  const prefix = opts.prefix ?? 'vti';
  if (!/^[a-z][a-z0-9]{0,7}$/.test(prefix)) throw new Error(`bad lab prefix ${prefix}`);
  if (opts.hosts.length === 0 || opts.hosts.length > 200) throw new Error('a lab needs 1..200 hosts');
  for (const h of opts.hosts) if (!/^[a-z][a-z0-9]{0,9}$/.test(h)) throw new Error(`bad host name ${h}`);
  if (opts.id !== undefined && !/^[a-z][a-z0-9]{0,9}$/.test(opts.id)) throw new Error(`bad lab id ${opts.id}`);
  const octets = opts.octets ?? opts.hosts.map((_, i) => i + 1);
  if (octets.length !== opts.hosts.length || octets.some((o) => !Number.isInteger(o) || o < 1 || o > 254) || new Set(octets).size !== octets.length) {
    throw new Error('octets: one distinct 1..254 per host');
  }
  const id = opts.id ?? `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (opts.subnet6 !== undefined && !/^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){0,3}$/.test(opts.subnet6)) throw new Error(`bad IPv6 subnet ${opts.subnet6}`);
  const lab = new LabImpl(id, opts.subnet ?? '192.168.50', octets, opts.subnet6);
  live.add(lab);
  installHooks();
  try {
    await lab.build(opts.hosts);
  } catch (e) {
    await lab.destroy();
    throw e;
  }
  return lab;
}

async function ip(args: readonly string[]): Promise<string> {
  const r = await run('ip', args, { timeoutMs: 10_000 });
  if (!r.ok) throw new Error(r.error.detail);
  return r.value.stdout;
}

/** STP state of bridge port `port` (`bridge link set`; `ip link set type bridge_slave state` is ignored here). */
async function portState(sw: string, port: string, state: 'disabled' | 'forwarding'): Promise<void> {
  const r = await run('bridge', ['-n', sw, 'link', 'set', 'dev', port, 'state', state === 'disabled' ? '0' : '3'], { timeoutMs: 10_000 });
  if (!r.ok) throw new Error(r.error.detail);
}

class LabImpl implements Lab {
  readonly hosts: LabHost[] = [];
  readonly switchNs: string;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  constructor(
    readonly id: string,
    private readonly subnet: string,
    private readonly octets: readonly number[],
    private readonly subnet6: string | undefined,
  ) {
    this.switchNs = `${id}-sw`;
  }

  namespaces(): string[] {
    return [this.switchNs, ...this.hosts.map((h) => h.ns)];
  }

  host(name: string): LabHost {
    const h = this.hosts.find((x) => x.name === name);
    if (h === undefined) throw new Error(`no host ${name} in lab ${this.id}`);
    return h;
  }

  async build(names: readonly string[]): Promise<void> {
    const sw = this.switchNs;
    await ip(['netns', 'add', sw]);
    await ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0', 'stp_state', '0', 'forward_delay', '0']);
    await ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    await ip(['-n', sw, 'link', 'set', 'lo', 'up']);
    for (const [i, name] of names.entries()) this.hosts.push(await this.addHost(name, i));
  }

  private async addHost(name: string, i: number): Promise<LabHost> {
    const sw = this.switchNs;
    const ns = `${this.id}-${name}`;
    const port = `p${i}`;
    const addr = `${this.subnet}.${this.octets[i] ?? i + 1}`;
    const mac = `02:00:5e:${hex2(i >> 8)}:${hex2(i & 0xff)}:01`;
    const addr6 = this.subnet6 === undefined ? undefined : `${this.subnet6}::${this.octets[i] ?? i + 1}`;
    // The host's cable: a veth pair, eth0 in the host, its peer a port of the bridge.
    const plug = async (): Promise<void> => {
      await ip(['-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['-n', sw, 'link', 'set', port, 'master', 'br0', 'up']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'address', mac]);
      await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
      if (addr6 !== undefined) await ip(['-n', ns, 'addr', 'add', `${addr6}/64`, 'dev', 'eth0', 'nodad']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    };
    await ip(['netns', 'add', ns]);
    await plug();
    await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    const exec = (cmd: string, args: readonly string[], timeoutMs = 10_000) => run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs });
    return {
      name,
      ns,
      ifname: 'eth0',
      ip: addr,
      ip6: addr6,
      mac,
      linkLocal6: (timeoutMs = 10_000) => linkLocal6(ns, timeoutMs),
      exec,
      mustExec: async (cmd, args, timeoutMs) => {
        const r = await exec(cmd, args, timeoutMs);
        if (!r.ok) throw new Error(`[${name}] ${r.error.detail}\n${r.error.stderr}`);
        return r.value.stdout;
      },
      spawn: (cmd, args, o = {}) => this.track(spawnChild('ip', ['netns', 'exec', ns, cmd, ...args], o)),
      deleteInterface: async () => void (await ip(['-n', ns, 'link', 'del', 'eth0'])),
      recreateInterface: plug,
      linkDown: async () => void (await ip(['-n', sw, 'link', 'set', port, 'down'])),
      linkUp: async () => void (await ip(['-n', sw, 'link', 'set', port, 'up'])),
      isolate: () => portState(sw, port, 'disabled'),
      rejoin: () => portState(sw, port, 'forwarding'),
    };
  }

  private track(child: ChildProcess): ChildProcess {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  release(): void {
    live.delete(this);
    for (const c of this.children) c.unref();
    this.children.clear();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces().reverse()) await removeNamespace(ns);
  }

  /** Synchronous teardown for process-exit hooks. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces().reverse()) removeNamespaceSync(ns);
  }
}

/** The usable (not tentative) link-local IPv6 address of eth0 in `ns`, polled until `timeoutMs`. */
async function linkLocal6(ns: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await ip(['-n', ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
    const infos = ((JSON.parse(out) as { addr_info?: { local?: string; tentative?: boolean; dadfailed?: boolean }[] }[])[0]?.addr_info ?? []);
    const ready = infos.find((a) => a.local !== undefined && a.tentative !== true && a.dadfailed !== true);
    if (ready?.local !== undefined) return ready.local;
    if (Date.now() > deadline) throw new Error(`no usable link-local IPv6 address on eth0 in ${ns} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills every process in namespace `ns` and deletes it (no error when it is already gone). */
export async function removeNamespace(ns: string): Promise<void> {
  const pids = await run('ip', ['netns', 'pids', ns]);
  if (pids.ok) for (const pid of parsePids(pids.value.stdout)) killQuietly(pid);
  await run('ip', ['netns', 'del', ns]);
}

function removeNamespaceSync(ns: string): void {
  try {
    for (const pid of parsePids(execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))) killQuietly(pid);
  } catch {
    // namespace already gone
  }
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

function parsePids(text: string): number[] {
  return text.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number).filter((p) => p !== process.pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanAll = () => {
    for (const lab of live) lab.destroySync();
    live.clear();
  };
  process.once('exit', cleanAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanAll();
      process.kill(process.pid, sig);
    });
  }
}

/**
 * Removes namespaces named `${prefix}-PID-...` whose creating process is gone (leftovers of
 * crashed runs). Labs of live processes are left alone. Returns the names removed.
 */
export async function sweep(prefix = 'vti'): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  if (!r.ok) return [];
  const pattern = new RegExp(`^${prefix}-(\\d+)-[0-9a-f]{6}-[a-z0-9]+$`);
  const removed: string[] = [];
  for (const line of r.value.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = pattern.exec(name);
    if (m === null || isAlive(Number(m[1]))) continue;
    await removeNamespace(name);
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
