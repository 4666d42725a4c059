/** The node flags of the vrrpd bin (src/lab/node-flags.ts), which the benches run the daemon with. */
import { binNodeFlags } from '../../src/lab/node-flags.js';
import { CLI } from './paths.js';

export const VRRPD_NODE_FLAGS: readonly string[] = binNodeFlags(CLI);
