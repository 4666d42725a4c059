/**
 * Token lines -> statements. A statement is a keyword, its arguments up to the end of the line
 * (or a brace), and optionally a `{ ... }` block; the `{` may also stand alone on the next line.
 * Unbalanced braces are reported at the brace and parsing goes on. Iterative (an explicit stack
 * of open blocks), so nesting costs no call stack; past `maxDepth` open blocks it is a
 * positioned error and parsing stops.
 */
import type { Diagnostics } from './diagnostics.js';
import { limitNote, LOAD_LIMITS, type LoadLimits } from './limits.js';
import type { Stmt, Token } from './types.js';

const isOpen = (t: Token): boolean => !t.quoted && t.text === '{';
const isClose = (t: Token): boolean => !t.quoted && t.text === '}';

/** A block being filled: the statement that owns it (none for the top level and for a stray `{`). */
interface Frame {
  readonly open: Token | undefined;
  readonly owner: { readonly keyword: Token; readonly args: readonly Token[] } | undefined;
  readonly stmts: Stmt[];
}

export function parse(lines: readonly (readonly Token[])[], diags: Diagnostics, limits: LoadLimits = LOAD_LIMITS): Stmt[] {
  const top: Frame = { open: undefined, owner: undefined, stmts: [] };
  const stack: Frame[] = [top];
  /** A statement whose line ended without a `{`: a `{` first on the next line opens its block. */
  let pending: Frame['owner'];

  const current = (): Frame => stack[stack.length - 1] as Frame;
  const openBlock = (open: Token, owner: Frame['owner']): boolean => {
    if (stack.length > limits.braceDepth) {
      diags.error(open, `blocks nested more than ${limits.braceDepth} deep${limitNote('braceDepth', limits)}`, 'limit');
      return false;
    }
    stack.push({ open, owner, stmts: [] });
    return true;
  };
  const closeBlock = (): void => {
    const done = stack.pop() as Frame;
    if (done.owner === undefined) return; // a stray `{ ... }`: already reported, contents dropped
    current().stmts.push({ keyword: done.owner.keyword, args: done.owner.args, open: done.open as Token, block: done.stmts });
  };
  const flushPending = (): void => {
    if (pending !== undefined) current().stmts.push({ keyword: pending.keyword, args: pending.args });
    pending = undefined;
  };

  for (const line of lines) {
    let i = 0;
    const first = line[0];
    if (pending !== undefined && first !== undefined && isOpen(first)) {
      // Allman style: `keyword` then `{` alone at the start of the next line.
      const owner = pending;
      pending = undefined;
      if (!openBlock(first, owner)) return top.stmts;
      i = 1;
    } else flushPending();
    while (i < line.length) {
      const tok = line[i++] as Token;
      if (isClose(tok)) {
        if (stack.length > 1) closeBlock();
        else diags.error(tok, "unexpected '}' (no block is open)");
        continue;
      }
      if (isOpen(tok)) {
        diags.error(tok, "'{' without a keyword before it");
        if (!openBlock(tok, undefined)) return top.stmts;
        continue;
      }
      // A statement: arguments up to a brace or the end of the line.
      const args: Token[] = [];
      while (i < line.length && !isOpen(line[i] as Token) && !isClose(line[i] as Token)) args.push(line[i++] as Token);
      const next = line[i];
      if (next !== undefined && isOpen(next)) {
        i++;
        if (!openBlock(next, { keyword: tok, args })) return top.stmts;
      } else if (next === undefined) pending = { keyword: tok, args };
      else current().stmts.push({ keyword: tok, args });
    }
  }
  flushPending();
  while (stack.length > 1) {
    diags.error(current().open as Token, "'{' is never closed (missing '}')");
    closeBlock();
  }
  return top.stmts;
}
