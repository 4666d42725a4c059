/**
 * Which processes a vrrp_track_process counts, keepalived 2.2.7's way (track_process.c,
 * check_params): without `full_command` the kernel's process name (comm, /proc/PID/comm) must
 * equal `process` exactly (`pgrep '^name$'`, not a regular expression); with it, argv[0] must,
 * and the parameters are compared as keepalived compares the NUL-separated bytes after argv[0]:
 *
 * - exact (parameters given, or `param_match` alone): the same parameters, no more;
 * - partial: the configured parameters are the process's first ones, more may follow;
 * - initial: as partial, but the last configured parameter need only begin the process's one;
 * - none (`full_command` alone): parameters are not looked at.
 *
 * Zombies are never counted (the caller leaves them out), nor kernel threads under full_command
 * (their command line is empty).
 */
import type { ParamMatch } from '../config/types.js';

/** What is matched of a vrrp_track_process. */
export interface ProcessSpec {
  readonly process: string;
  readonly params: readonly string[];
  readonly paramMatch: ParamMatch;
  readonly fullCommand: boolean;
}

/** What is known of one process: its name, and its argv when some tracker needs it. */
export interface ProcessView {
  readonly comm: string;
  readonly argv?: readonly string[];
}

/** keepalived's check_params on the NUL-terminated parameter bytes. */
function paramsMatch(spec: ProcessSpec, params: readonly string[]): boolean {
  const want = spec.params.map((p) => `${p}\0`).join('');
  const have = params.map((p) => `${p}\0`).join('');
  switch (spec.paramMatch) {
    case 'none':
      return true;
    case 'exact':
      return have === want;
    case 'partial':
      return have.startsWith(want);
    case 'initial':
      return have.length >= want.length && (want.length <= 1 || have.startsWith(want.slice(0, -1)));
  }
}

/** Whether `view` is a process `spec` counts. */
export function processMatches(spec: ProcessSpec, view: ProcessView): boolean {
  if (!spec.fullCommand) return view.comm === spec.process;
  const argv = view.argv;
  if (argv === undefined || argv.length === 0 || argv[0] !== spec.process) return false;
  return paramsMatch(spec, argv.slice(1));
}

/** What the processes must be read for: comm for some tracker, argv (/proc/PID/cmdline) for a full_command one. */
export function viewNeeds(specs: readonly ProcessSpec[]): { readonly comm: boolean; readonly argv: boolean } {
  return { comm: specs.some((s) => !s.fullCommand), argv: specs.some((s) => s.fullCommand) };
}
