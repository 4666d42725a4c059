/**
 * The node flags the `vrrpd` bin runs with: read from the shebang of dist/src/cli/main.js
 * (`#!/usr/bin/env -S node FLAGS...`), so the benches run the daemon as the bin and the systemd
 * unit do, while they start it with `node FLAGS main.js` inside a namespace.
 */
import { readFileSync } from 'node:fs';
import { CLI } from './paths.js';

export function binNodeFlags(cli = CLI): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\s*\/usr\/bin\/env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
}

export const VRRPD_NODE_FLAGS: readonly string[] = binNodeFlags();
