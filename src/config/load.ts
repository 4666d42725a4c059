/** loadConfig: entry file -> preprocess -> parse -> validate, with every diagnostic on the way. */
import { Diagnostics, escapeControl } from './diagnostics.js';
import { LOAD_LIMITS } from './limits.js';
import { parse } from './parser.js';
import { preprocess } from './preprocess.js';
import type { Diagnostic, LoadOptions, LoadResult, SourceHost, Stmt } from './types.js';
import { validate } from './validate.js';

/**
 * Reads and validates a keepalived.conf. `config` is undefined when an error stops the whole file
 * (class 'fatal'); an error confined to one section leaves that section out (`disabled`).
 * Never throws on bad input: every problem is a positioned diagnostic, and every expansion is
 * bounded by LOAD_LIMITS (limits.ts; `options.limits` overrides single bounds).
 */
export function loadConfig(entryPath: string, host: SourceHost, options: LoadOptions = {}): LoadResult {
  const limits = { ...LOAD_LIMITS, ...options.limits };
  const diags = new Diagnostics(limits.diagnostics);
  const configId = options.configId ?? host.hostname;
  const pre = preprocess(entryPath, host, configId, limits, diags);
  const stmts = pre.stopped ? [] : parse(pre.lines, diags, limits);
  const validated = pre.stopped ? { config: undefined, disabled: [] } : validate(stmts, pre.files, configId, host, diags);
  const order = (f: string): number => {
    const i = pre.files.indexOf(f);
    return i < 0 ? pre.files.length : i;
  };
  const sorted = collapseUnknownRuns(diags.kept, stmts)
    .map((d, i) => ({ d, i }))
    .sort((x, y) => order(x.d.file) - order(y.d.file) || x.d.line - y.d.line || x.d.col - y.d.col || x.i - y.i)
    .map((e) => e.d);
  const overflow = diags.overflow;
  const fatal = diags.hasFatal;
  return {
    config: fatal ? undefined : validated.config,
    disabled: fatal ? [] : validated.disabled,
    diagnostics: overflow ? [...sorted, overflow] : sorted,
    files: pre.files,
  };
}

/** Unknown keywords on this many statements in a row of one file: the file is not a keepalived config. */
const UNKNOWN_RUN = 3;

/**
 * A file that is not a keepalived config (an `include` of the wrong file) would have each line
 * echoed as an unknown keyword. Each run of UNKNOWN_RUN or more statements in a row of one file
 * that all start with an unknown keyword becomes one warning naming the file, at the run's start.
 */
function collapseUnknownRuns(diags: readonly Diagnostic[], stmts: readonly Stmt[]): Diagnostic[] {
  const unknown = new Map<string, Diagnostic>();
  for (const d of diags) if (d.code === 'unknown-keyword') unknown.set(key(d), d);
  if (unknown.size < UNKNOWN_RUN) return [...diags];
  const dropped = new Set<Diagnostic>();
  const extra: Diagnostic[] = [];
  let run: Diagnostic[] = [];
  const endRun = (): void => {
    if (run.length >= UNKNOWN_RUN) {
      const first = run[0] as Diagnostic;
      const last = run[run.length - 1] as Diagnostic;
      for (const d of run) dropped.add(d);
      extra.push({
        severity: 'warning',
        file: first.file,
        line: first.line,
        col: first.col,
        message: `'${escapeControl(first.file)}' does not look like a keepalived config: lines ${first.line} to ${last.line} start with ${run.length} unknown keywords in a row (not shown); is the include right?`,
        code: 'not-keepalived-config',
      });
    }
    run = [];
  };
  for (const s of statementsInOrder(stmts)) {
    const d = unknown.get(key(s.keyword));
    if (d === undefined || (run.length > 0 && run[0]?.file !== d.file)) endRun();
    if (d !== undefined) run.push(d);
  }
  endRun();
  return [...diags.filter((d) => !dropped.has(d)), ...extra];
}

const key = (p: { file: string; line: number; col: number }): string => `${p.line}:${p.col}:${p.file}`;

/** Every statement, blocks included, in source order (iterative: no call stack per level). */
function statementsInOrder(stmts: readonly Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  const work: Stmt[] = [...stmts].reverse();
  while (work.length > 0) {
    const s = work.pop() as Stmt;
    out.push(s);
    if (s.block !== undefined) for (let k = s.block.length - 1; k >= 0; k--) work.push(s.block[k] as Stmt);
  }
  return out;
}
