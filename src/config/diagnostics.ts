/**
 * Collecting and printing diagnostics, and "did you mean" suggestions by edit distance.
 * Messages echo config text, which may hold anything: control characters (a terminal escape,
 * a newline forging a log line) are escaped when a diagnostic is made, so every consumer
 * (check's text and JSON, the daemon's log, cleanup) prints it safely.
 */
import type { Diagnostic, SectionRef, Severity, SourcePos } from './types.js';

/**
 * What a diagnostic means for running the file, most serious first. Defined here once: `vrrpd
 * check`'s exit status (report.ts), the daemon and the README ("Reading vrrpd check") follow it.
 * - 'fatal': an error that stops the whole file (syntax, limits, unreadable files, global_defs,
 *   duplicate names or VRIDs, a statement at the top level without its name or block): nothing runs.
 * - 'disabled': an error inside one vrrp_instance, vrrp_script or vrrp_sync_group: that one is
 *   disabled and the others run.
 * - 'failover': a warning where vrrpd, running the file, fails over differently from keepalived
 *   (a health check, authentication or accept mode, a source address, a section keepalived acts on).
 * - 'warning': a warning that changes no failover (keepalived says or does the same, or it is cosmetic).
 * - 'note': information.
 */
export type DiagnosticClass = 'fatal' | 'disabled' | 'failover' | 'warning' | 'note';

/** The class of a diagnostic (see DiagnosticClass). */
export function classOf(d: Pick<Diagnostic, 'severity' | 'failover' | 'disables'>): DiagnosticClass {
  if (d.severity === 'error') return d.disables === undefined ? 'fatal' : 'disabled';
  if (d.severity === 'warning') return d.failover ? 'failover' : 'warning';
  return 'note';
}

/** C0, DEL, C1, line/paragraph separators and bidirectional overrides ("Trojan Source"). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same without C0, which JSON.stringify already escapes (and JSON's own layout uses). */
const CONTROL_NOT_C0 = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\n`, `\t`, `\r`, `\xHH` or `\u{HHHH}` in place of each control character; other text unchanged. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
  });
}

/** JSON text with the characters JSON.stringify leaves raw (DEL, C1, U+2028/9, bidi) as \uXXXX: still valid JSON. */
export function jsonEscapeControl(json: string): string {
  return json.replace(CONTROL_NOT_C0, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message longer than this is cut (a 64 KiB word echoed in full helps nobody). */
const MAX_MESSAGE = 1000;

/** `file:line:col: severity: message`, as compilers print it; a failover warning is `warning[failover]`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${escapeControl(d.file)}:${d.line}:${d.col}: ${d.severity}${d.failover ? '[failover]' : ''}: ${d.message}`;
}

/** Optional parts of a diagnostic besides its severity, position and message. */
export interface DiagnosticExtra {
  readonly code?: string;
  /** A warning that changes failover compared with keepalived (class 'failover'). */
  readonly failover?: boolean;
}

/**
 * A message, or a function making it: called only when the diagnostic is kept, so what a dropped
 * one would have cost (a "did you mean" over every keyword) is not paid past the cap.
 */
export type Message = string | (() => string);

/**
 * Accumulates diagnostics in the order they are found, up to `max`; past it they are counted
 * by severity (`hasErrors` and `hasFatal` stay exact) and `list` ends with one line saying how
 * many. Errors added inside `confine(section, ...)` disable that section only (class 'disabled');
 * any other error is fatal.
 */
export class Diagnostics {
  readonly #kept: Diagnostic[] = [];
  #dropped = { error: 0, warning: 0, info: 0, fatal: 0 };
  #errors = 0;
  #fatal = 0;
  #last: SourcePos | undefined;
  #scope: SectionRef | undefined;

  constructor(private readonly max = Infinity) {}

  add(severity: Severity, at: SourcePos, message: Message, extra: string | DiagnosticExtra = {}): void {
    const { code, failover } = typeof extra === 'string' ? { code: extra, failover: false } : extra;
    const disables = severity === 'error' ? this.#scope : undefined;
    if (severity === 'error') this.#errors++;
    if (severity === 'error' && disables === undefined) this.#fatal++;
    // A passed limit (code 'limit') stops loading, so there are few: always kept, it is the one that matters.
    if (this.#kept.length >= this.max && code !== 'limit') {
      this.#dropped[severity]++;
      if (severity === 'error' && disables === undefined) this.#dropped.fatal++;
      this.#last = at;
      return;
    }
    let text = escapeControl(typeof message === 'function' ? message() : message);
    if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE)}... (${text.length - MAX_MESSAGE} more characters)`;
    this.#kept.push({
      severity,
      file: at.file,
      line: at.line,
      col: at.col,
      message: text,
      ...(code !== undefined ? { code } : {}),
      ...(failover === true && severity === 'warning' ? { failover: true as const } : {}),
      ...(disables !== undefined ? { disables } : {}),
    });
  }
  error(at: SourcePos, message: Message, code?: string): void {
    this.add('error', at, message, code);
  }
  warning(at: SourcePos, message: Message, code?: string): void {
    this.add('warning', at, message, code);
  }
  /** A warning of class 'failover': vrrpd fails over differently from keepalived here. */
  failover(at: SourcePos, message: Message, code?: string): void {
    this.add('warning', at, message, { failover: true, ...(code !== undefined ? { code } : {}) });
  }
  info(at: SourcePos, message: Message, code?: string): void {
    this.add('info', at, message, code);
  }
  /**
   * Runs `f` with its errors confined to `section` (class 'disabled'); true when it added one.
   * Not nested: a section is validated on its own.
   */
  confine(section: SectionRef, f: () => void): boolean {
    const before = this.#errors;
    const outer = this.#scope;
    this.#scope = section;
    try {
      f();
    } finally {
      this.#scope = outer;
    }
    return this.#errors > before;
  }
  get hasErrors(): boolean {
    return this.#errors > 0;
  }
  /** Errors so far, kept or not. */
  get errorCount(): number {
    return this.#errors;
  }
  /** Whether an error stops the whole file (class 'fatal'). */
  get hasFatal(): boolean {
    return this.#fatal > 0;
  }
  /** The diagnostics kept, then (when some were not) one counting the rest, at the last one's place. */
  get list(): Diagnostic[] {
    const o = this.overflow;
    return o === undefined ? [...this.#kept] : [...this.#kept, o];
  }
  /** The diagnostics kept. */
  get kept(): readonly Diagnostic[] {
    return this.#kept;
  }
  /** One diagnostic counting those not kept, or undefined. */
  get overflow(): Diagnostic | undefined {
    const d = this.#dropped;
    if (d.error + d.warning + d.info === 0 || this.#last === undefined) return undefined;
    const parts = (['error', 'warning', 'info'] as const).filter((s) => d[s] > 0).map((s) => `${d[s]} more ${s}${d[s] === 1 ? '' : 's'}`);
    const at = this.#last;
    // An error only when an error not shown stops the file: confined ones show in LoadResult.disabled.
    const severity: Severity = d.fatal > 0 ? 'error' : d.error + d.warning > 0 ? 'warning' : 'info';
    const message = `${parts.join(', ')} not shown (vrrpd keeps the first ${this.max} diagnostics)`;
    return { severity, file: at.file, line: at.line, col: at.col, message, code: 'limit' };
  }
}

/** Levenshtein distance (insert, delete, substitute each cost 1); two rows of numbers, no allocation per cell. */
export function editDistance(a: string, b: string): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** The closest candidate within a distance of about a third of the word (at least 2), or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    // The distance is at least the difference in length: a candidate that far off cannot be
    // suggested, and skipping it keeps a 100 000-character word from costing seconds per keyword.
    if (Math.abs(c.length - word.length) > limit) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return bestDist <= limit ? best : undefined;
}

/** " (did you mean 'x'?)" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean '${s}'?)`;
}
