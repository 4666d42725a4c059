/**
 * Token lines -> statements. A statement is a keyword, its arguments up to the end of the line
 * (or a brace), and optionally a `{ ... }` block; the `{` may also stand alone on the next line.
 * Unbalanced braces are reported at the brace and parsing goes on.
 */
import type { Diagnostics } from './diagnostics.js';
import type { Stmt, Token } from './types.js';

type Item = { readonly kind: 'tok'; readonly tok: Token } | { readonly kind: 'eol' };

export function parse(lines: readonly (readonly Token[])[], diags: Diagnostics): Stmt[] {
  const items: Item[] = [];
  for (const line of lines) {
    for (const tok of line) items.push({ kind: 'tok', tok });
    items.push({ kind: 'eol' });
  }
  const p = new Parser(items, diags);
  return p.block(undefined);
}

const isOpen = (t: Token): boolean => !t.quoted && t.text === '{';
const isClose = (t: Token): boolean => !t.quoted && t.text === '}';

class Parser {
  private i = 0;
  constructor(
    private readonly items: readonly Item[],
    private readonly diags: Diagnostics,
  ) {}

  private peekTok(): Token | undefined {
    const it = this.items[this.i];
    return it?.kind === 'tok' ? it.tok : undefined;
  }

  /** Statements until the `}` closing `open` (consumed) or the end of input. */
  block(open: Token | undefined): Stmt[] {
    const out: Stmt[] = [];
    while (this.i < this.items.length) {
      const item = this.items[this.i] as Item;
      if (item.kind === 'eol') {
        this.i++;
        continue;
      }
      const tok = item.tok;
      if (isClose(tok)) {
        this.i++;
        if (open !== undefined) return out;
        this.diags.error(tok, "unexpected '}' (no block is open)");
        continue;
      }
      if (isOpen(tok)) {
        this.i++;
        this.diags.error(tok, "'{' without a keyword before it");
        this.block(tok);
        continue;
      }
      out.push(this.statement(tok));
    }
    if (open !== undefined) this.diags.error(open, "'{' is never closed (missing '}')");
    return out;
  }

  private statement(keyword: Token): Stmt {
    this.i++;
    const args: Token[] = [];
    for (;;) {
      const t = this.peekTok();
      if (t === undefined || isClose(t)) break;
      if (isOpen(t)) {
        this.i++;
        return { keyword, args, open: t, block: this.block(t) };
      }
      args.push(t);
      this.i++;
    }
    // Allman style: `keyword` then `{` alone at the start of the next line.
    if (this.items[this.i]?.kind === 'eol') {
      const next = this.items[this.i + 1];
      if (next?.kind === 'tok' && isOpen(next.tok)) {
        this.i += 2;
        return { keyword, args, open: next.tok, block: this.block(next.tok) };
      }
    }
    return { keyword, args };
  }
}
