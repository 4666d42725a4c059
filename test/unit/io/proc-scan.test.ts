import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantGroups, parseCmdline, parseProcStat } from '../../../src/io/proc-scan.js';

describe('/proc parsers', () => {
  it('stat: the name between the first ( and the last ), then the state and the parent', () => {
    expect(parseProcStat('1234 (nginx) S 1 1234 1234 0 -1 4194560 ...')).toEqual({ comm: 'nginx', state: 'S', ppid: 1, pgrp: 1234 });
    expect(parseProcStat('77 (a) b (c)) Z 5 0')).toEqual({ comm: 'a) b (c)', state: 'Z', ppid: 5, pgrp: 0 });
    expect(parseProcStat('77 (x y) R 0 0')).toEqual({ comm: 'x y', state: 'R', ppid: 0, pgrp: 0 });
    expect(parseProcStat('garbage')).toBeUndefined();
    expect(parseProcStat('1 (x)')).toBeUndefined();
  });
  it('cmdline: NUL-separated argv, the trailing NUL dropped; empty for a kernel thread', () => {
    expect(parseCmdline(Buffer.from('/usr/sbin/nginx\0-g\0daemon off;\0'))).toEqual(['/usr/sbin/nginx', '-g', 'daemon off;']);
    expect(parseCmdline(Buffer.from('nginx: master process /usr/sbin/nginx'))).toEqual(['nginx: master process /usr/sbin/nginx']);
    expect(parseCmdline(Buffer.from('a\0\0b\0'))).toEqual(['a', '', 'b']);
    expect(parseCmdline(Buffer.alloc(0))).toEqual([]);
  });
});

describe('descendantGroups (a fake /proc)', () => {
  /** pid -> [ppid, pgrp, state]; with `childrenFiles`, each task's children file as the kernel writes it. */
  function fakeProc(procs: Record<number, [number, number, string]>, childrenFiles: boolean): string {
    const root = mkdtempSync(join(tmpdir(), 'vtt-proc-'));
    for (const [pid, [ppid, pgrp, state]] of Object.entries(procs)) {
      mkdirSync(join(root, pid, 'task', pid), { recursive: true });
      writeFileSync(join(root, pid, 'stat'), `${pid} (sh) ${state} ${ppid} ${pgrp} ${pgrp} 0 -1`);
      const kids = Object.entries(procs).filter(([, p]) => p[0] === Number(pid)).map(([k]) => `${k} `);
      if (childrenFiles) writeFileSync(join(root, pid, 'task', pid, 'children'), kids.join(''));
    }
    return root;
  }
  // 10 (the script, its own group) -> 11 (same group), 12 (setsid: group 12) -> 13 (group 12);
  // 14 a zombie child in group 14; 20 someone else's process.
  const procs: Record<number, [number, number, string]> = { 1: [0, 1, 'S'], 10: [1, 10, 'S'], 11: [10, 10, 'S'], 12: [10, 12, 'S'], 13: [12, 12, 'S'], 14: [10, 14, 'Z'], 20: [1, 20, 'S'] };

  it.each([true, false])('the groups of a process and of its live descendants (children files: %s)', (childrenFiles) => {
    const root = fakeProc(procs, childrenFiles);
    try {
      expect(descendantGroups(10, root).sort((a, b) => a - b)).toEqual([10, 12]);
      expect(descendantGroups(99, root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
