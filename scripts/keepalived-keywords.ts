/**
 * Regenerates src/config/keepalived-keywords.ts: the configuration keywords of keepalived's VRRP
 * side as its parsers install them (install_keyword_root / install_keyword / install_sublevel in
 * keepalived/vrrp/vrrp_parser.c, keepalived/core/global_parser.c, keepalived/trackers/track_file.c
 * and the roots of the LVS and BFD parsers), read from keepalived's git history: every keyword of
 * v2.2.7 (the version Debian 12 ships) with the build options it depends on, and every keyword a
 * later release added, with the first release that has it.
 *
 *   npm run build && node dist/scripts/keepalived-keywords.js [KEEPALIVED_GIT_DIR]
 *
 * KEEPALIVED_GIT_DIR defaults to $KEEPALIVED_GIT, else /work/.mirror/acassen+keepalived/repo (a
 * clone of https://github.com/acassen/keepalived). git runs through execFile, no shell. Only the
 * keywords' names and the #ifdef conditions around them are taken from keepalived's sources.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The release the table is about, and the oldest release vrrpd reads files of. */
export const BASE = 'v2.2.7';

/** Sections whose keywords matter to vrrpd (a block under another root, e.g. virtual_server's, is left out). */
const SECTIONS = new Set([
  'global_defs',
  'vrrp_instance',
  'vrrp_instance authentication',
  'vrrp_instance auth_hmac',
  'vrrp_sync_group',
  'vrrp_script',
  'vrrp_track_process',
  'track_file',
  'vrrp_track_file',
  'track_group',
  'garp_group',
]);

/** One keyword as a parser installs it: `section` is 'top' for a top-level keyword. */
export interface Installed {
  readonly section: string;
  readonly keyword: string;
  /** The preprocessor conditions around it, outermost first ('' when none). */
  readonly build: string;
}

const KEYWORD = /\binstall_keyword(?:_root|_quoted)?\s*\(\s*"([^"]+)"/;
const ROOT = /\binstall_keyword_root\s*\(/;
const SUBLEVEL = /\binstall_sublevel\s*\(/;
const SUBLEVEL_END = /\binstall_sublevel_end\s*\(/;

/** `defined X` as X; a compound condition in parentheses. */
function simplify(cond: string): string {
  const c = cond.replace(/\bdefined\s*(?:\(\s*(\w+)\s*\)|(\w+))/g, (_m, a?: string, b?: string) => a ?? b ?? '').replace(/\s+/g, ' ').trim();
  return /^!?\w+$/.test(c) || /^!\([^()]*\)$/.test(c) ? c : `(${c})`;
}

/** The keywords one C file installs, in order, with the #if conditions around each. */
export function keywordsOf(source: string): Installed[] {
  const out: Installed[] = [];
  const conds: string[] = [];
  let path: string[] = [];
  let last: string | undefined;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    const pp = /^#\s*(ifdef|ifndef|if|elif|else|endif)\b\s*(.*)$/.exec(line);
    if (pp) {
      const [, directive, rest = ''] = pp;
      const cond = rest.replace(/\/\*.*?\*\/|\/\/.*$/g, '').trim();
      if (directive === 'ifdef') conds.push(cond);
      else if (directive === 'ifndef') conds.push(`!${cond}`);
      else if (directive === 'if') conds.push(cond);
      else if (directive === 'elif') conds.push(`!(${conds.pop() ?? ''}) && ${cond}`);
      else if (directive === 'else') conds.push(`!(${conds.pop() ?? ''})`);
      else conds.pop();
      continue;
    }
    if (SUBLEVEL_END.test(line)) path = path.slice(0, -1);
    else if (SUBLEVEL.test(line) && last !== undefined) path = [...path, last];
    const m = KEYWORD.exec(line);
    if (!m) continue;
    const keyword = m[1] as string;
    const build = [...new Set(conds.map(simplify))].join(' && ');
    if (ROOT.test(line)) {
      out.push({ section: 'top', keyword, build });
      path = [keyword];
    } else if (path.length > 0) out.push({ section: path.join(' '), keyword, build });
    last = keyword;
  }
  return out;
}

/** Every keyword of one release, in the sections vrrpd reads, without repeats. */
export function keywordsAt(git: string, tag: string): Installed[] {
  const files = execFileSync('git', ['-C', git, 'grep', '-l', 'install_keyword', tag, '--', 'keepalived/*.c'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '')
    .map((f) => f.slice(tag.length + 1))
    .sort();
  const seen = new Set<string>();
  const out: Installed[] = [];
  for (const file of files) {
    const text = execFileSync('git', ['-C', git, 'show', `${tag}:${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const k of keywordsOf(text)) {
      const key = `${k.section}\0${k.keyword}`;
      if (seen.has(key) || (k.section !== 'top' && !SECTIONS.has(k.section))) continue;
      seen.add(key);
      out.push(k);
    }
  }
  return out;
}

/** Release tags vX.Y.Z from BASE on, oldest first. */
export function releasesFrom(git: string, base: string): string[] {
  const num = (t: string): number[] => t.slice(1).split('.').map(Number);
  const cmp = (a: string, b: string): number => {
    const [x, y] = [num(a), num(b)];
    for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  return execFileSync('git', ['-C', git, 'tag', '--list', 'v*'], { encoding: 'utf8' })
    .split('\n')
    .filter((t) => /^v\d+\.\d+\.\d+$/.test(t) && cmp(t, base) >= 0)
    .sort(cmp);
}

const q = (s: string): string => `'${s.replace(/[\\']/g, '\\$&')}'`;

function render(base: Installed[], later: { k: Installed; since: string }[], removed: { k: Installed; removedIn: string }[], releases: string[]): string {
  const newest = releases[releases.length - 1] ?? BASE;
  return `/**
 * GENERATED by scripts/keepalived-keywords.ts from keepalived's git history (${BASE} to ${newest}); do not
 * edit by hand, run the script. What each keepalived release's parsers install (vrrp_parser.c,
 * global_parser.c, track_file.c, and the top-level keywords of the others): only keyword names,
 * their sections and the build options (#if) they depend on. Sections are 'top' (top level),
 * 'global_defs', 'vrrp_instance', 'vrrp_instance authentication', 'vrrp_sync_group',
 * 'vrrp_script', 'vrrp_track_process', 'track_file', 'vrrp_track_file', 'track_group',
 * 'garp_group'. vrrpd's support for each is in keywords.ts.
 */

/** [section, keyword, build conditions ('' = always built)]: every keyword keepalived ${BASE.slice(1)} has. */
export const KEEPALIVED_BASE_VERSION = ${q(BASE.slice(1))};
export const KEEPALIVED_BASE: readonly (readonly [string, string, string])[] = [
${base.map((k) => `  [${q(k.section)}, ${q(k.keyword)}, ${q(k.build)}],`).join('\n')}
];

/** [section, keyword, the first release that has it]: keywords added after ${BASE.slice(1)}, up to ${newest.slice(1)}. */
export const KEEPALIVED_LATER: readonly (readonly [string, string, string])[] = [
${later.map(({ k, since }) => `  [${q(k.section)}, ${q(k.keyword)}, ${q(since.slice(1))}],`).join('\n')}
];

/** [section, keyword, the first release without it]: ${BASE.slice(1)} keywords later releases dropped. */
export const KEEPALIVED_DROPPED: readonly (readonly [string, string, string])[] = [
${removed.map(({ k, removedIn }) => `  [${q(k.section)}, ${q(k.keyword)}, ${q(removedIn.slice(1))}],`).join('\n')}
];
`;
}

function main(): void {
  const git = process.argv[2] ?? process.env['KEEPALIVED_GIT'] ?? '/work/.mirror/acassen+keepalived/repo';
  const releases = releasesFrom(git, BASE);
  const key = (k: Installed): string => `${k.section}\0${k.keyword}`;
  const base = keywordsAt(git, BASE);
  const baseKeys = new Set(base.map(key));
  const since = new Map<string, { k: Installed; since: string }>();
  const lastSeen = new Map<string, string>();
  for (const tag of releases) {
    for (const k of keywordsAt(git, tag)) {
      lastSeen.set(key(k), tag);
      if (!baseKeys.has(key(k)) && !since.has(key(k))) since.set(key(k), { k, since: tag });
    }
  }
  const newest = releases[releases.length - 1] ?? BASE;
  const removed = base
    .filter((k) => lastSeen.get(key(k)) !== newest)
    .map((k) => ({ k, removedIn: releases[releases.indexOf(lastSeen.get(key(k)) ?? BASE) + 1] ?? newest }));
  const out = fileURLToPath(new URL('../../src/config/keepalived-keywords.ts', import.meta.url));
  writeFileSync(out, render(base, [...since.values()], removed, releases));
  process.stdout.write(`${out}: ${base.length} keywords in ${BASE}, ${since.size} added and ${removed.length} dropped up to ${newest}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
