/**
 * Runs a section's statements through its keyword handlers and reports the rest from the
 * support table (keywords.ts): a difference from keepalived where a handled keyword is used, an
 * ignored or unsupported keyword (a keepalived 2.2.8+ keyword named with its release), or an
 * unknown keyword with a "did you mean".
 */
import type { ArgChecker } from './check-args.js';
import { RepeatGuard } from './check-args.js';
import { didYouMean } from './diagnostics.js';
import { keepalivedSince, supportOf, type KeywordTable, type Support } from './keywords.js';
import type { Stmt, Token } from './types.js';

export type Handler<S> = (stmt: Stmt, state: S, a: ArgChecker) => void;

export interface SectionSpec<S> {
  /** For messages: "global_defs", "vrrp_instance VI_1". */
  readonly label: string;
  /** keepalived's name of the section ('global_defs', 'vrrp_instance', ...: keepalived-keywords.ts). */
  readonly section: string;
  readonly handlers: ReadonlyMap<string, Handler<S>>;
  /** vrrpd's support for each keepalived keyword of the section (keywords.ts). */
  readonly table: KeywordTable;
  /** Keywords that hold one value: set twice is worth a warning. */
  readonly scalars?: ReadonlySet<string>;
}

export function dispatch<S>(stmts: readonly Stmt[], spec: SectionSpec<S>, state: S, a: ArgChecker): void {
  const guard = new RepeatGuard(a.diags);
  let known: string[] | undefined; // the candidates of a "did you mean", made at the first unknown keyword
  for (const stmt of stmts) {
    const kw = stmt.keyword.text;
    const handler = spec.handlers.get(kw);
    const support = supportOf(spec.table, kw);
    if (handler !== undefined) {
      if (spec.scalars?.has(kw)) guard.check(stmt);
      const errors = a.diags.errorCount;
      handler(stmt, state, a);
      // A value that was refused has no behaviour to compare.
      if (support?.status === 'differs' && a.diags.errorCount === errors) reportDifference(stmt.keyword, support, a);
    } else if (support !== undefined) {
      reportUnhandled(stmt.keyword, spec.section, support, a);
    } else {
      a.diags.warning(stmt.keyword, () => `unknown keyword '${kw}' in ${spec.label}${didYouMean(kw, (known ??= [...spec.handlers.keys(), ...Object.keys(spec.table)]))}`, 'unknown-keyword');
    }
  }
}

/** A handled keyword where vrrpd does less than keepalived: a failover warning, or a note. */
export function reportDifference(at: Token, support: Extract<Support, { status: 'differs' }>, a: ArgChecker): void {
  const message = `'${at.text}' ${support.how}`;
  if (support.failover) a.diags.failover(at, message, 'differs');
  else a.diags.info(at, message, 'differs');
}

/** A keepalived keyword vrrpd has no handler for: ignored, with what that means. */
export function reportUnhandled(at: Token, section: string, support: Support, a: ArgChecker, more = ''): void {
  const kw = at.text;
  if (support.status === 'ignored') {
    a.diags.info(at, `'${kw}' accepted and ignored: ${support.why}${more}`, 'ignored-keyword');
    return;
  }
  const since = keepalivedSince(section, kw);
  const what = support.status === 'unsupported' ? `: ${support.what}` : '';
  const yet = support.status === 'unsupported' && support.pending !== undefined ? ' yet' : '';
  const head = since !== undefined ? `'${kw}' is a keepalived ${since} keyword that vrrpd does not support` : `'${kw}' is not supported by vrrpd${yet}`;
  // A keyword marked supported without a handler would be a vrrpd bug (a test prevents it): still loud.
  const failover = support.status !== 'unsupported' || support.failover;
  const message = `${head}${what}; ignored${more}`;
  if (failover) a.diags.failover(at, message, 'unsupported-keyword');
  else a.diags.warning(at, message, 'unsupported-keyword');
}
