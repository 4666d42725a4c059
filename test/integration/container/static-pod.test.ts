/**
 * The container image and the static pods with a real runtime: both images built from this tree
 * (image/build.sh), then `podman kube play` of deploy/kubernetes/{nginx,vrrpd}.yaml on op1 and
 * op2 of the lab (each node its own podman storage, podman run in the node's namespace so
 * hostNetwork is the node's network), the seed's configs from deploy/, and a client probing
 * VIP:7443 every 10 ms as in the demo. Scenarios: the election; the vrrpd pod stopped (SIGTERM:
 * priority-0 handover within Skew_Time); the vrrpd pod killed (takeover within
 * Master_Down_Interval); the daemon killed inside its pod (the entry script removes the VIP, the
 * container restarts); the nginx pod stopped (the check moves the VIP). Also: `vrrpd check` in
 * the image on the seed's configs, and the daemon's uid and capabilities.
 * Needs root, podman, runc, catatonit; skipped with the reason otherwise, or with
 * VRRPD_CONTAINER_TESTS=0. Every pod, container, volume and image lives in a per-node podman
 * storage under a temporary directory, removed afterwards with the lab's namespaces.
 */
import { type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outageIn, parseProbes, parseTransitions, type Probe, type Transition } from '../../../src/lab/analysis.js';
import { nginxStreamConfig, substitute, vrrpdConfig } from '../../../src/lab/configs.js';
import { createLab, type Lab } from '../../../src/lab/netns.js';
import { hasAddress, waitFor } from '../../../src/lab/procs.js';
import { API_PORT, APIS, distFile, HOSTS, LAB_SUBNET, OPS, PROXY_PORT, repoRoot, VIP, type OpName } from '../../../src/lab/topology.js';
import { masterDownIntervalMs, skewTimeMs } from '../../../src/protocol/timers.js';
import { isDaemonStatus } from '../../../src/status/model.js';
import { AdvertCapture, type SeenAdvert } from '../../../bench/lib/capture.js';
import { buildImages, containerSkipReason, exec, NodePodman, type Images } from './podman.js';

const UID = 65532;
const VRRPD_CTR = 'vrrpd-vrrpd';
const NGINX_POD = 'nginx-apiserver-proxy';
/** op2 (priority 90) takes over; a takeover may run this much past its bound on a busy machine. */
const MARGIN_MS = 500;
const SKEW_MS = skewTimeMs(2, 90, 100);
const MDI_MS = masterDownIntervalMs(2, 90, 100);
/** The seed's check: fall 2 x interval 1 s before the priority drops. */
const CHECK_FALL_MS = 2 * 1000;

const reason = await containerSkipReason();
if (reason) console.warn(`skipping the container tests: ${reason}`);

describe.skipIf(reason !== undefined)('the vrrpd image and static pods (podman kube play in the lab)', () => {
  // made in beforeAll: the body of a skipped describe still runs
  let dir = '';
  const nodes = {} as Record<OpName, NodePodman>;
  const figures: string[] = [];
  let images: Images;
  let lab: Lab | undefined;
  let client: ChildProcess | undefined;
  let capture: AdvertCapture | undefined;
  const probesFile = (): string => join(dir, 'probes.log');

  const transitions = async (op: OpName): Promise<Transition[]> => {
    const r = await nodes[op].podman(['logs', VRRPD_CTR]);
    return parseTransitions(r.stdout + r.stderr, op);
  };
  /** The first transition of `op` to `to` at or after `since` (epoch ms). */
  const firstTo = async (op: OpName, to: string, since: number): Promise<Transition | undefined> =>
    (await transitions(op)).find((t) => t.to === to && t.t >= since);
  const hasVip = (op: OpName): Promise<boolean> => hasAddress(lab!.host(op).ns, 'eth0', VIP);
  const state = async (op: OpName): Promise<string | undefined> => {
    const r = await nodes[op].podman(['exec', VRRPD_CTR, '/usr/local/bin/vrrpd', 'status', '--json'], 15_000);
    if (!r.ok) return undefined;
    const s: unknown = JSON.parse(r.stdout);
    return isDaemonStatus(s) ? s.instances[0]?.state : undefined;
  };
  /** op1 MASTER with the VIP, op2 BACKUP without it. */
  const settled = async (): Promise<boolean> =>
    (await hasVip('op1')) && !(await hasVip('op2')) && (await state('op1')) === 'MASTER' && (await state('op2')) === 'BACKUP';
  const waitSettled = async (what: string): Promise<void> => {
    if (!(await waitFor(settled, 30_000, 200))) throw new Error(`${what}: op1 is not back as MASTER with op2 BACKUP`);
  };
  const op1Ip = `${LAB_SUBNET}.11`;
  const op2Ip = `${LAB_SUBNET}.12`;
  /**
   * Takeover on the wire (as bench/failover.ts measures it): op2's first advert after op1's last
   * one since `t0` (its priority-0 advert when `goodbye`), from the capture on the client.
   */
  const wireTakeover = async (t0: number, goodbye: boolean): Promise<{ ms: number; last: SeenAdvert }> => {
    let pair: [SeenAdvert, SeenAdvert] | undefined;
    await waitFor(() => {
      const adverts = capture!.adverts().filter((a) => a.vrid === 251 && a.t >= t0 - 1500);
      const last = adverts.filter((a) => a.src === op1Ip && (goodbye ? a.priority === 0 : a.priority > 0) && !adverts.some((b) => b.src === op2Ip && b.t < a.t && b.t >= t0)).at(-1);
      const first = last && adverts.find((a) => a.src === op2Ip && a.t > last.t);
      if (last && first) pair = [last, first];
      return pair !== undefined;
    }, 15_000, 100);
    if (!pair) throw new Error(`no takeover in the capture ${capture!.file}`);
    return { ms: pair[1].t - pair[0].t, last: pair[0] };
  };
  const probes = (): Probe[] => (existsSync(probesFile()) ? parseProbes(readFileSync(probesFile(), 'utf8')) : []);
  const outage = (from: number): number => outageIn(probes(), from, Date.now()).longestMs;

  /** The node's files where the manifests' hostPath volumes point, and the manifests pointing there. */
  function nodeFiles(op: OpName): { vrrpdYaml: string; nginxYaml: string } {
    const base = join(dir, op);
    mkdirSync(join(base, 'etc-vrrpd'), { recursive: true });
    mkdirSync(join(base, 'stream.d'), { recursive: true });
    const conf = join(base, 'etc-vrrpd', 'keepalived.conf');
    writeFileSync(conf, vrrpdConfig(op, 'tcp'));
    // as deploy/kubernetes/vrrpd.yaml says: root-owned, readable by the pod's group only
    chownSync(conf, 0, UID);
    chmodSync(conf, 0o640);
    writeFileSync(join(base, 'stream.d', 'apiserver.conf'), nginxStreamConfig());
    const manifest = (file: string, subs: { what: string; from: RegExp; to: string }[]): string => {
      const out = join(base, file);
      writeFileSync(out, substitute(readFileSync(join(repoRoot(), 'deploy/kubernetes', file), 'utf8'), subs, `deploy/kubernetes/${file}`));
      return out;
    };
    const image = (name: string): { what: string; from: RegExp; to: string } => ({ what: 'the image', from: new RegExp(`image: localhost/${name}:\\S+`), to: `image: localhost/${name}:${images.version}` });
    return {
      vrrpdYaml: manifest('vrrpd.yaml', [{ what: "the node's /etc/vrrpd", from: /path: \/etc\/vrrpd$/m, to: `path: ${join(base, 'etc-vrrpd')}` }, image('vrrpd')]),
      nginxYaml: manifest('nginx.yaml', [{ what: "the node's /etc/nginx/stream.d", from: /path: \/etc\/nginx\/stream\.d$/m, to: `path: ${join(base, 'stream.d')}` }, image('vrrpd-nginx')]),
    };
  }

  let hostNet = '';

  beforeAll(async () => {
    hostNet = await hostNetworkState();
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-ct-'));
    images = await buildImages(join(dir, 'out'));
    figures.push(`image build: ${images.buildSeconds.toFixed(0)} s`);
    lab = await createLab({ hosts: HOSTS.map((h) => h.name), octets: HOSTS.map((h) => h.octet), subnet: LAB_SUBNET, prefix: 'vct' });
    for (const api of APIS) lab.host(api).spawn(process.execPath, [distFile('src/lab/apiserver.js'), api, String(API_PORT)]);
    // Each node loads both images into its own storage, the two nodes at once; then the pods
    // start on op1 and on op2, in that order (op1, the higher priority, comes up first).
    for (const op of OPS) nodes[op] = new NodePodman(lab.host(op).ns, join(dir, op, 'podman'));
    const loading = Date.now();
    await Promise.all(OPS.map(async (op) => {
      for (const archive of [images.vrrpd, images.nginx]) await nodes[op].must(['load', '-q', '-i', archive], 300_000);
    }));
    figures.push(`images loaded on both nodes: ${((Date.now() - loading) / 1000).toFixed(0)} s`);
    for (const op of OPS) {
      const files = nodeFiles(op);
      await nodes[op].must(['kube', 'play', files.nginxYaml], 120_000);
      await nodes[op].must(['kube', 'play', files.vrrpdYaml], 120_000);
    }
    await waitSettled('startup');
    capture = await AdvertCapture.start(lab.host('client'), join(dir, 'adverts.pcap'));
    client = lab.host('client').spawn(process.execPath, [distFile('src/lab/prober.js'), VIP, String(PROXY_PORT), probesFile(), '10', '300']);
    if (!(await waitFor(() => probes().some((p) => p.ok), 10_000, 100))) throw new Error('the client never got through VIP:7443');
  }, 30 * 60_000);

  afterAll(async () => {
    client?.kill('SIGTERM');
    await capture?.stop();
    for (const op of OPS) await nodes[op]?.reset();
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    if (figures.length > 0) console.log(`container figures:\n  ${figures.join('\n  ')}`);
  }, 5 * 60_000);

  it('the image checks the seed configs with `vrrpd check` (no capabilities, no network)', async () => {
    const files = readdirSync(join(repoRoot(), 'deploy/vrrpd')).filter((f) => f.endsWith('.conf'));
    // one container per file, all at once (each `podman run` spends seconds starting up)
    const runs = await Promise.all(files.map((file) => nodes.op1.podman(['run', '--rm', '--network', 'none', '--cap-drop', 'all', '-v', `${join(repoRoot(), 'deploy/vrrpd', file)}:/etc/vrrpd/keepalived.conf:ro`, `localhost/vrrpd:${images.version}`, 'check', '-f', '/etc/vrrpd/keepalived.conf'])));
    expect(files.length).toBeGreaterThan(0);
    for (const [i, r] of runs.entries()) {
      const file = files[i]!;
      expect(r.stderr, file).toBe('');
      expect(r.ok, `${file}: ${r.stdout}`).toBe(true);
      expect(r.stdout).toContain('configuration OK');
    }
  });

  it('the daemon runs as uid 65532 with exactly CAP_NET_ADMIN and CAP_NET_RAW; nginx with none', async () => {
    const daemon = await processIn(nodes.op1, VRRPD_CTR, (cmd) => cmd.includes('vrrpd.js') && cmd.includes('run'));
    expect(daemon.Uid).toBe(`${UID}\t${UID}\t${UID}\t${UID}`);
    expect(daemon.CapEff).toBe('0000000000003000'); // bits 12 (NET_ADMIN) and 13 (NET_RAW)
    expect(daemon.CapPrm).toBe('0000000000003000');
    expect(daemon.CapBnd).toBe('0000000000003000');
    const nginx = await processIn(nodes.op1, `${NGINX_POD}-nginx`, (cmd) => cmd.startsWith('nginx: master'));
    expect(nginx.Uid).toBe(`${UID}\t${UID}\t${UID}\t${UID}`);
    expect(nginx.CapEff).toBe('0000000000000000');
    expect(nginx.NoNewPrivs).toBe('1');
  });

  it('elects op1 (MASTER, VIP) over op2 (BACKUP); the liveness probe command passes', async () => {
    expect(await settled()).toBe(true);
    expect((await nodes.op1.podman(['healthcheck', 'run', VRRPD_CTR])).ok).toBe(true);
    const via = probes().filter((p) => p.ok).map((p) => p.via);
    expect(via.at(-1)).toBe(op1Ip);
  });

  it('the vrrpd pod stopped: priority-0 handover, op2 takes over within Skew_Time, no VIP left on op1', async () => {
    const t0 = Date.now();
    await nodes.op1.must(['pod', 'stop', '-t', '10', 'vrrpd'], 60_000);
    expect(await waitFor(() => hasVip('op2'), 10_000, 50)).toBe(true);
    expect(await hasVip('op1')).toBe(false);
    const takeover = await wireTakeover(t0, true);
    const out = outage(t0);
    figures.push(`vrrpd pod stopped (SIGTERM): op2's first advert ${takeover.ms.toFixed(1)} ms after op1's priority-0 advert (Skew_Time ${SKEW_MS.toFixed(1)} ms), client outage ${out.toFixed(0)} ms`);
    expect(takeover.ms).toBeLessThanOrEqual(SKEW_MS + MARGIN_MS);
    expect(out).toBeLessThanOrEqual(SKEW_MS + MARGIN_MS);
    await nodes.op1.must(['pod', 'start', 'vrrpd'], 60_000);
    await waitSettled('after the vrrpd pod restarted');
  }, 120_000);

  it('the vrrpd pod killed: op2 takes over within Master_Down_Interval; the restarted pod removes the stale VIP', async () => {
    const t0 = Date.now();
    await nodes.op1.must(['pod', 'kill', '--signal', 'KILL', 'vrrpd'], 30_000);
    const takeover = await wireTakeover(t0, false);
    expect(await waitFor(() => hasVip('op2'), 5_000, 50)).toBe(true);
    // nothing of the pod ran after SIGKILL: the VIP stays on op1's interface until vrrpd starts again,
    // which removes it (what it recorded in its runtime directory, an emptyDir that outlives the kill)
    const stale = await hasVip('op1');
    const out = outage(t0);
    figures.push(`vrrpd pod killed (SIGKILL): op2's first advert ${takeover.ms.toFixed(1)} ms after op1's last (Master_Down_Interval ${MDI_MS.toFixed(1)} ms), client outage ${out.toFixed(0)} ms, VIP left on op1 until the pod restarts: ${stale}`);
    expect(takeover.ms).toBeLessThanOrEqual(MDI_MS + MARGIN_MS);
    expect(stale).toBe(true);
    await nodes.op1.must(['pod', 'start', 'vrrpd'], 60_000);
    const removedStale = async (): Promise<boolean> =>
      (await nodes.op1.podman(['logs', VRRPD_CTR])).stdout.split('\n').some((l) => /left behind/.test(l) && (JSON.parse(l) as { time: number }).time >= t0);
    expect(await waitFor(removedStale, 20_000, 200)).toBe(true);
    await waitSettled('after the killed vrrpd pod started again');
  }, 120_000);

  it('the daemon crashes inside the pod: the entry script removes the VIP at once, the container restarts', async () => {
    const daemon = await processIn(nodes.op1, VRRPD_CTR, (cmd) => cmd.includes('vrrpd.js') && cmd.includes('run'));
    const t0 = Date.now();
    process.kill(Number(daemon.Pid), 'SIGKILL');
    expect(await waitFor(async () => !(await hasVip('op1')), 5_000, 20)).toBe(true);
    const released = Date.now() - t0;
    const takeover = await wireTakeover(t0, false);
    const out = outage(t0);
    figures.push(`daemon killed inside the pod: VIP off op1 ${released} ms later (vrrpd cleanup), op2's first advert ${takeover.ms.toFixed(1)} ms after op1's last (Master_Down_Interval ${MDI_MS.toFixed(1)} ms), client outage ${out.toFixed(0)} ms`);
    expect(takeover.ms).toBeLessThanOrEqual(MDI_MS + MARGIN_MS);
    // restartPolicy Always: podman starts the container again, and op1 preempts
    await waitSettled('after the crashed daemon restarted');
  }, 120_000);

  it('the nginx pod stopped: the check fails, op2 takes the VIP; nginx back: op1 takes it back', async () => {
    const t0 = Date.now();
    await nodes.op1.must(['pod', 'stop', '-t', '10', NGINX_POD], 60_000);
    expect(await waitFor(async () => (await firstTo('op2', 'MASTER', t0)) !== undefined, CHECK_FALL_MS + MDI_MS + 10_000, 200)).toBe(true);
    expect(await waitFor(() => hasVip('op2'), 5_000, 50)).toBe(true);
    expect(await waitFor(async () => probes().some((p) => p.ok && p.t > t0 && p.via === op2Ip), 5_000, 50)).toBe(true);
    // from the moment nginx went away (the client's first failed probe), as the demo counts
    const o = outageIn(probes(), t0, Date.now());
    expect(o.startedAt).toBeDefined();
    const takeover = (await firstTo('op2', 'MASTER', t0))!.t - o.startedAt!;
    const bound = CHECK_FALL_MS + MDI_MS;
    figures.push(`nginx pod stopped: op2 MASTER ${takeover} ms after nginx stopped answering (fall 2 x 1 s + Master_Down_Interval = ${bound.toFixed(1)} ms), client outage ${o.longestMs.toFixed(0)} ms`);
    expect(takeover).toBeLessThanOrEqual(bound + MARGIN_MS);
    expect(o.longestMs).toBeLessThanOrEqual(bound + MARGIN_MS);
    await nodes.op1.must(['pod', 'start', NGINX_POD], 60_000);
    await waitSettled('after nginx started again');
  }, 120_000);

  it("leaves the machine's own network as it was (no podman bridge, forwarding unchanged)", async () => {
    expect(await hostNetworkState()).toBe(hostNet);
  });
});

/**
 * What podman could change in the machine's own namespace: a bridge of its own (cni-podman0) and
 * the IPv4 forwarding switch (its bridge network turns it on, and every new namespace inherits it).
 */
async function hostNetworkState(): Promise<string> {
  const links = (await exec('ip', ['-o', 'link', 'show'])).stdout.split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter((n) => /^(cni-)?podman/.test(n)).sort();
  return `forwarding=${readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()} podman links=${links.join(',')}`;
}

/** /proc/PID/status fields of the process in container `ctr` whose command line matches. */
async function processIn(node: NodePodman, ctr: string, match: (cmdline: string) => boolean): Promise<Record<string, string>> {
  const pid1 = Number((await node.must(['inspect', ctr, '--format', '{{.State.Pid}}'])).trim());
  const queue = [pid1];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    const cmd = readIfThere(`/proc/${pid}/cmdline`).split('\0').join(' ');
    if (match(cmd)) {
      const fields: Record<string, string> = {};
      for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
      }
      return fields;
    }
    for (const task of existsSync(`/proc/${pid}/task`) ? readdirSync(`/proc/${pid}/task`) : []) {
      // a thread or a short-lived child (an `ip` run) may be gone by now
      const children = readIfThere(`/proc/${pid}/task/${task}/children`).trim();
      if (children) queue.push(...children.split(' ').map(Number));
    }
  }
  throw new Error(`no process matching in container ${ctr}`);
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
