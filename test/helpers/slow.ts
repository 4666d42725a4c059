/**
 * Integration tests that repeat, at a higher cost, what faster tests already prove run only with
 * VRRPD_SLOW_TESTS=1 (README, "Tests"): CI stays within its time budget, and a change to the
 * areas they cover can still run them.
 */
export const SLOW_TESTS = process.env['VRRPD_SLOW_TESTS'] === '1';

/** The skip reason for a slow test, or undefined when slow tests run. */
export const slowSkipReason = (what: string): string | undefined => (SLOW_TESTS ? undefined : `${what}: set VRRPD_SLOW_TESTS=1 to run it`);
