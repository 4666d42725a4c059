/**
 * `vrrpd lab up|status|down|demo`: the seed's HA architecture in network namespaces on this
 * machine (root). `up` leaves it running for poking at, `status` shows it, `down` removes it and
 * any leftovers of earlier runs, `demo` runs the failover scenarios (what `npm run demo` runs).
 */
import { readFileSync } from 'node:fs';
import type { CheckKind, LabProtocol } from '../lab/configs.js';
import { runDemo } from '../lab/demo.js';
import { cleanupOnSignal, LabRun, listLabs, removeStaleLabs } from '../lab/lab.js';
import { waitFor } from '../lab/procs.js';
import { METRICS_URL, OPS, VIP, VIP6, PROXY_PORT } from '../lab/topology.js';

const USAGE = `usage: vrrpd lab up [OPTIONS]             build the lab and leave it running
       vrrpd lab status [--json]             what runs where, who holds the VIP, client success
       vrrpd lab down                        remove the lab and leftovers of earlier runs
       vrrpd lab demo [OPTIONS] [--out DIR]  run the failover scenarios, print the summary, write
                                             demo.svg, metrics.svg and a last scrape of each node
  OPTIONS: --check tcp|script          the nginx check (default tcp: check_tcp)
           --vrrp-version 2|3          vrrp_version of both nodes (default: the deploy kit's, 2)
           --advert-int SECONDS        advert_int of both nodes (default: the deploy kit's, 1;
                                       below 1 s or fractional needs --vrrp-version 3, 0.01 to 40.95)
           --dual-stack                the deploy kit's dual-stack configs (IPv4 and IPv6 VIPs in
                                       one sync group; the IPv6 instance is VRRPv3 always)
  (root: network namespaces; nginx with the stream module; run \`npm run build\` first)`;

interface LabArgs {
  check: CheckKind;
  protocol: { version?: 2 | 3; advertInt?: number };
  json: boolean;
  out: string;
  dualStack: boolean;
}

function parse(argv: readonly string[]): LabArgs | string {
  const a: LabArgs = { check: 'tcp', protocol: {}, json: false, out: 'lab-out', dualStack: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--json') a.json = true;
    else if (x === '--dual-stack') a.dualStack = true;
    else if (x === '--check' && (argv[i + 1] === 'tcp' || argv[i + 1] === 'script')) a.check = argv[++i] as CheckKind;
    else if (x === '--out' && argv[i + 1] !== undefined) a.out = argv[++i]!;
    else if (x === '--vrrp-version' && (argv[i + 1] === '2' || argv[i + 1] === '3')) a.protocol.version = Number(argv[++i]) as 2 | 3;
    else if (x === '--advert-int' && /^\d+(\.\d+)?$/.test(argv[i + 1] ?? '')) a.protocol.advertInt = Number(argv[++i]);
    else return `bad argument ${x}`;
  }
  return checkProtocol(a.protocol) ?? a;
}

/** What the configs could not carry: VRRPv2 whole seconds 1..255, VRRPv3 0.01..40.95 s. */
function checkProtocol(p: LabProtocol): string | undefined {
  const s = p.advertInt;
  if (s === undefined) return undefined;
  if ((p.version ?? 2) === 2 && (!Number.isInteger(s) || s < 1 || s > 255)) return `--advert-int ${s}: VRRPv2 carries whole seconds (1 to 255); add --vrrp-version 3 for ${s} s`;
  if (p.version === 3 && (s < 0.01 || s > 40.95)) return `--advert-int ${s}: VRRPv3 takes 0.01 to 40.95 s`;
  return undefined;
}

export async function runLab(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const args = parse(rest);
  if (verb === undefined || verb === '--help' || verb === '-h' || typeof args === 'string') {
    if (typeof args === 'string') process.stderr.write(`vrrpd lab: ${args}\n`);
    process.stdout.write(`${USAGE}\n`);
    return verb === undefined || typeof args === 'string' ? 2 : 0;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stderr.write('vrrpd lab: needs root (network namespaces)\n');
    return 1;
  }
  try {
    if (verb === 'up') return await up(args.check, args.protocol, args.dualStack);
    if (verb === 'status') return await status(args.json);
    if (verb === 'down') return await down();
    if (verb === 'demo') {
      const r = await runDemo({ check: args.check, protocol: args.protocol, dualStack: args.dualStack, outDir: args.out, write: (s) => process.stdout.write(s) });
      return r.passed ? 0 : 1;
    }
  } catch (e) {
    process.stderr.write(`vrrpd lab ${verb}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`vrrpd lab: unknown command ${verb}\n${USAGE}\n`);
  return 2;
}

async function up(check: CheckKind, protocol: LabProtocol, dualStack: boolean): Promise<number> {
  const running = [];
  for (const id of await listLabs()) if (LabRun.load(id)?.state.mode === 'up') running.push(id);
  if (running.length > 0) {
    process.stderr.write(`vrrpd lab: lab ${running.join(', ')} is already up (vrrpd lab down removes it)\n`);
    return 1;
  }
  await removeStaleLabs(false);
  cleanupOnSignal();
  const say = (s: string): void => void process.stdout.write(`  ${s}\n`);
  const lab = await LabRun.create({ mode: 'up', check, protocol, dualStack, say });
  // op1 (priority 100) ends up master; wait for that rather than for the first node to claim the VIP
  const elected = await waitFor(async () => (await lab.vipHolders()).join() === 'op1', 20_000, 100);
  const holders = await lab.vipHolders();
  const ns = lab.state.ns;
  process.stdout.write(
    [
      `lab ${lab.state.id} is up${elected ? `; ${dualStack ? `VIPs ${VIP} and ${VIP6}` : `VIP ${VIP}`} on ${holders.join(', ')}` : '; no VIP holder yet'}`,
      `  files, configs and logs: ${lab.state.dir}`,
      `  vrrpd status:   node dist/bundle/vrrpd.js status --run-dir ${lab.path('op1', 'run')}`,
      `  metrics:        ip netns exec ${ns.op1} node dist/src/lab/scrape.js ${METRICS_URL}`,
      `  a shell:        ip netns exec ${ns.client} bash      (e.g. curl-free: echo | nc ${VIP} ${PROXY_PORT})`,
      `  client probes:  tail -f ${lab.path('client', 'probes.log')}   (T OK MS API VIA ERR)`,
      `  stop nginx:     kill ${lab.state.pids['op1.nginx']}      power cut: kill -9 ${lab.state.pids['op1.vrrpd']}`,
      '  vrrpd lab status / vrrpd lab down',
      '',
    ].join('\n'),
  );
  return 0;
}

async function status(json: boolean): Promise<number> {
  const out: unknown[] = [];
  for (const id of await listLabs()) {
    const lab = LabRun.load(id);
    if (lab === undefined) {
      out.push({ id, leftover: true });
      continue;
    }
    const ops: Record<string, unknown> = {};
    for (const op of OPS) {
      const vip6 = lab.state.dualStack ? { vip6: await lab.hasVip(op, 'ipv6').catch(() => false) } : {};
      ops[op] = { vip: await lab.hasVip(op).catch(() => false), ...vip6, vrrpd: await lab.status(op) };
    }
    out.push({ id, mode: lab.state.mode, dir: lab.state.dir, created: lab.state.created, ops, client: clientSummary(lab.path('client', 'probes.log')) });
  }
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else process.stdout.write(out.length === 0 ? 'no lab\n' : `${out.map(describe).join('\n')}\n`);
  return 0;
}

function describe(l: unknown): string {
  const lab = l as { id: string; leftover?: boolean; mode: string; dir: string; ops: Record<string, { vip: boolean; vip6?: boolean; vrrpd: { instances?: { state: string; effectivePriority: number }[]; error?: string } }>; client: string };
  if (lab.leftover) return `${lab.id}: leftover namespaces without a state file (vrrpd lab down removes them)`;
  const lines = [`${lab.id} (${lab.mode}) in ${lab.dir}`];
  for (const [op, s] of Object.entries(lab.ops)) {
    const inst = s.vrrpd.instances?.[0];
    lines.push(`  ${op}: ${inst ? `${inst.state}, priority ${inst.effectivePriority}` : `vrrpd not answering (${s.vrrpd.error ?? '?'})`}${s.vip ? `, holds VIP ${VIP}` : ''}${s.vip6 ? `, holds VIP ${VIP6}` : ''}`);
  }
  lines.push(`  client: ${lab.client}`);
  return lines.join('\n');
}

/** Success rate over the last second of probes. */
function clientSummary(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'no probes yet';
  }
  const rows = text.trimEnd().split('\n').slice(-100).map((l) => l.split(' '));
  const ok = rows.filter((r) => r[1] === '1').length;
  const last = rows.at(-1);
  return `${ok}/${rows.length} of the last probes got through${last?.[1] === '1' ? ` (last via ${last[4]} to ${last[3]})` : ` (last failed: ${last?.[5] ?? '?'})`}`;
}

async function down(): Promise<number> {
  const removed = await removeStaleLabs(true);
  process.stdout.write(removed.length === 0 ? 'no lab to remove\n' : `removed ${removed.join(', ')}\n`);
  const left = await listLabs();
  if (left.length > 0) process.stdout.write(`still running (their owner is alive): ${left.join(', ')}\n`);
  return 0;
}
