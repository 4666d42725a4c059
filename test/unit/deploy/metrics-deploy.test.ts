/**
 * deploy/'s Prometheus alert rules and Grafana dashboard, checked by a real consumer (promtool:
 * `check rules`, the rules' own unit tests, and every dashboard query parsed as PromQL), and held
 * to the metrics vrrpd serves: a renamed metric breaks this test, not a user's dashboard.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/daemon/metrics-registry.js';
import { parsePromText } from '../../../src/lab/prom-text.js';
import { sampleStatus } from '../../helpers/status-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'vrrpd-alerts.yml');
const RULE_TESTS = join(ROOT, 'deploy', 'prometheus', 'vrrpd-alerts.test.yml');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'vrrpd-dashboard.json');
const promtool = spawnSync('promtool', ['--version']).status === 0;

interface Panel {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[]; annotations: { list: { expr?: string }[] }; templating: { list: { definition?: string }[] } };

/** Every PromQL query of the dashboard, Grafana's variables replaced by what Grafana would put there. */
function dashboardQueries(): { where: string; expr: string }[] {
  const raw = [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...dashboard.annotations.list.filter((a) => a.expr).map((a) => ({ where: 'annotation', expr: a.expr! })),
  ];
  return raw.map(({ where, expr }) => ({ where, expr: expr.replaceAll('$__rate_interval', '1m').replace(/\$(node|vrrp_instance|job)\b/g, '.*') }));
}

/** Metric names a query or rule refers to (series selectors' names). */
function metricNames(text: string): string[] {
  return [...text.matchAll(/\b((?:vrrpd|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!);
}

describe('deploy/: alert rules and dashboard', () => {
  it.skipIf(!promtool)('promtool check rules accepts the alert rules', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(!promtool)("the alert rules pass their own tests (two masters, no master, flapping, check failing, drops rising...)", () => {
    expect(execFileSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8', cwd: join(ROOT, 'deploy', 'prometheus') })).toContain('SUCCESS');
  });

  it.skipIf(!promtool)('every dashboard query is valid PromQL (promtool parses them as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrrpd-dash-'));
    try {
      const rules = dashboardQueries().map((q, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(q.expr)}`);
      const file = join(dir, 'dashboard-queries.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the rules and the dashboard only use metrics vrrpd serves', async () => {
    const names = parsePromText(await new MetricsRegistry(() => sampleStatus()).metrics()).map((s) => s.name);
    // A histogram is served as NAME_bucket, _sum, _count; the rules' texts name it NAME.
    const served = new Set([...names, ...names.map((n) => n.replace(/_(bucket|sum|count)$/, ''))]);
    const rules = readFileSync(RULES, 'utf8').replace(/^\s*#.*$/gm, '');
    const used = new Set([...metricNames(rules), ...dashboardQueries().flatMap((q) => metricNames(q.expr)), ...dashboard.templating.list.flatMap((v) => metricNames(v.definition ?? ''))]);
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((n) => !served.has(n))).toEqual([]);
  });
});
