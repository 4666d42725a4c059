/**
 * Tests that cost CI more than they add to it run only with VRRPD_SLOW_TESTS=1 (README, "Tests"):
 * `it.skipIf(!SLOW)(...)`. The default suite keeps one test of each behaviour.
 */
export const SLOW = process.env.VRRPD_SLOW_TESTS === '1';
