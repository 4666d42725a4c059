/**
 * Keeps the conformance ledgers honest, both by the same rules: docs/rfc3768-conformance.md
 * (VRRPv2) and docs/rfc5798-conformance.md (VRRPv3). Every row is well formed, every cited test
 * exists (file, describe titles and test title as literal strings, in that order), the counts in
 * the header match the table, and every test of the ledger's own conformance files whose title
 * starts with row IDs names rows that exist. A citation is a backticked
 * `path/to/file.test.ts > describe > test`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../../', import.meta.url);
/** Each ledger and the prefix of its conformance test files in test/unit/conformance/. */
const LEDGERS = [
  { rfc: 'RFC 3768', file: 'docs/rfc3768-conformance.md', tests: 'rfc3768-' },
  { rfc: 'RFC 5798', file: 'docs/rfc5798-conformance.md', tests: 'rfc5798-' },
] as const;
const CONFORMANCE_DIR = 'test/unit/conformance/';

export const LEVELS = ['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY', 'must (lc)', 'should (lc)', 'RULE'] as const;
export const STATUSES = ['tested', 'not done', 'pending', 'violation'] as const;

export interface Row {
  readonly id: string;
  readonly level: string;
  readonly quote: string;
  readonly status: string;
  readonly evidence: string;
  readonly citations: readonly Citation[];
}

export interface Citation {
  readonly raw: string;
  readonly file: string;
  /** Describe titles, outermost first, then the test title last. */
  readonly titles: readonly string[];
}

/** A titled block in a test file: describe, it or test (with any modifiers such as .skipIf(x) or .fails). */
export interface Title {
  readonly kind: 'describe' | 'test';
  readonly title: string;
  readonly at: number;
}

const ROW_ID = /^\d+(?:\.\d+)*-\d+$/;
/** The row IDs a test title starts with ("6.4.2-1 6.4.3-1 an ARP request ..." -> both). */
export function leadingRowIds(title: string): string[] {
  const ids: string[] = [];
  for (const word of title.split(' ')) {
    if (!ROW_ID.test(word)) break;
    ids.push(word);
  }
  return ids;
}

/** Splits one markdown table line into trimmed cells (no escaped pipes are used in the ledger). */
function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

export function parseCitation(raw: string): Citation | undefined {
  const parts = raw.split(' > ');
  const [file, ...titles] = parts;
  if (file === undefined || !/^test\/.+\.test\.ts$/.test(file) || titles.length < 2) return undefined;
  return { raw, file, titles };
}

/** The ledger rows: table lines whose first cell is a row ID. */
export function parseLedger(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) continue;
    const c = cells(line);
    if (!ROW_ID.test(c[0] ?? '')) continue;
    if (c.length !== 5) throw new Error(`ledger row ${c[0]} has ${c.length} cells, expected 5`);
    const [id, level, quote, status, evidence] = c as [string, string, string, string, string];
    const citations = [...evidence.matchAll(/`(test\/[^`]+)`/g)].map((m) => {
      const cit = parseCitation(m[1]!);
      if (!cit) throw new Error(`ledger row ${id}: malformed citation \`${m[1]}\``);
      return cit;
    });
    rows.push({ id, level, quote, status, evidence, citations });
  }
  return rows;
}

/** Undoes the escapes a title may carry inside a JS string literal. */
function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Every describe / it / test title given as a plain string literal, in file order. */
export function titlesIn(source: string): Title[] {
  const re = /\b(describe|it|test)((?:\.\w+(?:\([^()]*\))?)*)\(\s*(['"`])((?:\\.|(?!\3)[^\\])*)\3/g;
  const out: Title[] = [];
  for (const m of source.matchAll(re)) {
    const quote = m[3]!;
    const body = m[4]!;
    if (quote === '`' && body.includes('${')) continue; // computed title: cannot be cited
    out.push({ kind: m[1] === 'describe' ? 'describe' : 'test', title: unescape(body), at: m.index ?? 0 });
  }
  return out;
}

/** Why a citation does not resolve, or undefined when it does. */
export function checkCitation(cit: Citation, readSource: (file: string) => string | undefined): string | undefined {
  const source = readSource(cit.file);
  if (source === undefined) return `no such file: ${cit.file}`;
  const titles = titlesIn(source);
  let from = -1;
  cit.titles.forEach((t, i) => {
    if (from === Infinity) return;
    const kind = i === cit.titles.length - 1 ? 'test' : 'describe';
    const hit = titles.find((x) => x.kind === kind && x.title === t && x.at > from);
    from = hit ? hit.at : Infinity;
  });
  if (from !== Infinity) return undefined;
  const missing = cit.titles.find((t) => !titles.some((x) => x.title === t));
  return missing !== undefined
    ? `${cit.file}: no describe/it titled ${JSON.stringify(missing)}`
    : `${cit.file}: titles exist but not as describe > ... > test in this order`;
}

/** Problems with a row's form (level, status, evidence that fits the status). */
export function checkRow(row: Row): string[] {
  const p: string[] = [];
  if (!(LEVELS as readonly string[]).includes(row.level)) p.push(`${row.id}: unknown level ${JSON.stringify(row.level)}`);
  if (!(STATUSES as readonly string[]).includes(row.status)) p.push(`${row.id}: unknown status ${JSON.stringify(row.status)}`);
  if (row.quote.length < 10) p.push(`${row.id}: no RFC text`);
  if (row.status === 'tested' && row.citations.length === 0) p.push(`${row.id}: tested but cites no test`);
  if (row.status === 'not done' && !row.evidence.startsWith('not done: ')) p.push(`${row.id}: not done without "not done: <reason>"`);
  if (row.status === 'pending' && !row.evidence.includes('pending: ')) p.push(`${row.id}: pending without "pending: <what>"`);
  if (row.status === 'violation' && !row.evidence.includes('VIOLATION: ')) p.push(`${row.id}: violation without "VIOLATION: <what>"`);
  return p;
}

/** "Counts by level: MUST 3, RULE 2." -> { MUST: 3, RULE: 2 } */
export function parseCounts(text: string, label: string): Record<string, number> | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`Counts by ${label}:`));
  if (line === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of line.slice(line.indexOf(':') + 1).replace(/\.\s*$/, '').split(',')) {
    const m = /^\s*(.+?)\s+(\d+)\s*$/.exec(part);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function tally(rows: readonly Row[], key: 'level' | 'status', names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const r of rows) out[r[key]] = (out[r[key]] ?? 0) + 1;
  return out;
}

const readRepoFile = (file: string): string | undefined => {
  const url = new URL(file, ROOT);
  return existsSync(url) ? readFileSync(url, 'utf8') : undefined;
};

describe.each(LEDGERS)('$rfc conformance ledger', ({ file, tests }) => {
  const text = readFileSync(new URL(file, ROOT), 'utf8');
  const rows = parseLedger(text);

  it('has rows for §5 to §8, each ID once', () => {
    expect(rows.length).toBeGreaterThan(40);
    const ids = rows.map((r) => r.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const s of ['5', '6', '7', '8']) expect(ids.some((id) => id.startsWith(`${s}.`))).toBe(true);
  });

  it('every row is well formed: known level and status, evidence that fits the status', () => {
    expect(rows.flatMap(checkRow)).toEqual([]);
  });

  it('every cited test exists: file, describe titles and test title, in order', () => {
    const problems = rows.flatMap((r) => r.citations.map((c) => checkCitation(c, readRepoFile)).filter((p) => p !== undefined).map((p) => `${r.id}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the header counts match the table', () => {
    expect(parseCounts(text, 'level')).toEqual(tally(rows, 'level', LEVELS));
    expect(parseCounts(text, 'status')).toEqual(tally(rows, 'status', STATUSES));
    expect(text).toContain(`Rows: ${rows.length}.`);
  });

  it('every conformance test whose title starts with row IDs names rows of this ledger', () => {
    const ids = new Set(rows.map((r) => r.id));
    const files = readdirSync(new URL(CONFORMANCE_DIR, ROOT)).filter((f) => f.startsWith(tests) && f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    const titled = files.flatMap((f) =>
      titlesIn(readRepoFile(CONFORMANCE_DIR + f) ?? '')
        .filter((t) => t.kind === 'test')
        .map((t) => ({ f, t: t.title, ids: leadingRowIds(t.title) })),
    );
    expect(titled.filter((x) => x.ids.length > 0).length).toBeGreaterThan(10);
    expect(titled.flatMap((x) => x.ids.filter((id) => !ids.has(id)).map((id) => `${x.f}: "${x.t}" names no row ${id}`))).toEqual([]);
  });
});

describe('the ledger checker can fail', () => {
  const source = [
    "describe('outer', () => {",
    "  describe.skipIf(x)('inner', () => {",
    "    it('does a thing', () => {});",
    "    it.fails('knows it\\'s broken', () => {});",
    '  });',
    '});',
    "it(`computed ${1}`, () => {});",
  ].join('\n');
  const read = (file: string) => (file === 'test/x.test.ts' ? source : undefined);
  const cite = (raw: string) => parseCitation(raw)!;

  it('accepts a correct citation, nested describes and escaped quotes', () => {
    expect(checkCitation(cite('test/x.test.ts > outer > inner > does a thing'), read)).toBeUndefined();
    expect(checkCitation(cite("test/x.test.ts > outer > knows it's broken"), read)).toBeUndefined();
  });

  it('rejects a missing file, a wrong title, a wrong order and a computed title', () => {
    expect(checkCitation(cite('test/y.test.ts > outer > does a thing'), read)).toMatch(/no such file/);
    expect(checkCitation(cite('test/x.test.ts > outer > does a thin'), read)).toMatch(/no describe\/it titled "does a thin"/);
    expect(checkCitation(cite('test/x.test.ts > inner > outer > does a thing'), read)).toMatch(/not as describe/);
    expect(checkCitation(cite('test/x.test.ts > does a thing > outer'), read)).toMatch(/not as describe/);
    expect(checkCitation(cite('test/x.test.ts > outer > computed ${1}'), read)).toMatch(/no describe\/it titled/);
  });

  it('reads the row IDs a title starts with, and only those', () => {
    expect(leadingRowIds('6.4.2-1 6.4.3-1 an ARP request for 10.0.0.1-2')).toEqual(['6.4.2-1', '6.4.3-1']);
    expect(leadingRowIds('5.2.8-1 the checksum')).toEqual(['5.2.8-1']);
    expect(leadingRowIds('the checksum 5.2.8-1')).toEqual([]);
    expect(leadingRowIds('6.4.2 without a number')).toEqual([]);
  });

  it('rejects malformed rows and wrong counts', () => {
    const doc = [
      'Counts by level: MUST 2.',
      '| 1.1-1 | MUST | "something normative" | tested | no citation |',
      '| 1.1-2 | MUST | "something normative" | not done | because |',
      '| 1.1-3 | OUGHT | "something normative" | pending | `test/x.test.ts > outer > inner > does a thing` |',
    ].join('\n');
    const rows = parseLedger(doc);
    expect(rows.flatMap(checkRow)).toEqual([
      '1.1-1: tested but cites no test',
      '1.1-2: not done without "not done: <reason>"',
      '1.1-3: unknown level "OUGHT"',
      '1.1-3: pending without "pending: <what>"',
    ]);
    expect(parseCounts(doc, 'level')).not.toEqual(tally(rows, 'level', LEVELS));
    expect(() => parseLedger('| 1.1-4 | MUST | `test/bad > x` | tested |')).toThrow(/4 cells/);
  });
});
