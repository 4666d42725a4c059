/** keepalived.conf front end: public API. */
export { loadConfig } from './load.js';
export { formatDiagnostic, editDistance, suggest, escapeControl, classOf, type DiagnosticClass } from './diagnostics.js';
export { LOAD_LIMITS, RELOAD_LIMITS, type LoadLimits } from './limits.js';
export { renderCheckText, renderCheckJson, skewTimeSec, masterDownIntervalSec, summarise, checkExitStatus, CHECK_EXIT } from './report.js';
export { routerConfigOf, type RouterConfigOptions } from './to-router.js';
export { memoryHost, type MemoryHostOptions } from './memory-host.js';
export { DEFAULT_MCAST_GROUP4 } from './validate-global.js';
export type * from './types.js';
