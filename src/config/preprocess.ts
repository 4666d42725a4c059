/**
 * From files to token lines: reads the entry file and its includes (globs, relative to the
 * including file, recursion guarded), drops `@id` / `@^id` lines that do not match the config id,
 * records `$NAME=value` parameters (also multi-line ones ending in `\`) and substitutes `$NAME` /
 * `${NAME}` uses, then lexes. Substituted words keep the position of the `$` that produced them.
 * Order per line, as keepalived.conf(5) describes: conditional, definition, substitution (whose
 * result is processed again, so a parameter may expand to `@id ...` or to several lines).
 * Every expansion is counted against LoadLimits (limits.ts); passing one is a positioned error
 * and stops loading (`stopped`), so no input costs more than the limits allow.
 */
import { commentStart, lexLine } from './lexer.js';
import type { Diagnostics } from './diagnostics.js';
import { globPaths, type GlobBudget } from './glob.js';
import { limitNote, type LoadLimits } from './limits.js';
import type { Severity, SourceHost, SourcePos, Token } from './types.js';

const INCLUDE_KEYWORDS = new Set(['include', 'includer', 'includem', 'includew', 'includeb', 'includea']);
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;
const DEFINITION_START = /^\s*(@\^?\S+\s+)*\$[A-Za-z_][A-Za-z0-9_]*=/;
const BRACED_USE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/y;
const PLAIN_USE = /\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/y;

export interface PreprocessResult {
  /** Non-empty token lines, in reading order. */
  readonly lines: readonly (readonly Token[])[];
  /** Files read, entry first, each once. */
  readonly files: readonly string[];
  /** A limit was passed (reported as an error): the lines are incomplete and must not be parsed. */
  readonly stopped: boolean;
}

export function preprocess(entry: string, host: SourceHost, configId: string, limits: LoadLimits, diags: Diagnostics): PreprocessResult {
  const p = new Preprocessor(host, configId, limits, diags);
  p.processFile(entry, undefined, 'error');
  return { lines: p.lines, files: [...p.files], stopped: p.stopped };
}

/** What loading has spent so far, against LoadLimits. */
interface Spent {
  bytes: number;
  files: number;
  lines: number;
  words: number;
  expanded: number;
}

class Preprocessor {
  readonly lines: Token[][] = [];
  readonly files = new Set<string>();
  stopped = false;
  private readonly params = new Map<string, string>();
  private readonly stack: string[] = [];
  private readonly spent: Spent = { bytes: 0, files: 0, lines: 0, words: 0, expanded: 0 };
  private readonly glob: GlobBudget;

  constructor(
    private readonly host: SourceHost,
    private readonly configId: string,
    private readonly limits: LoadLimits,
    private readonly diags: Diagnostics,
  ) {
    this.glob = { maxPatterns: limits.globPatterns, entriesLeft: limits.globEntries };
  }

  /** Reports a passed limit at `at` and stops loading. */
  private stop(at: SourcePos, limit: keyof LoadLimits, what: string): void {
    this.diags.error(at, `${what}${limitNote(limit, this.limits)}`, 'limit');
    this.stopped = true;
  }

  processFile(path: string, from: SourcePos | undefined, failSeverity: Severity): void {
    if (this.stopped) return;
    const at = from ?? { file: path, line: 1, col: 1 };
    if (this.stack.includes(path)) {
      this.diags.error(at, `include recursion: '${path}' is already being read (${[...this.stack, path].join(' -> ')})`);
      return;
    }
    if (this.stack.length > this.limits.includeDepth) return this.stop(at, 'includeDepth', `includes nested more than ${this.limits.includeDepth} deep`);
    if (++this.spent.files > this.limits.files) return this.stop(at, 'files', `more than ${this.limits.files} files read (an include of many files, or includes that multiply)`);
    const read = this.host.readFile(path, this.limits.inputBytes - this.spent.bytes);
    if (!read.ok && read.error.kind === 'too-large')
      return this.stop(at, 'inputBytes', `reading '${path}' (${read.error.detail}) would pass ${this.limits.inputBytes} bytes read in total`);
    if (!read.ok) {
      const severity = read.error.kind === 'not-regular' ? 'error' : failSeverity;
      this.diags.add(severity, at, `cannot read '${path}': ${read.error.detail}${read.error.kind === 'not-regular' ? ' (only regular files are read)' : ''}`);
      return;
    }
    this.spent.bytes += read.value.bytes;
    this.files.add(path);
    this.stack.push(path);
    try {
      this.processText(read.value.text, path);
    } finally {
      this.stack.pop();
    }
  }

  private processText(text: string, file: string): void {
    const raw = text.split('\n');
    for (let idx = 0; idx < raw.length && !this.stopped; idx++) {
      const lineNo = idx + 1;
      if ((raw[idx] as string).length > this.limits.lineLength) return this.stop({ file, line: lineNo, col: 1 }, 'lineLength', `line longer than ${this.limits.lineLength} characters`);
      let body = stripComment(raw[idx] as string);
      if (DEFINITION_START.test(body) && body.trimEnd().endsWith('\\')) {
        const parts: string[] = [];
        let length = 0;
        while (body.trimEnd().endsWith('\\') && idx + 1 < raw.length) {
          parts.push(body.trimEnd().slice(0, -1));
          length += body.length;
          if (length > this.limits.expansionLength) return this.stop({ file, line: lineNo, col: 1 }, 'expansionLength', `multi-line definition longer than ${this.limits.expansionLength} characters`);
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
    if (this.stopped) return;
    const here = { file, line, col: cols[0] ?? 1 };
    if (++this.spent.lines > this.limits.lines) return this.stop(here, 'lines', `more than ${this.limits.lines} lines after includes and parameter substitution`);
    this.spent.expanded += text.length;
    if (this.spent.expanded > this.limits.expandedBytes)
      return this.stop(here, 'expandedBytes', `more than ${this.limits.expandedBytes} characters after includes and parameter substitution`);
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
      // keepalived expands these into lines (instances, addresses...): what they make does not run here.
      this.diags.failover(at, `${text.slice(0, 4)}(...) blocks are not supported by vrrpd; line ignored`);
      return;
    }
    const sub = this.substituteOnce(text, cols, file);
    if (sub === 'too-long') return this.stop(at, 'expansionLength', `parameter substitution makes a line longer than ${this.limits.expansionLength} characters (a parameter that refers to itself?)`);
    if (sub !== undefined) {
      if (depth >= this.limits.expansionDepth) return this.stop(at, 'expansionDepth', 'parameter expansion does not end (a parameter that refers to itself?)');
      let start = 0;
      for (const piece of sub.text.split('\n')) {
        this.processLine(piece, sub.cols.slice(start, start + piece.length), file, line, depth + 1);
        start += piece.length + 1;
      }
      return;
    }
    const tokens = lexLine(text, cols, file, line, this.diags);
    if (tokens.length === 0) return;
    this.spent.words += tokens.length;
    if (this.spent.words > this.limits.words) return this.stop(at, 'words', `more than ${this.limits.words} words after includes and parameter substitution`);
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
      const found = globPaths(this.host.join(this.host.dirname(file), arg.text), this.host, this.glob);
      if (!found.ok) {
        if (found.limit === 'globPatterns') return this.stop(arg, 'globPatterns', `'${arg.text}' makes more than ${this.limits.globPatterns} patterns by {a,b} expansion`);
        return this.stop(arg, 'globEntries', `include globs looked at more than ${this.limits.globEntries} directory entries`);
      }
      if (found.paths.length === 0) {
        this.diags.add(lenient ? 'warning' : 'error', arg, `no file matches '${arg.text}'`);
        continue;
      }
      for (const path of found.paths) this.processFile(path, arg, lenient ? 'warning' : 'error');
    }
  }

  /** One round of parameter substitution; undefined when nothing was replaced, 'too-long' past the limit. */
  private substituteOnce(text: string, cols: number[], file: string): { text: string; cols: number[] } | 'too-long' | undefined {
    const parts: string[] = [];
    const outCols: number[] = [];
    let changed = false;
    let i = 0;
    while (i < text.length) {
      const found = text[i] === '$' ? this.parameterAt(text, i, file) : undefined;
      const piece = found === undefined ? (text[i] as string) : found.value;
      if (outCols.length + piece.length > this.limits.expansionLength) return 'too-long';
      parts.push(piece);
      for (let k = 0; k < piece.length; k++) outCols.push(cols[i] ?? 1);
      if (found === undefined) i++;
      else {
        i = found.end;
        changed = true;
      }
    }
    return changed ? { text: parts.join(''), cols: outCols } : undefined;
  }

  /** A defined parameter used at index i (`${NAME}`, or `$NAME` followed by whitespace or the end). */
  private parameterAt(text: string, i: number, file: string): { value: string; end: number } | undefined {
    const re = text[i + 1] === '{' ? BRACED_USE : PLAIN_USE;
    re.lastIndex = i;
    const m = re.exec(text);
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
