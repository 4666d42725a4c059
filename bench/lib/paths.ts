/** Where the compiled pieces live: benches run from dist/bench/, the daemon from dist/bundle/ (the bin). */
import { join, resolve } from 'node:path';
import { BUNDLE_MAIN } from '../../src/lab/topology.js';

/** dist/ (this file compiles to dist/bench/lib/paths.js). */
export const DIST = resolve(import.meta.dirname, '..', '..');
export const CLI = join(DIST, BUNDLE_MAIN);
export const FIXTURES = join(DIST, 'bench', 'fixtures');
