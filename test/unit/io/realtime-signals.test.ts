/**
 * keepalived's real-time signals (issue 10: no signal keepalived handles may end vrrpd). Node
 * leaves real-time signals at their default action; the packet addon catches them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keepalivedRealtimeSignals } from '../../../src/io/realtime-signals.js';

const addon = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));

describe('keepalived real-time signal numbers', () => {
  it('follow keepalived 2.2.7 lib/signals.h: JSON = SIGRTMIN+2, STATS_CLEAR = SIGRTMAX-1, TDUMP = SIGRTMAX', () => {
    // glibc on Linux: SIGRTMIN 34 (two are kept for the thread library), SIGRTMAX 64
    expect(keepalivedRealtimeSignals([34, 64])).toEqual({ JSON: 36, STATS_CLEAR: 63, TDUMP: 64 });
  });
});

describe.skipIf(!existsSync(addon))('the addon catches real-time signals', () => {
  it('a process that watches them survives each one and sees its number', () => {
    const script = `const a = require(${JSON.stringify(addon)}); const [lo, hi] = a.realtimeSignalRange();
      for (const s of [lo + 2, hi - 1, hi]) a.realtimeSignalWatch(s, (n) => console.log('caught ' + (n - lo)));
      for (const s of [lo + 2, hi - 1, hi]) process.kill(process.pid, s);
      setTimeout(() => console.log('alive'), 200);`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['alive', 'caught 2', 'caught 29', 'caught 30']);
  });

  it('without the watch the same signal ends the process (what vrrpd did before)', () => {
    const script = `const a = require(${JSON.stringify(addon)}); const [lo] = a.realtimeSignalRange();
      process.kill(process.pid, lo + 2); setTimeout(() => console.log('alive'), 200);`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stdout).toBe('');
    expect(r.status).toBeNull(); // ended by a signal (Node has no name for a real-time one: r.signal is '')
  });

  it('refuses a signal outside the real-time range and a missing callback', () => {
    const script = `const a = require(${JSON.stringify(addon)});
      for (const args of [[15, () => {}], [a.realtimeSignalRange()[0]]]) { try { a.realtimeSignalWatch(...args); console.log('accepted'); } catch (e) { console.log(e.code); } }
      a.realtimeSignalWatch(a.realtimeSignalRange()[0], 'not a function');`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(r.stdout).toBe('EINVAL\nEINVAL\n');
    expect(r.stderr).toContain('the callback must be a function');
  });
});
