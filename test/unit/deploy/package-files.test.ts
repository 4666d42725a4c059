/**
 * The npm package (`npm pack`, which image/build.sh and any `npm install` of a tarball build the
 * addon from) must carry every C source and header the addon's binding.gyp compiles: a new file
 * left out of package.json's `files` breaks only the container image's build, late in CI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] };

/** A `files` entry as a matcher: `*` within one path segment, else the path itself or a directory prefix. */
function covers(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return path === pattern || path.startsWith(`${pattern}/`);
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return re.test(path);
}

describe('package.json files', () => {
  const dir = join('native', 'packet');
  const gyp = JSON.parse(readFileSync(join(root, dir, 'binding.gyp'), 'utf8')) as { targets: { sources: string[] }[] };
  const sources = gyp.targets.flatMap((t) => t.sources);
  const headers = readdirSync(join(root, dir)).filter((f) => f.endsWith('.h'));

  it('packs binding.gyp, every source it compiles and every header beside them', () => {
    expect(sources.length).toBeGreaterThan(5);
    expect(headers.length).toBeGreaterThan(5);
    const missing = ['binding.gyp', ...sources, ...headers].map((f) => `${dir}/${f}`).filter((p) => !pkg.files.some((pat) => covers(pat, p)));
    expect(missing).toEqual([]);
  });

  it('the matcher is not vacuous', () => {
    expect(covers('native/packet/*.c', 'native/packet/armed.c')).toBe(true);
    expect(covers('native/packet/*.c', 'native/packet/build/x.c')).toBe(false);
    expect(covers('native/packet/raw4.c', 'native/packet/armed.c')).toBe(false);
    expect(covers('systemd', 'systemd/vrrpd.service')).toBe(true);
  });
});
