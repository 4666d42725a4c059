/** Runs a section's statements through its keyword handlers; reports ignored and unknown keywords. */
import type { ArgChecker } from './check-args.js';
import { RepeatGuard } from './check-args.js';
import { didYouMean } from './diagnostics.js';
import type { Stmt } from './types.js';

export type Handler<S> = (stmt: Stmt, state: S, a: ArgChecker) => void;

export interface SectionSpec<S> {
  /** For messages: "global_defs", "vrrp_instance VI_1". */
  readonly label: string;
  readonly handlers: ReadonlyMap<string, Handler<S>>;
  /** Keywords that hold one value: set twice is worth a warning. */
  readonly scalars?: ReadonlySet<string>;
  /** keepalived keywords vrrpd ignores (warning). */
  readonly unsupported?: ReadonlySet<string>;
  /** keepalived keywords accepted and ignored on purpose (info), with the reason. */
  readonly accepted?: ReadonlySet<string>;
  readonly acceptedReason?: string;
}

export function dispatch<S>(stmts: readonly Stmt[], spec: SectionSpec<S>, state: S, a: ArgChecker): void {
  const guard = new RepeatGuard(a.diags);
  for (const stmt of stmts) {
    const kw = stmt.keyword.text;
    const handler = spec.handlers.get(kw);
    if (handler !== undefined) {
      if (spec.scalars?.has(kw)) guard.check(stmt);
      handler(stmt, state, a);
    } else if (spec.accepted?.has(kw)) {
      a.diags.info(stmt.keyword, `'${kw}' accepted and ignored: ${spec.acceptedReason ?? 'not used by vrrpd'}`);
    } else if (spec.unsupported?.has(kw)) {
      a.diags.warning(stmt.keyword, `'${kw}' is not supported by vrrpd; ignored`);
    } else {
      const known = [...spec.handlers.keys(), ...(spec.unsupported ?? []), ...(spec.accepted ?? [])];
      a.diags.warning(stmt.keyword, `unknown keyword '${kw}' in ${spec.label}${didYouMean(kw, known)}`, 'unknown-keyword');
    }
  }
}
