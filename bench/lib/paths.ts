/** Where the compiled pieces live: benches run from dist/bench/, the daemon from dist/src/cli/. */
import { join, resolve } from 'node:path';

/** dist/ (this file compiles to dist/bench/lib/paths.js). */
export const DIST = resolve(import.meta.dirname, '..', '..');
export const CLI = join(DIST, 'src', 'cli', 'main.js');
export const FIXTURES = join(DIST, 'bench', 'fixtures');
