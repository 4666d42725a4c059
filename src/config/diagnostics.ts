/** Collecting and printing diagnostics, and "did you mean" suggestions by edit distance. */
import type { Diagnostic, Severity, SourcePos } from './types.js';

/** `file:line:col: severity: message`, as compilers print it. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
}

/** Accumulates diagnostics in the order they are found. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(severity: Severity, at: SourcePos, message: string): void {
    this.list.push({ severity, file: at.file, line: at.line, col: at.col, message });
  }
  error(at: SourcePos, message: string): void {
    this.add('error', at, message);
  }
  warning(at: SourcePos, message: string): void {
    this.add('warning', at, message);
  }
  info(at: SourcePos, message: string): void {
    this.add('info', at, message);
  }
  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }
}

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate within a distance of about a third of the word (at least 2), or undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
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
