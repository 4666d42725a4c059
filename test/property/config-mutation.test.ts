/** Property: arbitrary mutations of valid configs never throw; each gives a config (maybe with sections disabled) or positioned errors. */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classOf, loadConfig, memoryHost, type Diagnostic, type SectionRef } from '../../src/config/index.js';

const dir = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const SEEDS = ['seed/node1-master.conf', 'seed/node2-backup.conf', 'kubeadm/keepalived-template.conf', 'include/conf.d/20-instance.conf'].map(
  (f) => readFileSync(dir + f, 'utf8'),
);
const F = '/etc/keepalived/keepalived.conf';

const pieces = ['{', '}', '"', "'", '\\', '$X=', '$X', '${X}', '@node1 ', '@^x ', '!', '#', '\n', ' ', 'include *', 'include ' + F, 'priority', '256', '-1', 'vrrp_instance', 'virtual_ipaddress', 'track_script', 'constructor', '__proto__', 'toString', '~SEQ(', '\\\n'];

type Mutation = (tokens: string[]) => void;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((i) => (t: string[]) => void t.splice(i % Math.max(t.length, 1), 1)),
  fc.tuple(fc.nat(), fc.constantFrom(...pieces)).map(([i, p]) => (t: string[]) => void t.splice(i % (t.length + 1), 0, p)),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (t: string[]) => {
    const a = i % Math.max(t.length, 1);
    const b = j % Math.max(t.length, 1);
    [t[a], t[b]] = [t[b] as string, t[a] as string];
  }),
  fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 8 })).map(([i, s]) => (t: string[]) => void t.splice(i % (t.length + 1), 0, s)),
);

/**
 * A config is refused only for an error that stops the file; otherwise every section an error
 * disabled is listed and left out, and nothing else is.
 */
function check(text: string): void {
  const host = memoryHost({ [F]: text, '/etc/keepalived/other.conf': text }, { interfaces: ['eth0'], hostname: 'node1' });
  const r = loadConfig(F, host);
  const of = (cls: string): Diagnostic[] => r.diagnostics.filter((d) => classOf(d) === cls);
  if (r.config === undefined) {
    expect(of('fatal').length).toBeGreaterThan(0);
    expect(r.disabled).toEqual([]);
  } else {
    expect(of('fatal')).toEqual([]);
    const key = (d: SectionRef): string => `${d.section} ${d.name}`;
    expect(new Set(r.disabled.map(key))).toEqual(new Set(of('disabled').map((d) => key(d.disables as SectionRef))));
    const c = r.config;
    const running = [...c.instances.map((i) => `vrrp_instance ${i.name}`), ...c.scripts.map((x) => `vrrp_script ${x.name}`), ...c.syncGroups.map((g) => `vrrp_sync_group ${g.name}`)];
    for (const d of r.disabled) expect(running).not.toContain(key(d));
  }
  for (const d of r.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(typeof d.file).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
  }
}

describe('config parser under mutation', () => {
  it('token-level mutations (delete / insert / swap / random bytes, unbalanced braces) never throw', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 8 }), (seed, ms) => {
        const tokens = seed.split(/(\s+)/);
        for (const m of ms) m(tokens);
        check(tokens.join(''));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary text never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check(s)), { numRuns: 300 });
  });

  it('cutting a valid config at any point never throws', () => {
    const seed = SEEDS[0] as string;
    for (let i = 0; i <= seed.length; i += 7) check(seed.slice(0, i));
  });
});
