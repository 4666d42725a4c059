/**
 * podman for the container tests: why they cannot run here, the images built once per run from
 * this tree (image/build.sh), and one podman storage per lab node, so each node has its own
 * containers, pods, volumes and images as a real node would, all removed by `reset()`.
 * Every podman call on a node runs in the node's network namespace (netns-podman.sh).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailableReason } from '../../../src/lab/netns.js';
import { repoRoot } from '../../../src/lab/topology.js';

const here = join(repoRoot(), 'test/integration/container');
const env = { ...process.env, CONTAINERS_CONF: join(here, 'containers.conf') };

export interface Output {
  readonly ok: boolean;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command with the tests' containers.conf; never throws. */
export function exec(file: string, args: readonly string[], timeoutMs = 60_000): Promise<Output> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (e, stdout, stderr) => {
      const code = e === null ? 0 : typeof (e as { code?: unknown }).code === 'number' ? ((e as { code: number }).code) : null;
      resolve({ ok: e === null, code, stdout, stderr: e !== null && stderr === '' ? e.message : stderr });
    });
  });
}

/** Why the container tests cannot run here, or undefined. VRRPD_CONTAINER_TESTS=0 turns them off. */
export async function containerSkipReason(): Promise<string | undefined> {
  if (process.env.VRRPD_CONTAINER_TESTS === '0') return 'VRRPD_CONTAINER_TESTS=0';
  const lab = await labUnavailableReason();
  if (lab) return lab;
  const missing = [
    ['podman', 'podman'],
    ['runc', 'runc'],
    ['catatonit', 'catatonit (podman builds its pod infra image from it)'],
    ['setcap', 'libcap2-bin (the image build)'],
    ['dpkg-deb', 'dpkg (the image build)'],
  ].find(([cmd]) => !onPath(cmd!));
  if (missing) return `${missing[0]} is not installed (Debian package ${missing[1]}; scripts/install-deps.sh installs it)`;
  return undefined;
}

function onPath(cmd: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/libexec/podman'];
  return dirs.some((d) => d !== '' && existsSync(join(d, cmd)));
}

export interface Images {
  readonly version: string;
  readonly vrrpd: string;
  readonly nginx: string;
  readonly buildSeconds: number;
  readonly log: string;
}

/** Builds both image archives from this tree into `outDir` (dist/ as `npm test` compiled it). */
export async function buildImages(outDir: string): Promise<Images> {
  const root = repoRoot();
  const started = Date.now();
  const r = await new Promise<Output>((resolve) => {
    execFile('bash', [join(root, 'image/build.sh'), '--prebuilt'], { env: { ...env, IMAGE_OUT: outDir }, cwd: root, timeout: 20 * 60_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ ok: e === null, code: null, stdout, stderr }),
    );
  });
  if (!r.ok) throw new Error(`image/build.sh failed:\n${r.stdout}\n${r.stderr}`);
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    version,
    vrrpd: join(outDir, `vrrpd-${version}.oci.tar`),
    nginx: join(outDir, `vrrpd-nginx-${version}.oci.tar`),
    buildSeconds: (Date.now() - started) / 1000,
    log: r.stdout,
  };
}

/** One lab node's podman: its own storage under `dir`, run inside namespace `ns`. */
export class NodePodman {
  constructor(
    readonly ns: string,
    readonly dir: string,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private storage(): string[] {
    return ['--root', join(this.dir, 'storage'), '--runroot', join(this.dir, 'runroot')];
  }

  /** `podman ARGS` in the node's namespace with the node's storage. */
  podman(args: readonly string[], timeoutMs = 60_000): Promise<Output> {
    return exec(join(here, 'netns-podman.sh'), [this.ns, ...this.storage(), ...args], timeoutMs);
  }

  /** Like podman(), but throws with podman's stderr when it fails. */
  async must(args: readonly string[], timeoutMs = 60_000): Promise<string> {
    const r = await this.podman(args, timeoutMs);
    if (!r.ok) throw new Error(`podman ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Removes every pod, container, volume and image of this node's storage (podman system reset). */
  async reset(): Promise<void> {
    if (!existsSync(join(this.dir, 'storage'))) return;
    await exec('podman', [...this.storage(), 'pod', 'rm', '-f', '-a', '-t', '2'], 60_000);
    await exec('podman', [...this.storage(), 'system', 'reset', '--force'], 120_000);
  }
}
