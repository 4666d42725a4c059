/** DESIGN.md rule: protocol/, wire/, config/, sim/, track/ and status/ are pure: no node:* and nothing from io/. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const PURE = ['src/protocol', 'src/wire', 'src/config', 'src/sim', 'src/track', 'src/status'];
const FORBIDDEN = /from\s+['"](node:[^'"]+|fs|net|dgram|os|child_process|path|raw-socket|pino|[^'"]*\/io\/[^'"]*|[^'"]*\/daemon\/[^'"]*)['"]/g;

function files(dir: string): string[] {
  const abs = join(root, dir);
  try {
    return readdirSync(abs).flatMap((name) => {
      const p = join(abs, name);
      return statSync(p).isDirectory() ? files(relative(root, p)) : p.endsWith('.ts') ? [p] : [];
    });
  } catch {
    return [];
  }
}

describe('pure layers import nothing from the OS', () => {
  for (const dir of PURE) {
    it(`${dir} has no node:*, fs, net, raw-socket, pino or io/ imports`, () => {
      const offenders = files(dir).flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(FORBIDDEN)].map((m) => `${relative(root, f)}: ${m[0]}`),
      );
      expect(offenders).toEqual([]);
    });
  }
  it('the scan itself finds a forbidden import', () => {
    expect("import { x } from 'node:fs';".match(FORBIDDEN)).not.toBeNull();
    expect("import { y } from '../io/exec.js';".match(FORBIDDEN)).not.toBeNull();
  });
});
