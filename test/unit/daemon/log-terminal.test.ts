/** log.ts's isTerminal: isatty's answer, without loading node:tty for what cannot be a terminal. */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import { expect, it } from 'vitest';
import { isTerminal } from '../../../src/daemon/log.js';

it('says what isatty says for a file, /dev/null (a character device), a closed descriptor and this process stdio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-tty-'));
  const file = openSync(join(dir, 'f'), 'w');
  const devNull = openSync('/dev/null', 'r');
  try {
    expect(isTerminal(file)).toBe(false);
    expect(isTerminal(devNull)).toBe(false);
    expect(isTerminal(0)).toBe(isatty(0));
    expect(isTerminal(1)).toBe(isatty(1));
  } finally {
    closeSync(file);
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
  expect(isTerminal(file)).toBe(false);
});
