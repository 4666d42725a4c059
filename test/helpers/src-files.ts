/** The repository's src/ files that match a pattern: for tests that keep a module out of the daemon. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The .ts files under src/ (paths relative to the repository) whose text matches `pattern`, except those ending in `except`. */
export function srcFilesMatching(pattern: RegExp, except: string): string[] {
  return tsFiles(join(root, 'src'))
    .filter((f) => !f.endsWith(except))
    .filter((f) => pattern.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
}
