/**
 * From files to token lines: reads the entry file and its includes (globs, relative to the
 * including file, recursion guarded), drops `@id` / `@^id` lines that do not match the config id,
 * records `$NAME=value` parameters (also multi-line ones ending in `\`) and substitutes `$NAME` /
 * `${NAME}` uses, then lexes. Substituted words keep the position of the `$` that produced them.
 * Order per line, as keepalived.conf(5) describes: conditional, definition, substitution (whose
 * result is processed again, so a parameter may expand to `@id ...` or to several lines).
 */
import { commentStart, lexLine } from './lexer.js';
import type { Diagnostics } from './diagnostics.js';
import type { Severity, SourceHost, SourcePos, Token } from './types.js';

const INCLUDE_KEYWORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const MAX_INCLUDE_DEPTH = 32;
const MAX_EXPANSION_DEPTH = 32;
const MAX_EXPANDED_LENGTH = 100_000;
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
const DEFINITION_START = /^\s*(@\^?\S+\s+)*\$[A-Za-z_][A-Za-z0-9_]*=/;

export interface PreprocessResult {
  /** Non-empty token lines, in reading order. */
  readonly lines: readonly (readonly Token[])[];
  /** Files read, entry first, each once. */
  readonly files: readonly string[];
}

export function preprocess(entry: string, host: SourceHost, configId: string, diags: Diagnostics): PreprocessResult {
  const p = new Preprocessor(host, configId, diags);
  p.processFile(entry, undefined, 'error');
  return { lines: p.lines, files: p.files };
}

class Preprocessor {
  readonly lines: Token[][] = [];
  readonly files: string[] = [];
  private readonly params = new Map<string, string>();
  private readonly stack: string[] = [];

  constructor(
    private readonly host: SourceHost,
    private readonly configId: string,
    private readonly diags: Diagnostics,
  ) {}

  processFile(path: string, from: SourcePos | undefined, failSeverity: Severity): void {
    const at = from ?? { file: path, line: 1, col: 1 };
    if (this.stack.includes(path)) {
      this.diags.error(at, `include recursion: '${path}' is already being read (${[...this.stack, path].join(' -> ')})`);
      return;
    }
    if (this.stack.length >= MAX_INCLUDE_DEPTH) {
      this.diags.error(at, `includes nested more than ${MAX_INCLUDE_DEPTH} deep`);
      return;
    }
    const read = this.host.readFile(path);
    if (!read.ok) {
      this.diags.add(failSeverity, at, `cannot read '${path}': ${read.error.detail}`);
      return;
    }
    if (!this.files.includes(path)) this.files.push(path);
    this.stack.push(path);
    try {
      this.processText(read.value, path);
    } finally {
      this.stack.pop();
    }
  }

  private processText(text: string, file: string): void {
    const raw = text.split('\n');
    for (let idx = 0; idx < raw.length; idx++) {
      const lineNo = idx + 1;
      let body = stripComment(raw[idx] as string);
      if (DEFINITION_START.test(body) && body.trimEnd().endsWith('\\')) {
        const parts: string[] = [];
        while (body.trimEnd().endsWith('\\') && idx + 1 < raw.length) {
          parts.push(body.trimEnd().slice(0, -1));
          body = stripComment(raw[++idx] as string);
        }
        parts.push(body.trimEnd().endsWith('\\') ? body.trimEnd().slice(0, -1) : body);
        const joined = joinDefinition(parts);
        this.processLine(joined, identityCols(joined.length), file, lineNo, 0);
        continue;
      }
      this.processLine(body, identityCols(body.length), file, lineNo, 0);
    }
  }

  private processLine(text: string, cols: number[], file: string, line: number, depth: number): void {
    let i = skipSpace(text, 0);
    while (text[i] === '@') {
      const cond = this.evalConditional(text, cols, i, file, line);
      if (cond === undefined) return;
      i = skipSpace(text, cond);
    }
    if (i > 0) {
      text = text.slice(i);
      cols = cols.slice(i);
    }
    if (text === '') return;
    const def = DEFINITION.exec(text);
    if (def) {
      this.params.set(def[1] as string, (def[2] as string).trimEnd());
      return;
    }
    const at = { file, line, col: cols[0] ?? 1 };
    if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
      this.diags.warning(at, `${text.slice(0, 4)}(...) blocks are not supported by vrrpd; line ignored`);
      return;
    }
    const sub = this.substituteOnce(text, cols, file);
    if (sub !== undefined) {
      if (depth >= MAX_EXPANSION_DEPTH || sub.text.length > MAX_EXPANDED_LENGTH) {
        this.diags.error(at, 'parameter expansion does not end (a parameter that refers to itself?)');
        return;
      }
      let start = 0;
      for (const piece of sub.text.split('\n')) {
        this.processLine(piece, sub.cols.slice(start, start + piece.length), file, line, depth + 1);
        start += piece.length + 1;
      }
      return;
    }
    const tokens = lexLine(text, cols, file, line, this.diags);
    if (tokens.length === 0) return;
    const first = tokens[0] as Token;
    if (!first.quoted && INCLUDE_KEYWORDS.has(first.text)) this.include(first, tokens.slice(1), file);
    else this.lines.push(tokens);
  }

  /** Evaluates `@id` / `@^id` at index `at`; returns the index after the id, or undefined to drop the line. */
  private evalConditional(text: string, cols: number[], at: number, file: string, line: number): number | undefined {
    let j = at + 1;
    const negate = text[j] === '^';
    if (negate) j++;
    const idStart = j;
    while (j < text.length && !/\s/.test(text[j] as string)) j++;
    const id = text.slice(idStart, j);
    if (id === '') {
      this.diags.error({ file, line, col: cols[at] ?? 1 }, `'${negate ? '@^' : '@'}' must be followed by a config id`);
      return undefined;
    }
    const match = id === this.configId;
    return match !== negate ? j : undefined;
  }

  private include(keyword: Token, args: Token[], file: string): void {
    if (args.length === 0) {
      this.diags.error(keyword, `'${keyword.text}' needs a file name`);
      return;
    }
    const lenient = keyword.text === 'include';
    for (const arg of args) {
      const matches = this.host.glob(arg.text, this.host.dirname(file));
      if (matches.length === 0) {
        this.diags.add(lenient ? 'warning' : 'error', arg, `no file matches '${arg.text}'`);
        continue;
      }
      for (const path of matches) this.processFile(path, arg, lenient ? 'warning' : 'error');
    }
  }

  /** One round of parameter substitution, or undefined when nothing was replaced. */
  private substituteOnce(text: string, cols: number[], file: string): { text: string; cols: number[] } | undefined {
    let out = '';
    const outCols: number[] = [];
    let changed = false;
    let i = 0;
    while (i < text.length) {
      const found = text[i] === '$' ? this.parameterAt(text, i, file) : undefined;
      if (found === undefined) {
        out += text[i];
        outCols.push(cols[i] ?? 1);
        i++;
        continue;
      }
      out += found.value;
      for (let k = 0; k < found.value.length; k++) outCols.push(cols[i] ?? 1);
      i = found.end;
      changed = true;
    }
    return changed ? { text: out, cols: outCols } : undefined;
  }

  /** A defined parameter used at index i (`${NAME}`, or `$NAME` followed by whitespace or the end). */
  private parameterAt(text: string, i: number, file: string): { value: string; end: number } | undefined {
    if (text[i + 1] === '{') {
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i));
      if (!m) return undefined;
      const value = this.lookup(m[1] as string, file);
      return value === undefined ? undefined : { value, end: i + m[0].length };
    }
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/.exec(text.slice(i));
    if (!m) return undefined;
    const value = this.lookup(m[1] as string, file);
    return value === undefined ? undefined : { value, end: i + m[0].length };
  }

  private lookup(name: string, file: string): string | undefined {
    const v = this.params.get(name);
    if (v !== undefined) return v;
    switch (name) {
      case '_PWD':
        return this.host.dirname(file);
      case '_INSTANCE':
        return this.configId;
      case '_HASH':
        return '#';
      case '_BANG':
        return '!';
      default:
        return undefined;
    }
  }
}

function stripComment(line: string): string {
  const noCr = line.endsWith('\r') ? line.slice(0, -1) : line;
  return noCr.slice(0, commentStart(noCr));
}

/** `$NAME= \` + lines: the definition's value is the continuation lines, one per line. */
function joinDefinition(parts: string[]): string {
  const [head = '', ...rest] = parts;
  const headValue = head.slice(head.indexOf('=') + 1).trim();
  const lines = headValue === '' ? rest : [headValue, ...rest];
  return `${head.slice(0, head.indexOf('=') + 1)}${lines.join('\n')}`;
}

function identityCols(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}
