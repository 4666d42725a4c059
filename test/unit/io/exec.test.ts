import { describe, expect, it } from 'vitest';
import { run } from '../../../src/io/exec.js';

describe('run (execFile, no shell)', () => {
  it('an argument execFile refuses at once (a NUL byte) is a failed result, not an exception', async () => {
    const r = await run('/bin/true', ['a\0b']);
    expect(r).toMatchObject({ ok: false, error: { kind: 'spawn-failed' } });
    expect(!r.ok && r.error.detail).toMatch(/null bytes/);
  });
});
