import { describe, expect, it } from 'vitest';
import { parseCmdline, parseProcStat } from '../../../src/io/proc-scan.js';

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
