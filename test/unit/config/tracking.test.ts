/** The tracking and notification keywords: vrrp_script timing, track_file, vrrp_track_process, sync group tracking, notify FIFOs. */
import { describe, expect, it } from 'vitest';
import { F, instance, load } from './helpers.js';

const tracked = (scriptBody: string) => `vrrp_script s {\n  script /bin/true\n${scriptBody}\n}\n${instance('  track_script {\n    s\n  }')}`;

describe('vrrp_script interval and timeout (keepalived 2.3.2: milliseconds)', () => {
  it('whole seconds as before, no note', () => {
    const r = load(tracked('  interval 2\n  timeout 3'));
    expect(r.lines).toEqual([]);
    expect(r.config!.scripts[0]).toMatchObject({ intervalMs: 2000, timeoutMs: 3000 });
  });
  it('fractions to the millisecond, each with a note that keepalived 2.2.7 ignores the line', () => {
    const r = load(tracked('  interval 0.5\n  timeout 0.25'));
    expect(r.lines).toEqual([
      `${F}:3:12: info: a fractional interval is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses 1 s`,
      `${F}:4:11: info: a fractional timeout is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses the interval`,
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['keepalived-version', 'keepalived-version']);
    expect(r.config!.scripts[0]).toMatchObject({ intervalMs: 500, timeoutMs: 250 });
  });
  it('no timeout: the interval, fractional too', () => {
    expect(load(tracked('  interval 1.5')).config!.scripts[0]).toMatchObject({ intervalMs: 1500, timeoutMs: 1500 });
  });
  it('more than 3 decimals: rounded to the millisecond with a warning; 0 and too large are errors', () => {
    const r = load(tracked('  interval 0.0015'));
    expect(r.lines[0]).toBe(`${F}:3:12: warning: interval 0.0015 s has more than 3 decimals: rounded to 0.002 s (keepalived counts milliseconds)`);
    expect(r.config!.scripts[0]!.intervalMs).toBe(2);
    expect(load(tracked('  interval 0')).lines).toEqual([`${F}:3:12: error: interval must be a number of seconds from 0.001 to 4294, not '0'`]);
    expect(load(tracked('  timeout 4295')).lines).toEqual([`${F}:3:11: error: timeout must be a number of seconds from 0.001 to 4294, not '4295'`]);
    expect(load(tracked('  timeout 1s')).lines).toEqual([`${F}:3:11: error: timeout must be a number of seconds from 0.001 to 4294, not '1s'`]);
  });
});
