/** Every tracker kind the daemon runs. A new kind is one file in this directory and one line here. */
import { fileKind } from './file.js';
import { interfaceKind } from './interface.js';
import { processKind } from './process.js';
import type { TrackerKind } from './kind.js';
import { scriptKind } from './script.js';

export const TRACKER_KINDS: readonly TrackerKind[] = [scriptKind, interfaceKind, fileKind, processKind];
