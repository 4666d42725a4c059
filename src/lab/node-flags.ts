/**
 * The node flags the `vrrpd` bin runs with, read from the shebang of its main.js
 * (`#!/usr/bin/env -S node FLAGS...`): the lab, the tests and the benches start the daemon as
 * `node FLAGS main.js` inside a namespace and so run it as the bin and the systemd unit do.
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string[]>();

export function binNodeFlags(mainJs: string): string[] {
  let flags = cache.get(mainJs);
  if (flags === undefined) {
    const first = readFileSync(mainJs, 'utf8').split('\n', 1)[0] ?? '';
    const m = /^#!\s*\/usr\/bin\/env\s+(?:-S\s+)?node\b(.*)$/.exec(first);
    flags = m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
    cache.set(mainJs, flags);
  }
  return [...flags];
}
