/**
 * Pure helpers for `include` globs: csh-style brace expansion and matching of one path segment
 * (`*`, `?`, `[abc]`, `[!a-z]`). Hosts walk their directories and use these to decide.
 */

/** Expands `{a,b}` groups (nested too): "x{1,2}y" -> ["x1y", "x2y"]. Unbalanced braces stay literal. */
export function expandBraces(pattern: string): string[] {
  const open = findTopOpen(pattern);
  if (open < 0) return [pattern];
  const close = findClose(pattern, open);
  if (close < 0) return [pattern];
  const parts = splitTopCommas(pattern.slice(open + 1, close));
  if (parts.length < 2) {
    // "{x}" is not a brace expression in csh; keep it and expand the rest.
    return expandBraces(pattern.slice(close + 1)).map((rest) => pattern.slice(0, close + 1) + rest);
  }
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const out: string[] = [];
  for (const p of parts) for (const e of expandBraces(head + p + tail)) out.push(e);
  return out;
}

function findTopOpen(s: string): number {
  for (let i = 0; i < s.length; i++) {
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

/** A RegExp matching one path segment; a leading dot must be matched literally (as glob(3)). */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = segment.slice(i + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < segment.length) {
      re += escapeRe(segment[++i] as string);
    } else re += escapeRe(c);
  }
  const dotRule = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${dotRule}${re}$`);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Generic glob over a directory tree: `list(dir)` gives the entry names of a directory (or
 * undefined when it is not one), `exists(path)` says whether a literal path exists. Returns
 * absolute paths, sorted, without duplicates.
 */
export function globWith(
  absPattern: string,
  list: (dir: string) => readonly string[] | undefined,
  exists: (path: string) => boolean,
): string[] {
  const found = new Set<string>();
  for (const pattern of expandBraces(absPattern)) {
    const segments = pattern.split('/').filter((s) => s !== '');
    let current = ['/'];
    for (const seg of segments) {
      const next: string[] = [];
      for (const dir of current) {
        if (!hasMagic(seg)) {
          next.push(joinAbs(dir, seg.replace(/\\(.)/g, '$1')));
          continue;
        }
        const re = segmentRegExp(seg);
        for (const name of list(dir) ?? []) if (re.test(name)) next.push(joinAbs(dir, name));
      }
      current = next;
    }
    for (const p of current) if (p !== '/' && exists(p)) found.add(p);
  }
  return [...found].sort();
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
