/**
 * Every bound on reading a keepalived.conf, in one place (README, "Configuration limits").
 *
 * Loading a config expands it: includes with globs, `$NAME` parameters, `{a,b}` brace groups.
 * Each expansion is bounded so that no input, however made, costs more than about a second and
 * a couple of hundred MB; the bounds sit far above real files (a kubeadm HA pair's config is
 * 1-2 KiB, 30-60 lines, 1-3 files; hundreds of instances with includes is ~100 KiB, ~10 000
 * lines). Passing one is a positioned error naming the limit, and loading stops there.
 */
export interface LoadLimits {
  /** Bytes read from files in total; a file included twice counts twice. */
  readonly inputBytes: number;
  /** Files read (the entry file and every include, a file included twice counts twice). */
  readonly files: number;
  /** Includes inside included files. */
  readonly includeDepth: number;
  /** `{` blocks inside blocks (keepalived's deepest real nesting is 4). */
  readonly braceDepth: number;
  /** Glob patterns one `include` word makes after `{a,b}` expansion. */
  readonly globPatterns: number;
  /** Directory entries examined by all include globs together. */
  readonly globEntries: number;
  /** Characters in one line of a file (keepalived itself reads lines of at most 1 KiB). */
  readonly lineLength: number;
  /** Characters one line grows to by `$NAME` substitution (multi-line values included). */
  readonly expansionLength: number;
  /** Rounds of substitution inside one line (a value naming a parameter is substituted again). */
  readonly expansionDepth: number;
  /** Characters of all lines after substitution, together. */
  readonly expandedBytes: number;
  /** Lines after includes and substitution (each line a parameter expands to counts). */
  readonly lines: number;
  /** Words (tokens) after includes and substitution. */
  readonly words: number;
  /** Diagnostics kept; past it they are counted and summed up in one line. */
  readonly diagnostics: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const LOAD_LIMITS: LoadLimits = {
  inputBytes: 2 * MiB,
  files: 1000,
  includeDepth: 16,
  braceDepth: 32,
  globPatterns: 256,
  globEntries: 100_000,
  lineLength: 64 * KiB,
  expansionLength: 64 * KiB,
  expansionDepth: 32,
  expandedBytes: 8 * MiB,
  lines: 120_000,
  words: 500_000,
  diagnostics: 1000,
};

/**
 * A reload (SIGHUP) loads the config in a worker thread so the advert timers never wait for
 * it; the worker is bounded in time and heap, beyond the limits above (a file system that
 * hangs, a bug). Past either, the reload is refused and the old config keeps running.
 */
export const RELOAD_LIMITS = {
  /** Wall-clock time for a reload's load, worker start included. */
  timeoutMs: 10_000,
  /** The worker's old-generation heap (the loader at the limits above peaks well below). */
  heapMb: 256,
} as const;

/** " (limit NAME = VALUE)": how a message names the limit it hit. */
export function limitNote(name: keyof LoadLimits, limits: LoadLimits): string {
  return ` (vrrpd limit ${name} = ${limits[name]}; see README, "Configuration limits")`;
}
