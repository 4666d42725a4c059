/**
 * node:child_process, loaded at its first use rather than when the daemon starts: the module
 * brings node:net and node:dgram with it (its handle passing), ~0.5 MB of resident memory that a
 * daemon with no scripts and no `ip` to run never needs (docs/performance.md, "No child_process
 * or dgram at start"). Every module of the daemon that forks goes through here; a static
 * `import ... from 'node:child_process'` in one of them would load it again at start (the bundle
 * test checks that it does not).
 */
import { createRequire } from 'node:module';
import type * as ChildProcessModule from 'node:child_process';

export type { ChildProcess } from 'node:child_process';

let loaded: typeof ChildProcessModule | undefined;

/** node:child_process, required on the first call. */
export function childProcess(): typeof ChildProcessModule {
  return (loaded ??= createRequire(import.meta.url)('node:child_process') as typeof ChildProcessModule);
}
