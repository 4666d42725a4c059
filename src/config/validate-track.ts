/**
 * The top-level tracked objects besides vrrp_script: `track_file` (and its deprecated synonym
 * `vrrp_track_file`) and `vrrp_track_process`, with keepalived 2.2.7's defaults and ranges
 * (track_file.c, vrrp_parser.c vrrp_tprocess_*). What vrrpd checks beyond keepalived is said at
 * the token: a relative file path, a process name the kernel cannot hold.
 */
import { pos, type ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { TRACK_FILE, VRRP_TRACK_PROCESS } from './keywords.js';
import type { ParamMatch, SourcePos, Stmt, Token, TrackFile, TrackProcess } from './types.js';
import { parseInteger } from './values.js';

/** keepalived's weight bounds for track_file and vrrp_track_process (and their references). */
export const TRACK_WEIGHT_MAX = 254;

/** The kernel's process name (comm) holds at most 15 bytes (TASK_COMM_LEN 16 with its NUL). */
export const COMM_MAX = 15;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface TrackFileDraft extends Omit<Mutable<TrackFile>, 'path'> {
  path?: string;
  nameToken: Token;
}

export interface TrackProcessDraft extends Omit<Mutable<TrackProcess>, 'process' | 'params'> {
  process?: string;
  params: string[];
  nameToken: Token;
  quorumToken?: Token;
  quorumMaxToken?: Token;
  processToken?: Token;
}

/** `weight N [reverse]` of a track_file or vrrp_track_process block. */
function weightOf(s: Stmt, a: ArgChecker): { weight: number; reverse: boolean } | undefined {
  a.noBlock(s);
  const [t, flag] = s.args;
  if (t === undefined) {
    a.diags.error(s.keyword, "'weight' needs a value");
    return undefined;
  }
  const weight = a.int(t, 'weight', -TRACK_WEIGHT_MAX, TRACK_WEIGHT_MAX);
  if (flag !== undefined && flag.text !== 'reverse') a.diags.error(flag, `expected 'reverse' after the weight, not '${flag.text}'`);
  a.extra(s, 2);
  return weight === undefined ? undefined : { weight, reverse: flag?.text === 'reverse' };
}

const fileHandlers = new Map<string, Handler<TrackFileDraft>>([
  ['file', (s, d, a) => {
    const t = a.one(s, 'a file name');
    if (t === undefined) return;
    if (t.text.includes('\0') || t.text === '') a.diags.error(t, 'the file name is empty or holds a NUL byte');
    else if (!t.text.startsWith('/')) {
      d.path = `/${t.text}`;
      a.diags.warning(t, `'${t.text}' is a relative path: vrrpd, like keepalived (whose working directory is /), reads ${d.path}; write the full path`);
    } else d.path = t.text;
  }],
  ['weight', (s, d, a) => {
    const w = weightOf(s, a);
    if (w) Object.assign(d, w);
  }],
  ['init_file', (s, d, a) => {
    a.noBlock(s);
    let value = 0;
    let overwrite = false;
    for (const t of s.args) {
      if (t.text === 'overwrite') overwrite = true;
      else if (/^[-\d]/.test(t.text)) {
        const n = parseInteger(t.text);
        if (n === undefined || n < -(2 ** 31) || n > 2 ** 31 - 1) a.diags.error(t, `init_file value must be an integer, not '${t.text}'`);
        else {
          if (n < -TRACK_WEIGHT_MAX || n > TRACK_WEIGHT_MAX) a.diags.warning(t, `init_file value ${n} is outside the sensible range -254..254 (keepalived says the same)`);
          value = n;
        }
      } else a.diags.error(t, `unknown init_file option '${t.text}' (expected a value and/or 'overwrite')`);
    }
    d.init = { value, overwrite };
  }],
]);


/** The track_file keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const TRACK_FILE_HANDLED: ReadonlySet<string> = new Set(fileHandlers.keys());
/** `track_file NAME { ... }` / `vrrp_track_file NAME { ... }` -> a draft (undefined when unusable). */
export function validateTrackFile(stmt: Stmt, a: ArgChecker): TrackFileDraft | undefined {
  const kw = stmt.keyword.text;
  const name = stmt.args[0];
  if (name === undefined) {
    a.diags.error(stmt.keyword, `${kw} needs a name`);
    return undefined;
  }
  a.extra(stmt, 1);
  if (kw === 'vrrp_track_file') a.diags.info(stmt.keyword, "'vrrp_track_file' is a deprecated synonym of 'track_file' (keepalived says so too)");
  const block = a.block(stmt);
  if (block === undefined) return undefined;
  const d: TrackFileDraft = { name: name.text, pos: pos(name), nameToken: name, weight: 1, reverse: false };
  dispatch(block, { label: `track_file ${name.text}`, section: 'track_file', handlers: fileHandlers, scalars: TRACK_FILE_HANDLED, table: TRACK_FILE }, d, a);
  if (d.path === undefined) a.diags.error(name, `track_file ${name.text} has no 'file'`);
  return d;
}

/** keepalived's `delay` / `fork_delay` / `terminate_delay`: seconds to the microsecond, up to an hour. */
function delayOf(s: Stmt, a: ArgChecker): number | undefined {
  const t = a.one(s);
  const sec = t && a.seconds(t, s.keyword.text, 0, 3600);
  return sec === undefined ? undefined : Math.round(sec * 1e6) / 1e3;
}

const processHandlers = new Map<string, Handler<TrackProcessDraft>>([
  ['process', (s, d, a) => {
    a.noBlock(s);
    const [first, ...rest] = s.args;
    if (first === undefined) {
      a.diags.error(s.keyword, "'process' needs a process name");
      return;
    }
    d.process = first.text;
    d.processToken = first;
    d.params = rest.map((t) => t.text);
    if (rest.length > 0) {
      d.fullCommand = true;
      if (d.paramMatch === 'none') d.paramMatch = 'exact';
    }
  }],
  ['param_match', (s, d, a) => {
    a.noBlock(s);
    const t = s.args[0];
    a.extra(s, 1);
    if (t !== undefined && t.text !== 'initial' && t.text !== 'partial') {
      a.diags.error(t, `param_match must be 'initial' or 'partial' (or nothing, for an exact match), not '${t.text}'`);
      return;
    }
    d.paramMatch = t === undefined ? 'exact' : (t.text as ParamMatch);
    d.fullCommand = true;
  }],
  ['weight', (s, d, a) => {
    const w = weightOf(s, a);
    if (w) Object.assign(d, w);
  }],
  ['quorum', (s, d, a) => {
    const t = a.one(s);
    const n = t && a.int(t, 'quorum', 1, 65535);
    if (n !== undefined) [d.quorum, d.quorumToken] = [n, t];
  }],
  ['quorum_max', (s, d, a) => {
    const t = a.one(s);
    const n = t && a.int(t, 'quorum_max', 0, 65535);
    if (n !== undefined) [d.quorumMax, d.quorumMaxToken] = [n, t];
  }],
  ['delay', (s, d, a) => {
    const ms = delayOf(s, a);
    if (ms !== undefined) [d.forkDelayMs, d.terminateDelayMs] = [ms, ms];
  }],
  ['fork_delay', (s, d, a) => { const ms = delayOf(s, a); if (ms !== undefined) d.forkDelayMs = ms; }],
  ['terminate_delay', (s, d, a) => { const ms = delayOf(s, a); if (ms !== undefined) d.terminateDelayMs = ms; }],
  ['full_command', (s, d, a) => { a.flag(s); d.fullCommand = true; }],
]);

/** keepalived's quorum rules, checked once the block is read (keepalived checks them in the order written). */
function completeQuorum(d: TrackProcessDraft, a: ArgChecker): void {
  if (d.quorumMax === undefined) return;
  if (d.quorumMax === 0 && d.quorum <= 1) d.quorum = 0; // "the process must not run at all"
  else if (d.quorumMax < d.quorum) a.diags.error(d.quorumMaxToken ?? d.nameToken, `quorum_max ${d.quorumMax} is less than quorum ${d.quorum}`);
}


/** The vrrp_track_process keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const TRACK_PROCESS_HANDLED: ReadonlySet<string> = new Set(processHandlers.keys());
/** `vrrp_track_process NAME { ... }` -> a draft (undefined when unusable). */
export function validateTrackProcess(stmt: Stmt, a: ArgChecker): TrackProcessDraft | undefined {
  const name = stmt.args[0];
  if (name === undefined) {
    a.diags.error(stmt.keyword, 'vrrp_track_process needs a name');
    return undefined;
  }
  a.extra(stmt, 1);
  const block = a.block(stmt);
  if (block === undefined) return undefined;
  const d: TrackProcessDraft = {
    name: name.text, pos: pos(name), nameToken: name, params: [], paramMatch: 'none', fullCommand: false, weight: 0, reverse: false,
    quorum: 1, forkDelayMs: 0, terminateDelayMs: 0,
  };
  const label = `vrrp_track_process ${name.text}`;
  dispatch(block, { label, section: 'vrrp_track_process', handlers: processHandlers, scalars: TRACK_PROCESS_HANDLED, table: VRRP_TRACK_PROCESS }, d, a);
  completeQuorum(d, a);
  if (d.process === undefined) a.diags.error(name, `${label} has no 'process'`);
  else if (!d.fullCommand && new TextEncoder().encode(d.process).length > COMM_MAX)
    a.diags.warning(d.processToken ?? name, `the kernel keeps at most ${COMM_MAX} bytes of a process name, so '${d.process}' never matches (keepalived has the same limit): write '${d.process.slice(0, COMM_MAX)}', or add full_command to match the command line`);
  return d;
}

/** A draft as the typed config holds it (drafts with errors never get here). */
export function finishTrackFile(d: TrackFileDraft): TrackFile[] {
  if (d.path === undefined) return [];
  return [{ name: d.name, pos: d.pos, path: d.path, weight: d.weight, reverse: d.reverse, ...(d.init ? { init: d.init } : {}) }];
}

export function finishTrackProcess(d: TrackProcessDraft): TrackProcess[] {
  if (d.process === undefined) return [];
  const { nameToken: _n, quorumToken: _q, quorumMaxToken: _m, processToken: _p, process, quorumMax, ...rest } = d;
  return [{ ...rest, process, ...(quorumMax !== undefined ? { quorumMax } : {}) }];
}

/** Where a tracked object is defined, for messages. */
export type Defined = { readonly name: string; readonly pos: SourcePos; readonly weight: number; readonly reverse: boolean };
