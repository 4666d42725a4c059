/** The node flags of the vrrpd bin (src/lab/node-flags.ts), which the benches run the daemon with (read when first asked: dist/ must be built). */
import { binNodeFlags } from '../../src/lab/node-flags.js';
import { CLI } from './paths.js';

export const vrrpdNodeFlags = (): string[] => binNodeFlags(CLI);
