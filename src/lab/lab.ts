/**
 * The running lab: namespaces from netns.ts, the deploy kit's configs, and its processes (three
 * apiserver stand-ins, nginx and vrrpd on op1/op2, the probing client). Everything it made is in
 * a state file (LAB_ROOT/ID/state.json), so another process (`vrrpd lab status|down`) can look
 * at it or remove it; `removeStaleLabs` deletes every lab namespace whose owner is gone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryStatus } from '../daemon/status-server.js';
import { run } from '../io/exec.js';
import { nginxMainConfig, nginxStreamConfig, vrrpdConfig, type CheckKind, type LabProtocol } from './configs.js';
import { createLab, removeNamespace } from './netns.js';
import { binNodeFlags } from './node-flags.js';
import { alive, hasAddress, listening, signal, spawnIn, waitExit, waitFor } from './procs.js';
import { API_PORT, APIS, distFile, HOSTS, LAB_NS_PATTERN, LAB_PREFIX, LAB_ROOT, LAB_SUBNET, LAB_SUBNET6, METRICS_LISTEN, METRICS_URL, OPS, PROXY_PORT, SCRAPE_EVERY_MS, VIP, VIP6, vrrpdMain, type OpName } from './topology.js';

export interface LabState {
  readonly id: string;
  readonly dir: string;
  /** The process that made the lab; a lab whose owner is alive is not swept. */
  readonly owner: number;
  readonly mode: 'up' | 'demo';
  readonly check: CheckKind;
  /** VRRP version and advert interval, when not the deploy kit's (VRRPv2, 1 s). */
  readonly protocol?: LabProtocol;
  readonly created: string;
  readonly switchNs: string;
  /** Host name -> namespace. */
  readonly ns: Record<string, string>;
  /** "op1.vrrpd", "op1.nginx", "api2", "client" -> pid. */
  readonly pids: Record<string, number>;
  /** Hosts whose cable is cut. */
  readonly cut?: string[];
  /** Dual stack: an IPv6 LAN, the deploy kit's dual-stack configs, a second client probing the IPv6 VIP. */
  readonly dualStack?: boolean;
}

export interface UpOptions {
  readonly mode: 'up' | 'demo';
  readonly check?: CheckKind;
  readonly dualStack?: boolean;
  readonly protocol?: LabProtocol;
  readonly say?: (line: string) => void;
}

export class LabRun {
  constructor(readonly state: LabState) {}

  /** Reads a lab's state file. */
  static load(id: string): LabRun | undefined {
    try {
      return new LabRun(JSON.parse(readFileSync(join(LAB_ROOT, id, 'state.json'), 'utf8')) as LabState);
    } catch {
      return undefined;
    }
  }

  /** Builds the whole lab; on any failure removes what it made and rethrows. */
  static async create(opts: UpOptions): Promise<LabRun> {
    const say = opts.say ?? (() => undefined);
    const module = await streamModule();
    const id = `${LAB_PREFIX}${randomBytes(3).toString('hex').slice(0, 5)}`;
    const dir = join(LAB_ROOT, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = HOSTS.map((h) => h.name);
    const ns = Object.fromEntries(names.map((n) => [n, `${id}-${n}`]));
    const dualStack = opts.dualStack === true;
    const protocol = opts.protocol ?? {};
    const lab = new LabRun({ id, dir, owner: process.pid, mode: opts.mode, check: opts.check ?? 'tcp', protocol, created: new Date().toISOString(), switchNs: `${id}-sw`, ns, pids: {}, dualStack });
    lab.save();
    try {
      const net = await createLab({ hosts: names, octets: HOSTS.map((h) => h.octet), subnet: LAB_SUBNET, id, prefix: LAB_PREFIX, ...(dualStack ? { subnet6: LAB_SUBNET6 } : {}) });
      net.release(); // the state file owns it from here; destroy() and removeStaleLabs() remove it
      say(`namespaces ${id}-{sw,${names.join(',')}} on one bridge, LAN ${LAB_SUBNET}.0/24, VIP ${VIP}${dualStack ? `; IPv6 LAN ${LAB_SUBNET6}::/64, VIP ${VIP6}` : ''}`);
      // vrrpd sends IPv6 adverts from the link-local address: wait for duplicate address detection.
      if (dualStack) for (const op of OPS) await net.host(op).linkLocal6();
      for (const api of APIS) lab.startApi(api);
      for (const op of OPS) lab.writeConfigs(op, module);
      for (const op of OPS) lab.startNginx(op);
      await lab.waitListening([...APIS.map((a) => [a, API_PORT] as const), ...OPS.map((o) => [o, PROXY_PORT] as const)]);
      say(`apiservers ${APIS.join(', ')} on :${API_PORT}; nginx on op1, op2 proxying :${PROXY_PORT} to them`);
      for (const op of OPS) lab.startVrrpd(op);
      for (const op of OPS) await lab.waitVrrpd(op);
      const interval = protocol.advertInt !== undefined ? `, advert_int ${protocol.advertInt} s` : '';
      const instances = dualStack ? `VRID 251 over IPv4 (VRRPv${protocol.version ?? 2}) and IPv6 (VRRPv3) in one sync group${interval}` : `VRID 251, VRRPv${protocol.version ?? 2}${interval}`;
      say(`vrrpd on op1 (MASTER, priority 100) and op2 (BACKUP, priority 90), ${instances}, check: ${lab.state.check === 'tcp' ? 'check_tcp 127.0.0.1:7443' : 'deploy/check_nginx.sh'}`);
      lab.startClient();
      return lab;
    } catch (e) {
      await lab.destroy();
      throw e;
    }
  }

  save(): void {
    writeFileSync(join(this.state.dir, 'state.json'), `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
  }

  path(...parts: string[]): string {
    return join(this.state.dir, ...parts);
  }

  ns(host: string): string {
    const n = this.state.ns[host];
    if (n === undefined) throw new Error(`no lab host ${host}`);
    return n;
  }

  private spawn(key: string, host: string, cmd: string, args: readonly string[], log: string): void {
    this.state.pids[key] = spawnIn(this.ns(host), cmd, args, log);
    this.save();
  }

  private writeConfigs(op: OpName, module: string | undefined): void {
    mkdirSync(this.path(op, 'nginx'), { recursive: true, mode: 0o700 });
    mkdirSync(this.path(op, 'run'), { recursive: true, mode: 0o700 });
    const dual = this.state.dualStack === true;
    writeFileSync(this.path(op, 'keepalived.conf'), vrrpdConfig(op, this.state.check, this.state.protocol, dual), { mode: 0o600 });
    writeFileSync(this.path(op, 'nginx', 'stream.conf'), nginxStreamConfig(dual));
    writeFileSync(this.path(op, 'nginx', 'nginx.conf'), nginxMainConfig(this.path(op, 'nginx'), module));
  }

  startApi(api: string): void {
    this.spawn(api, api, process.execPath, [distFile('src/lab/apiserver.js'), api, String(API_PORT)], this.path(`${api}.log`));
  }

  async killApi(api: string): Promise<void> {
    signal(this.state.pids[api], 'SIGKILL');
    await waitExit(this.state.pids[api], 3000);
  }

  startNginx(op: OpName): void {
    const d = this.path(op, 'nginx');
    this.spawn(`${op}.nginx`, op, 'nginx', ['-p', `${d}/`, '-c', join(d, 'nginx.conf'), '-e', join(d, 'error.log')], join(d, 'output.log'));
  }

  async stopNginx(op: OpName): Promise<void> {
    signal(this.state.pids[`${op}.nginx`], 'SIGTERM');
    await waitExit(this.state.pids[`${op}.nginx`], 5000);
  }

  startVrrpd(op: OpName): void {
    const main = vrrpdMain();
    const args = [...binNodeFlags(main), main, 'run', '-f', this.path(op, 'keepalived.conf'), '--run-dir', this.path(op, 'run'), '--log-json', '--metrics', METRICS_LISTEN];
    this.spawn(`${op}.vrrpd`, op, process.execPath, args, this.path(op, 'vrrpd.log'));
  }

  /** Records the node's metrics every SCRAPE_EVERY_MS into `op/metrics.jsonl` (scrape.js), across vrrpd restarts. */
  startScraper(op: OpName): void {
    this.spawn(`${op}.scrape`, op, process.execPath, [distFile('src/lab/scrape.js'), METRICS_URL, this.path(op, 'metrics.jsonl'), String(SCRAPE_EVERY_MS)], this.path(op, 'scrape.log'));
  }

  /** One scrape of the node's metrics now (the exposition text), or undefined when it does not answer. */
  async scrape(op: OpName): Promise<string | undefined> {
    const r = await run('ip', ['netns', 'exec', this.ns(op), process.execPath, distFile('src/lab/scrape.js'), METRICS_URL], { timeoutMs: 5000 });
    return r.ok ? r.value.stdout : undefined;
  }

  /** SIGTERM: clean handover; SIGKILL: the process just vanishes. Waits until it is gone. */
  async stopVrrpd(op: OpName, sig: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    signal(this.state.pids[`${op}.vrrpd`], sig);
    await waitExit(this.state.pids[`${op}.vrrpd`], 5000);
  }

  async waitVrrpd(op: OpName): Promise<void> {
    const ok = await waitFor(async () => (await queryStatus(this.path(op, 'run'), 500)).ok || !alive(this.state.pids[`${op}.vrrpd`]), 15_000, 100);
    if (!ok || !alive(this.state.pids[`${op}.vrrpd`])) throw new Error(`vrrpd on ${op} did not start; see ${this.path(op, 'vrrpd.log')}:\n${tail(this.path(op, 'vrrpd.log'))}`);
  }

  /** The probing client: one prober per VIP (the IPv6 one in dual stack), 10 ms apart, 300 ms timeout. */
  startClient(): void {
    mkdirSync(this.path('client'), { recursive: true, mode: 0o700 });
    for (const c of this.clients()) {
      this.spawn(c.key, 'client', process.execPath, [distFile('src/lab/prober.js'), c.vip, String(PROXY_PORT), this.path('client', c.log), '10', '300'], this.path('client', `${c.key}.out`));
    }
  }

  async stopClient(): Promise<void> {
    for (const c of this.clients()) signal(this.state.pids[c.key], 'SIGTERM');
    for (const c of this.clients()) await waitExit(this.state.pids[c.key], 3000);
  }

  /** The client's probers: key in `pids`, VIP probed, probe log (client/). */
  clients(): { key: string; family: 'ipv4' | 'ipv6'; vip: string; log: string }[] {
    const v4 = { key: 'client', family: 'ipv4' as const, vip: VIP, log: 'probes.log' };
    return this.state.dualStack ? [v4, { key: 'client6', family: 'ipv6', vip: VIP6, log: 'probes6.log' }] : [v4];
  }

  /** Cuts (or restores) a host's cable at the switch. */
  async link(host: string, up: boolean): Promise<void> {
    const i = HOSTS.findIndex((h) => h.name === host);
    const r = await run('ip', ['-n', this.state.switchNs, 'link', 'set', `p${i}`, up ? 'up' : 'down']);
    if (!r.ok) throw new Error(r.error.detail);
    const cut = new Set(this.state.cut ?? []);
    if (up) cut.delete(host);
    else cut.add(host);
    (this.state as { cut?: string[] }).cut = [...cut];
    this.save();
  }

  /** Whether `op` has the VIP of `family` on its interface. */
  async hasVip(op: OpName, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<boolean> {
    return hasAddress(this.ns(op), 'eth0', family === 'ipv4' ? VIP : VIP6);
  }

  /** The OP nodes on the LAN (cable not cut) that have every VIP (both in dual stack) on their interface right now. */
  async vipHolders(): Promise<OpName[]> {
    const out: OpName[] = [];
    for (const op of OPS) {
      if ((this.state.cut ?? []).includes(op)) continue;
      let all = true;
      for (const c of this.clients()) all = all && (await this.hasVip(op, c.family));
      if (all) out.push(op);
    }
    return out;
  }

  async status(op: OpName): Promise<unknown> {
    const r = await queryStatus(this.path(op, 'run'), 1000);
    return r.ok ? r.value : { error: r.error };
  }

  private async waitListening(targets: readonly (readonly [string, number])[]): Promise<void> {
    for (const [host, port] of targets) {
      if (await waitFor(() => listening(this.ns(host), port), 10_000, 50)) continue;
      const log = host.startsWith('op') ? this.path(host, 'nginx', 'error.log') : this.path(`${host}.log`);
      throw new Error(`nothing listens on ${host}:${port}; see ${log}:\n${tail(log)}`);
    }
  }

  /** Kills every process, deletes the namespaces and the lab directory. */
  async destroy(): Promise<void> {
    // removeNamespace kills whatever runs in the namespace: no pid from the state file is trusted
    for (const ns of [...Object.values(this.state.ns), this.state.switchNs]) await removeNamespace(ns);
    rmSync(this.state.dir, { recursive: true, force: true });
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** The stream module to load, or undefined when nginx has it built in; throws when it is missing. */
async function streamModule(): Promise<string | undefined> {
  const r = await run('nginx', ['-V']);
  if (!r.ok) throw new Error(`nginx is not installed (${r.error.detail}); run scripts/install-deps.sh`);
  const flags = r.value.stderr + r.value.stdout;
  if (!/--with-stream=dynamic/.test(flags)) return undefined;
  const dir = /--modules-path=(\S+)/.exec(flags)?.[1] ?? '/usr/lib/nginx/modules';
  const file = join(dir, 'ngx_stream_module.so');
  if (!existsSync(file)) throw new Error(`nginx's stream module ${file} is missing: apt-get install libnginx-mod-stream`);
  return file;
}

/** Ids of labs that exist (namespaces or directories). */
export async function listLabs(): Promise<string[]> {
  const ids = new Set<string>();
  const r = await run('ip', ['netns', 'list']);
  if (r.ok) for (const line of r.value.stdout.split('\n')) {
    const m = LAB_NS_PATTERN.exec(line.split(' ')[0] ?? '');
    if (m) ids.add(m[1]!);
  }
  if (existsSync(LAB_ROOT)) for (const d of readdirSync(LAB_ROOT)) if (/^vrl[0-9a-f]{5}$/.test(d)) ids.add(d);
  return [...ids].sort();
}

/**
 * Removes every lab whose owner process is gone: leftovers of crashed runs and, with `includeUp`
 * (`vrrpd lab down`), labs left running by `vrrpd lab up`.
 */
export async function removeStaleLabs(includeUp: boolean): Promise<string[]> {
  const removed: string[] = [];
  const r = await run('ip', ['netns', 'list']);
  const namespaces = r.ok ? r.value.stdout.split('\n').map((l) => l.split(' ')[0] ?? '') : [];
  for (const id of await listLabs()) {
    const st = LabRun.load(id)?.state;
    if (st !== undefined && st.owner !== process.pid && alive(st.owner)) continue;
    if (st !== undefined && st.mode === 'up' && !includeUp) continue;
    await removeLab(id, namespaces);
    removed.push(id);
  }
  return removed;
}

/** Deletes lab `id`: its namespaces (killing what runs in them) and its directory. */
export async function removeLab(id: string, namespaces?: readonly string[]): Promise<void> {
  let names = namespaces;
  if (names === undefined) {
    const r = await run('ip', ['netns', 'list']);
    names = r.ok ? r.value.stdout.split('\n').map((l) => l.split(' ')[0] ?? '') : [];
  }
  for (const ns of names.filter((n) => n.startsWith(`${id}-`))) await removeNamespace(ns);
  rmSync(join(LAB_ROOT, id), { recursive: true, force: true });
}

let signalHooks = false;

/**
 * On SIGINT / SIGTERM / SIGHUP: remove every lab this process owns, then exit 130. Labs handed
 * over to a later `vrrpd lab down` (mode 'up', after a successful start) are left alone.
 */
export function cleanupOnSignal(keep: () => readonly string[] = () => []): void {
  if (signalHooks) return;
  signalHooks = true;
  const handler = (sig: NodeJS.Signals): void => {
    process.stderr.write(`\n${sig}: removing the lab...\n`);
    const removeOwn = async (): Promise<void> => {
      for (const id of await listLabs()) {
        if (LabRun.load(id)?.state.owner === process.pid && !keep().includes(id)) await removeLab(id);
      }
    };
    removeOwn().then(
      () => process.exit(130),
      (e: unknown) => {
        process.stderr.write(`could not remove the lab: ${String(e)}\n`);
        process.exit(130);
      },
    );
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, handler);
}
