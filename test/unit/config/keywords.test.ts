/**
 * keywords.ts is the one source of vrrpd's keyword support: these tests fail when it and
 * keepalived's keyword list (keepalived-keywords.ts), the validators' handlers, `vrrpd check`'s
 * messages or the README's table disagree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REGENERATE, renderKeywordTable, tableIn, withTable } from '../../../scripts/keyword-table.js';
import { classOf } from '../../../src/config/diagnostics.js';
import { KEEPALIVED_BASE, KEEPALIVED_LATER } from '../../../src/config/keepalived-keywords.js';
import { keepalivedSince, SECTION_TABLES, type KeywordTable, type Support } from '../../../src/config/keywords.js';
import { AUTH_HANDLED } from '../../../src/config/validate-lists.js';
import { GLOBAL_HANDLED } from '../../../src/config/validate-global.js';
import { INSTANCE_HANDLED } from '../../../src/config/validate-instance.js';
import { SCRIPT_HANDLED } from '../../../src/config/validate-script.js';
import { SYNC_HANDLED } from '../../../src/config/validate-sync.js';
import { TRACK_FILE_HANDLED, TRACK_PROCESS_HANDLED } from '../../../src/config/validate-track.js';
import { TOP_HANDLED } from '../../../src/config/validate.js';
import { F, instance, load } from './helpers.js';

/** The keywords each section's validator has a handler for (a section without a validator: none). */
const HANDLED: Readonly<Record<string, ReadonlySet<string>>> = {
  top: TOP_HANDLED,
  global_defs: GLOBAL_HANDLED,
  vrrp_instance: INSTANCE_HANDLED,
  'vrrp_instance authentication': AUTH_HANDLED,
  vrrp_sync_group: SYNC_HANDLED,
  vrrp_script: SCRIPT_HANDLED,
  track_file: TRACK_FILE_HANDLED,
  vrrp_track_file: TRACK_FILE_HANDLED,
  vrrp_track_process: TRACK_PROCESS_HANDLED,
};

const keepalived = [...KEEPALIVED_BASE, ...KEEPALIVED_LATER].map(([section, keyword]) => ({ section, keyword }));
const isHandledStatus = (s: Support): boolean => s.status === 'supported' || s.status === 'differs' || s.status === 'extension';

describe('keywords.ts: one source of truth for keyword support', () => {
  it('has a table for every section keepalived has', () => {
    expect(Object.keys(SECTION_TABLES).sort()).toEqual([...new Set(keepalived.map((k) => k.section))].sort());
  });

  it("lists every keyword of keepalived's VRRP side, 2.2.7 and later", () => {
    const missing = keepalived.filter(({ section, keyword }) => !Object.hasOwn(SECTION_TABLES[section] ?? {}, keyword));
    expect(missing).toEqual([]);
  });

  it('lists no keyword keepalived does not have, except vrrpd extensions', () => {
    const known = new Set(keepalived.map((k) => `${k.section} ${k.keyword}`));
    const extra = Object.entries(SECTION_TABLES).flatMap(([section, table]) =>
      Object.entries(table)
        .filter(([keyword, s]) => !known.has(`${section} ${keyword}`) && s.status !== 'extension')
        .map(([keyword]) => `${section} ${keyword}`),
    );
    expect(extra).toEqual([]);
  });

  it('marks supported (or differs, or vrrpd only) exactly the keywords the validators handle', () => {
    for (const [section, table] of Object.entries(SECTION_TABLES)) {
      const marked = Object.entries(table as KeywordTable).filter(([, s]) => isHandledStatus(s)).map(([k]) => k).sort();
      expect(marked, `${section}: keywords.ts vs the validator's handlers`).toEqual([...(HANDLED[section] ?? [])].sort());
    }
  });

  it('knows when keepalived added each later keyword', () => {
    expect(keepalivedSince('vrrp_instance', 'owner_ignore_adverts')).toBe('2.3.3');
    expect(keepalivedSince('vrrp_instance', 'use_vmac')).toBeUndefined();
  });
});

/** A minimal file that uses `keyword` in `section`, or undefined for sub-blocks of ignored sections. */
function fileUsing(section: string, keyword: string): string | undefined {
  if (section === 'top') return `${keyword} {\n}\n`;
  if (section === 'global_defs') return `global_defs {\n  ${keyword}\n}\n`;
  if (section === 'vrrp_instance') return instance(`  ${keyword}`);
  if (section === 'vrrp_sync_group') return `${instance('')}${instance('', 'VI_2').replace('51', '52')}vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  ${keyword}\n}\n`;
  if (section === 'vrrp_script') return `vrrp_script s {\n  script /bin/true\n  ${keyword}\n}\n`;
  return undefined;
}

describe('vrrpd check says what keywords.ts says', () => {
  for (const [section, table] of Object.entries(SECTION_TABLES)) {
    for (const [keyword, support] of Object.entries(table)) {
      if (support.status !== 'unsupported' && support.status !== 'ignored') continue;
      const text = fileUsing(section, keyword);
      if (text === undefined) continue;
      it(`${section} ${keyword}: ${support.status}${support.status === 'unsupported' && support.failover ? ', failover' : ''}`, () => {
        const r = load(text, { interfaces: ['eth0'] });
        const about = r.diagnostics.filter((d) => d.message.startsWith(`'${keyword}' `));
        expect(about, r.lines.join('\n')).toHaveLength(1);
        const d = about[0]!;
        if (support.status === 'ignored') {
          expect(classOf(d)).toBe('note');
          expect(d.message).toBe(`'${keyword}' accepted and ignored: ${support.why}`);
          return;
        }
        expect(classOf(d)).toBe(support.failover ? 'failover' : 'warning');
        const since = keepalivedSince(section, keyword);
        const head = since ? `is a keepalived ${since} keyword that vrrpd does not support` : `is not supported by vrrpd${support.pending ? ' yet' : ''}`;
        expect(d.message).toBe(`'${keyword}' ${head}: ${support.what}; ignored`);
        expect(r.config?.instances.length ?? 0).toBeGreaterThanOrEqual(section === 'top' || section === 'global_defs' ? 0 : 1);
      });
    }
  }

  it('a keepalived 2.3 keyword is named with its release, not as unknown with a "did you mean"', () => {
    expect(load(instance('  owner_ignore_adverts')).lines).toEqual([
      `${F}:4:3: warning[failover]: 'owner_ignore_adverts' is a keepalived 2.3.3 keyword that vrrpd does not support: an address owner (priority 255) still handles adverts; ignored`,
    ]);
    expect(load('global_defs {\n  vrrp_delay_after_boot 30\n}\n').lines).toEqual([
      `${F}:2:3: warning[failover]: 'vrrp_delay_after_boot' is a keepalived 2.4.0 keyword that vrrpd does not support: instances start at once after boot; ignored`,
    ]);
  });
});

describe("the README's keyword table", () => {
  it(`is what scripts/keyword-table.ts renders from keywords.ts (to rewrite it: ${REGENERATE})`, () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(tableIn(readme), `README.md's keyword table is out of date with src/config/keywords.ts: run \`${REGENERATE}\` and commit README.md`).toBe(renderKeywordTable());
    expect(withTable(readme)).toBe(readme);
  });
});
