/** Public simulator API: routers on a virtual LAN with a virtual clock. */
export { Simulation, type SimulationOptions } from './simulation.js';
export { VirtualClock } from './clock.js';
export { formatEntry, type TranscriptEntry } from './transcript.js';
export { Router } from '../protocol/router.js';
export { priority, vrid } from '../protocol/types.js';
export { ipAddress, parseIpAddress, type IpAddress } from '../wire/address.js';
export type { RouterConfig, RouterState, TrackerStatus, Action, Input } from '../protocol/types.js';
