import { describe, expect, it } from 'vitest';
import { dueGarps, KEEPALIVED_GARP_DEFAULTS, startGarpSchedule, type GarpCursor, type GarpScheduleConfig } from '../../../src/io/garp-schedule.js';

/** Drives the schedule at the given times; returns "kind@at xcount" per burst. */
function drive(cfg: GarpScheduleConfig, since: number, times: number[]): { log: string[]; next: (number | undefined)[] } {
  let cursor: GarpCursor = startGarpSchedule(since);
  const log: string[] = [];
  const next: (number | undefined)[] = [];
  for (const t of times) {
    const d = dueGarps(cfg, cursor, t);
    for (const b of d.bursts) log.push(`${b.kind}@${b.at}x${b.count}`);
    next.push(d.nextAt);
    cursor = d.cursor;
  }
  return { log, next };
}

describe('garp schedule (keepalived garp_master_*)', () => {
  it('defaults: 5 at once, 5 more after 5 s, then nothing', () => {
    const r = drive(KEEPALIVED_GARP_DEFAULTS, 1000, [1000, 1000, 5999, 6000, 6000, 60_000]);
    expect(r.log).toEqual(['initial@1000x5', 'delayed@6000x5']);
    expect(r.next).toEqual([6000, 6000, 6000, undefined, undefined, undefined]);
  });

  it('a late first call still sends the initial burst, then the delayed one when due', () => {
    const r = drive(KEEPALIVED_GARP_DEFAULTS, 0, [3, 5000]);
    expect(r.log).toEqual(['initial@0x5', 'delayed@5000x5']);
  });

  it('a call past both due times sends both bursts at once', () => {
    expect(drive(KEEPALIVED_GARP_DEFAULTS, 0, [7000]).log).toEqual(['initial@0x5', 'delayed@5000x5']);
  });

  it('delay 0: no second burst', () => {
    const cfg = { ...KEEPALIVED_GARP_DEFAULTS, delayMs: 0 };
    const r = drive(cfg, 0, [0, 10_000]);
    expect(r.log).toEqual(['initial@0x5']);
    expect(r.next).toEqual([undefined, undefined]);
  });

  it('refresh: every refreshMs while master; missed refreshes coalesce', () => {
    const cfg = { repeat: 2, delayMs: 5000, refreshMs: 3000, refreshRepeat: 1 };
    const r = drive(cfg, 0, [0, 3000, 5000, 6000, 8999, 20_500]);
    expect(r.log).toEqual(['initial@0x2', 'refresh@3000x1', 'delayed@5000x2', 'refresh@6000x1', 'refresh@18000x1']);
    expect(r.next).toEqual([3000, 5000, 6000, 9000, 9000, 21_000]);
  });

  it('repeat 0: no bursts except refreshes', () => {
    const cfg = { repeat: 0, delayMs: 5000, refreshMs: 1000, refreshRepeat: 3 };
    expect(drive(cfg, 0, [0, 1000, 5000]).log).toEqual(['refresh@1000x3', 'refresh@5000x3']);
  });
});
