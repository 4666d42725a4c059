/**
 * vrrp_priority for real (io/process-priority.ts): every thread of a Node process gets the nice
 * value, a child started through `nice -n childNiceIncrement()` gets the starting value back,
 * and undefined restores the start. Runs in a child process so the test runner keeps its own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const MODULE = new URL('../../../dist/src/io/process-priority.js', import.meta.url);
const root = process.getuid?.() === 0;

const PROGRAM = `
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
const { applyProcessPriority, childNiceIncrement } = await import(${JSON.stringify(MODULE.href)});
const nice = (path) => Number(readFileSync(path, 'utf8').split(') ')[1].split(' ')[16]);
const threads = () => readdirSync('/proc/self/task').map((t) => nice('/proc/self/task/' + t + '/stat'));
const start = threads();
const set = applyProcessPriority(-5);
const lowered = threads();
const inc = childNiceIncrement();
const childStat = execFileSync('/usr/bin/nice', ['-n', String(inc), 'cat', '/proc/self/stat'], { encoding: 'utf8' });
const back = applyProcessPriority(undefined);
console.log(JSON.stringify({ start, set, lowered, inc, child: Number(childStat.split(') ')[1].split(' ')[16]), back, after: threads(), again: applyProcessPriority(undefined) }));
`;

describe.skipIf(!root || !existsSync(MODULE))('vrrp_priority on a real process', () => {
  it('sets every thread, gives children the starting value back, and restores it', () => {
    const r = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROGRAM], { encoding: 'utf8' })) as {
      start: number[]; set: unknown; lowered: number[]; inc: number; child: number; back: unknown; after: number[]; again: unknown;
    };
    expect(r.start.length).toBeGreaterThan(1);
    const s = r.start[0]!;
    expect(r.start.every((n) => n === s)).toBe(true);
    expect(r.set).toEqual({ ok: true, value: { from: s, to: -5 } });
    expect(r.lowered.every((n) => n === -5)).toBe(true);
    expect(r.inc).toBe(s + 5);
    expect(r.child).toBe(s);
    expect(r.back).toEqual({ ok: true, value: { from: -5, to: s } });
    expect(r.after.every((n) => n === s)).toBe(true);
    expect(r.again).toEqual({ ok: true });
  });
});
