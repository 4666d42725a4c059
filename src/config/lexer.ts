/**
 * Splitting one logical line of keepalived.conf into tokens. A line arrives with a column map
 * (`cols[i]` is the source column of character i) so words produced by parameter substitution
 * still point at the place they were written. Rules (keepalived.conf(5), "Quoted strings"):
 * words are separated by whitespace; `"` and `'` quote (the quotes are removed, the text joins
 * the surrounding word); inside quotes C-style escapes work; unquoted `{` and `}` are words of
 * their own, except inside `${NAME}` and inside a word (`sub/{a,b}.conf`: a `{` that does not
 * start a word opens a group the word's `}` closes); `#` and `!` outside quotes start a comment.
 */
import type { Diagnostics } from './diagnostics.js';
import type { Token } from './types.js';

/** Index where a comment starts (a `#` or `!` outside quotes), or the text's length. */
export function commentStart(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' || c === '!') return i;
  }
  return text.length;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';

interface LineCtx {
  readonly text: string;
  readonly cols: readonly number[];
  readonly file: string;
  readonly line: number;
  readonly diags: Diagnostics;
}

/** Tokens of one line (comments must already be removed). */
export function lexLine(text: string, cols: readonly number[], file: string, line: number, diags: Diagnostics): Token[] {
  const ctx: LineCtx = { text, cols, file, line, diags };
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '{' || c === '}') {
      tokens.push({ text: c, quoted: false, file, line, col: colAt(ctx, i) });
      i++;
      continue;
    }
    const [token, next] = lexWord(ctx, i);
    tokens.push(token);
    i = next;
  }
  return tokens;
}

function colAt(ctx: LineCtx, i: number): number {
  return ctx.cols[i] ?? ctx.cols[ctx.cols.length - 1] ?? 1;
}

/** One word starting at `start`; returns the token and the index after it. */
function lexWord(ctx: LineCtx, start: number): [Token, number] {
  const { text } = ctx;
  let out = '';
  let quoted = false;
  let i = start;
  let depth = 0; // braces opened inside this word, as in an include glob "sub/{a,b}.conf"
  while (i < text.length) {
    const c = text[i] as string;
    if (isSpace(c)) break;
    if (c === '{') {
      if (i === start) break;
      depth++;
      out += c;
      i++;
    } else if (c === '}') {
      if (depth === 0) break;
      depth--;
      out += c;
      i++;
    } else if (c === '$' && text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      const end = close < 0 ? text.length : close + 1;
      out += text.slice(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      quoted = true;
      const [s, next] = lexQuoted(ctx, i);
      out += s;
      i = next;
    } else {
      out += c;
      i++;
    }
  }
  return [{ text: out, quoted, file: ctx.file, line: ctx.line, col: colAt(ctx, start) }, i];
}

/** A quoted run starting at the quote at `start`; returns its text and the index after the closing quote. */
function lexQuoted(ctx: LineCtx, start: number): [string, number] {
  const { text } = ctx;
  const quote = text[start];
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === quote) return [out, i + 1];
    if (c === '\\' && i + 1 < text.length) {
      const [s, next] = unescape(text, i + 1);
      out += s;
      i = next;
    } else {
      out += c;
      i++;
    }
  }
  ctx.diags.error({ file: ctx.file, line: ctx.line, col: colAt(ctx, start) }, `unterminated quoted string (missing ${quote})`);
  return [out, i];
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** The character(s) an escape at `i` (just after the backslash) stands for, and the index after it. */
function unescape(text: string, i: number): [string, number] {
  const c = text[i] as string;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, i + 1];
  if (/[0-7]/.test(c)) {
    const m = /^[0-7]{1,3}/.exec(text.slice(i)) as RegExpExecArray;
    return [String.fromCharCode(parseInt(m[0], 8) & 0xff), i + m[0].length];
  }
  if (c === 'x') {
    const m = /^[0-9a-fA-F]+/.exec(text.slice(i + 1));
    if (m) return [String.fromCharCode(parseInt(m[0].slice(-2), 16)), i + 1 + m[0].length];
    return ['x', i + 1];
  }
  if (c === 'c' && i + 1 < text.length) {
    return [String.fromCharCode((text.charCodeAt(i + 1) & 0x1f) >>> 0), i + 2];
  }
  return [c, i + 1];
}
