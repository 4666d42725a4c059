/**
 * vrrpd as a library: the pure VRRPv2 router, the simulator, the packet codecs and the
 * keepalived.conf loader. The daemon itself is the `vrrpd` command (src/cli/main.ts).
 */
export { Router } from './protocol/router.js';
export { effectivePriority } from './protocol/priority.js';
export { masterDownIntervalMs, skewTimeMs } from './protocol/timers.js';
export { SyncGroups } from './protocol/sync-group.js';
export { priority, vrid } from './protocol/types.js';
export type * from './protocol/types.js';
export { Simulation, VirtualClock, formatEntry, type SimulationOptions, type TranscriptEntry } from './sim/index.js';
export * as wire from './wire/index.js';
export * as config from './config/index.js';
export { ok, err, type Result } from './result.js';
