/**
 * The fault matrix's quick faults (bench/lib/faults/matrix.ts), each in a lab of its own: the
 * judge (src/lab/invariants.ts) reads the capture and the nodes' addresses and asserts one
 * advertiser, one VIP holder, convergence within the fault's RFC 3768 bound plus a margin, nothing
 * left behind. The slow faults run with VRRPD_SLOW_TESTS=1 here (CPU starvation never: bench
 * only), and all of them in `npm run bench:faults`, which prints the figures.
 */
import { describe, expect, it } from 'vitest';
import { FAULTS, runFault } from '../../../bench/lib/faults/matrix.js';
import { CLI, skipReason } from '../daemon/harness.js';

const reason = await skipReason();
const slow = process.env.VRRPD_SLOW_TESTS === '1';

describe.skipIf(reason !== undefined)('fault matrix', () => {
  for (const fault of FAULTS) {
    it.skipIf((!fault.quick && !slow) || fault.benchOnly === true || fault.reference === true)(`${fault.id}: converges within ${fault.bound}`, async () => {
      const o = await runFault(fault, CLI);
      expect(o.verdict.violations).toEqual([]);
      expect(o.verdict.ok).toBe(true);
    });
  }
});
