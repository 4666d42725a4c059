/** What the demo tests share: why the demo cannot run here, and a fresh dist/ (the lab runs the built daemon). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../src/io/exec.js';
import { labUnavailableReason } from '../../../src/lab/netns.js';
import { repoRoot, vrrpdMain } from '../../../src/lab/topology.js';

/** Builds dist/ (tsc and the bin's bundle) when it is older than src/. */
export function buildIfStale(): void {
  const root = repoRoot();
  const main = vrrpdMain();
  if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'src'))) {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Why the demo cannot run here (no namespaces, no nginx or no stream module), or undefined. */
export async function demoSkipReason(): Promise<string | undefined> {
  const lab = await labUnavailableReason();
  if (lab) return lab;
  const nginx = await run('nginx', ['-V']);
  if (!nginx.ok) return 'nginx is not installed (scripts/install-deps.sh)';
  if (/--with-stream=dynamic/.test(nginx.value.stderr) && !existsSync('/usr/lib/nginx/modules/ngx_stream_module.so')) return 'nginx stream module missing (apt-get install libnginx-mod-stream)';
  return undefined;
}
