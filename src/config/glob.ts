/**
 * Pure helpers for `include` globs: csh-style brace expansion, matching of one path segment
 * (`*`, `?`, `[abc]`, `[!a-z]`) and the walk over a host's directories. All of it is bounded:
 * brace expansion stops past a number of patterns, matching is linear in pattern times name
 * (no backtracking regular expression), the walk stops past a number of directory entries.
 */
import type { SourceHost } from './types.js';

/**
 * Expands `{a,b}` groups (nested too): "x{1,2}y" -> ["x1y", "x2y"]; unbalanced braces stay
 * literal, as does a group without a comma ("{x}"). Undefined when it makes more than `max`.
 */
export function expandBraces(pattern: string, max = Infinity): string[] | undefined {
  const out: string[] = [];
  // Depth-first over (text, index from which to look for the next group), alternatives in order.
  const work: { text: string; from: number }[] = [{ text: pattern, from: 0 }];
  while (work.length > 0) {
    const { text, from } = work.pop() as { text: string; from: number };
    const open = findTopOpen(text, from);
    const close = open < 0 ? -1 : findClose(text, open);
    if (close < 0) {
      out.push(text);
      if (out.length > max) return undefined;
      continue;
    }
    const parts = splitTopCommas(text.slice(open + 1, close));
    if (parts.length < 2) {
      work.push({ text, from: close + 1 });
      continue;
    }
    if (out.length + work.length + parts.length > max) return undefined;
    const head = text.slice(0, open);
    const tail = text.slice(close + 1);
    for (let k = parts.length - 1; k >= 0; k--) work.push({ text: head + (parts[k] as string) + tail, from: open });
  }
  return out;
}

function findTopOpen(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '{') return i;
  }
  return -1;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopCommas(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/** Whether a path segment contains glob magic. */
export function hasMagic(segment: string): boolean {
  return /[*?[]/.test(segment);
}

type SegmentItem =
  | { readonly kind: 'star' }
  | { readonly kind: 'any' }
  | { readonly kind: 'lit'; readonly c: string }
  | { readonly kind: 'set'; readonly negate: boolean; readonly ranges: readonly (readonly [string, string])[] };

/** A matcher for one path segment; a leading dot must be matched literally (as glob(3)). Linear: O(pattern x name). */
export function segmentMatcher(segment: string): (name: string) => boolean {
  const items = compileSegment(segment);
  const dotLiteral = items[0]?.kind === 'lit' && items[0].c === '.';
  return (name) => (dotLiteral || !name.startsWith('.')) && matchItems(items, Array.from(name));
}

function compileSegment(segment: string): SegmentItem[] {
  const chars = Array.from(segment);
  const items: SegmentItem[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      if (items[items.length - 1]?.kind !== 'star') items.push({ kind: 'star' });
    } else if (c === '?') items.push({ kind: 'any' });
    else if (c === '[') {
      const end = chars.indexOf(']', i + 2);
      if (end < 0) items.push({ kind: 'lit', c });
      else {
        items.push(compileSet(chars.slice(i + 1, end)));
        i = end;
      }
    } else if (c === '\\' && i + 1 < chars.length) items.push({ kind: 'lit', c: chars[++i] as string });
    else items.push({ kind: 'lit', c });
  }
  return items;
}

function compileSet(body: string[]): SegmentItem {
  const negate = body[0] === '!' || body[0] === '^';
  const chars = negate ? body.slice(1) : body;
  const ranges: [string, string][] = [];
  for (let k = 0; k < chars.length; k++) {
    const lo = chars[k] as string;
    if (chars[k + 1] === '-' && k + 2 < chars.length) {
      ranges.push([lo, chars[k + 2] as string]);
      k += 2;
    } else ranges.push([lo, lo]);
  }
  return { kind: 'set', negate, ranges };
}

function matchOne(item: SegmentItem, c: string): boolean {
  switch (item.kind) {
    case 'any':
      return true;
    case 'lit':
      return item.c === c;
    case 'set':
      return item.ranges.some(([lo, hi]) => c >= lo && c <= hi) !== item.negate;
    default:
      return false;
  }
}

/** Wildcard matching that backtracks only to the last star: O(items x name), whatever the pattern. */
function matchItems(items: readonly SegmentItem[], name: readonly string[]): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const item = items[p];
    if (item?.kind === 'star') {
      starP = p++;
      starN = n;
    } else if (item !== undefined && matchOne(item, name[n] as string)) {
      p++;
      n++;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else return false;
  }
  while (items[p]?.kind === 'star') p++;
  return p === items.length;
}

/** What a glob may still spend: patterns per `include` word, directory entries for the whole load. */
export interface GlobBudget {
  readonly maxPatterns: number;
  entriesLeft: number;
}

export type GlobOutcome = { readonly ok: true; readonly paths: string[] } | { readonly ok: false; readonly limit: 'globPatterns' | 'globEntries' };

/** Absolute paths matching an absolute pattern, sorted, without duplicates; stops at the budget. */
export function globPaths(absPattern: string, host: Pick<SourceHost, 'listDir' | 'exists'>, budget: GlobBudget): GlobOutcome {
  const patterns = expandBraces(absPattern, budget.maxPatterns);
  if (patterns === undefined) return { ok: false, limit: 'globPatterns' };
  const found = new Set<string>();
  for (const pattern of patterns) {
    let current = ['/'];
    for (const seg of pattern.split('/').filter((x) => x !== '')) {
      const next: string[] = [];
      for (const dir of current) {
        if (!hasMagic(seg)) {
          next.push(joinAbs(dir, seg.replace(/\\(.)/g, '$1')));
          continue;
        }
        const listed = host.listDir(dir, budget.entriesLeft);
        if (listed === undefined) continue;
        budget.entriesLeft -= listed.names.length;
        if (listed.truncated) return { ok: false, limit: 'globEntries' };
        const matches = segmentMatcher(seg);
        for (const name of listed.names) if (matches(name)) next.push(joinAbs(dir, name));
      }
      current = next;
    }
    for (const p of current) if (p !== '/' && host.exists(p)) found.add(p);
  }
  return { ok: true, paths: [...found].sort() };
}

function joinAbs(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** POSIX-style path helpers shared by hosts (pure string work). */
export function posixDirname(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return path.slice(0, i);
}

export function posixJoin(base: string, rel: string): string {
  if (rel.startsWith('/')) return normalise(rel);
  return normalise(`${base}/${rel}`);
}

function normalise(path: string): string {
  const abs = path.startsWith('/');
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/') || (abs ? '/' : '.');
}
