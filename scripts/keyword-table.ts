/**
 * The README's table of keepalived keywords and vrrpd's support for each, made from
 * src/config/keepalived-keywords.ts (what keepalived's parsers install, by release) and
 * src/config/keywords.ts (vrrpd's support). `npm run keyword-table` (build, then
 * `node dist/scripts/keyword-table.js`) rewrites the table in README.md between its markers;
 * test/unit/config/keywords.test.ts fails, naming that command, when the README's table is not
 * what this renders (after a branch flips a keyword in keywords.ts, say).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KEEPALIVED_BASE, KEEPALIVED_BASE_VERSION, KEEPALIVED_LATER } from '../src/config/keepalived-keywords.js';
import { SECTION_TABLES, supportOf, type Support } from '../src/config/keywords.js';

/** The one command that rewrites the table (package.json). */
export const REGENERATE = 'npm run keyword-table';
export const BEGIN = `<!-- keyword-table: generated from src/config/keywords.ts by scripts/keyword-table.ts; do not edit, run: ${REGENERATE} -->`;
export const END = '<!-- keyword-table end -->';

/** The sections in the order the README shows them, with a title. */
const ORDER: readonly (readonly [string, string])[] = [
  ['top', 'Top level (sections and process options)'],
  ['global_defs', 'global_defs'],
  ['vrrp_instance', 'vrrp_instance'],
  ['vrrp_instance authentication', 'vrrp_instance → authentication'],
  ['vrrp_instance auth_hmac', 'vrrp_instance → auth_hmac'],
  ['vrrp_sync_group', 'vrrp_sync_group'],
  ['vrrp_script', 'vrrp_script'],
  ['vrrp_track_process', 'vrrp_track_process'],
  ['track_file', 'track_file'],
  ['vrrp_track_file', 'vrrp_track_file (the older name of track_file)'],
  ['track_group', 'track_group'],
  ['garp_group', 'garp_group'],
];

interface Row {
  readonly keyword: string;
  /** The keepalived release that has it first ('' for vrrpd's own). */
  readonly since: string;
  readonly build: string;
}

function rowsOf(section: string): Row[] {
  const rows: Row[] = KEEPALIVED_BASE.filter(([s]) => s === section).map(([, keyword, build]) => ({ keyword, since: KEEPALIVED_BASE_VERSION, build }));
  for (const [s, keyword, since] of KEEPALIVED_LATER) if (s === section) rows.push({ keyword, since, build: '' });
  for (const [keyword, support] of Object.entries(SECTION_TABLES[section] ?? {}))
    if (support.status === 'extension') rows.push({ keyword, since: '', build: '' });
  return rows.sort((x, y) => x.keyword.localeCompare(y.keyword, 'en'));
}

/** "supported", "differs", "not supported", "in progress", "ignored", "vrrpd only". */
function statusText(s: Support | undefined): string {
  if (s === undefined) return '**missing from keywords.ts**';
  if (s.status === 'supported') return 'supported';
  if (s.status === 'extension') return 'vrrpd only';
  if (s.status === 'ignored') return 'ignored';
  if (s.pending !== undefined) return 'in progress';
  return s.status === 'differs' ? 'differs' : 'not supported';
}

function whatText(s: Support | undefined): string {
  if (s === undefined) return '';
  if (s.status === 'supported') return s.note ?? 'as keepalived';
  if (s.status === 'extension') return s.note;
  if (s.status === 'ignored') return `a note: ${s.why}`;
  const text = s.status === 'differs' ? s.how.replace(/^is /, '') : `a warning, ignored: ${s.what}`;
  return s.failover ? `**failover**: ${text}` : text;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The build options a keyword depends on, without _WITH_VRRP_ (every VRRP build has it). */
function buildText(build: string): string {
  const parts = build.split(' && ').filter((c) => c !== '' && c !== '_WITH_VRRP_');
  return parts.length === 0 ? '' : ` (build: ${parts.join(' && ').replace(/_/g, '\\_')})`;
}

/** The Markdown between the README's markers. */
export function renderKeywordTable(): string {
  const out: string[] = [BEGIN, ''];
  for (const [section, title] of ORDER) {
    const rows = rowsOf(section);
    if (rows.length === 0) continue;
    const table = SECTION_TABLES[section] ?? {};
    out.push(`<details><summary><code>${title}</code> (${rows.length} keywords)</summary>`, '');
    out.push('| keyword | keepalived | vrrpd | what happens |', '| --- | --- | --- | --- |');
    for (const r of rows) {
      const support = supportOf(table, r.keyword);
      const since = r.since === '' ? '' : r.since === KEEPALIVED_BASE_VERSION ? KEEPALIVED_BASE_VERSION : `${r.since}+`;
      const build = buildText(r.build);
      out.push(`| \`${r.keyword}\` | ${since}${build} | ${statusText(support)} | ${cell(whatText(support))} |`);
    }
    out.push('', '</details>', '');
  }
  out.push(END);
  return out.join('\n');
}

/** Where the README's table is, markers included (the markers must be there). */
function tableSpan(readme: string): readonly [number, number] {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END, a);
  if (a < 0 || b < 0) throw new Error(`README.md has no keyword-table markers (the table starts with the line ${BEGIN})`);
  return [a, b + END.length];
}

/** The README's table as it stands, markers included. */
export function tableIn(readme: string): string {
  const [a, b] = tableSpan(readme);
  return readme.slice(a, b);
}

/** The README with its table replaced. */
export function withTable(readme: string): string {
  const [a, b] = tableSpan(readme);
  return `${readme.slice(0, a)}${renderKeywordTable()}${readme.slice(b)}`;
}

function main(): void {
  const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
  writeFileSync(readme, withTable(readFileSync(readme, 'utf8')));
  process.stdout.write(`${readme}: keyword table rewritten\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
