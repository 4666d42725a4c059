/**
 * Proof against keepalived's own sample configurations (test/fixtures/keepalived-samples/):
 * `vrrpd check` runs the same instances as keepalived 2.2.7 on each (verdicts.json, captured
 * with `keepalived -t`), on a machine that has the interfaces the samples name, and every
 * difference is one of the documented classes (README, "Migrating from keepalived").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkExitStatus, loadConfig, memoryHost, type LoadResult } from '../../../src/config/index.js';
import { keepalivedRuns, SAMPLE_INTERFACES, SAMPLES_DIR, sampleFiles, sampleText, type KeepalivedVerdict } from '../../helpers/keepalived-samples.js';

/** Why vrrpd and keepalived can run different instances on one file (README, "Migrating from keepalived"). */
const CLASSES = {
  'refused-feature': 'vrrpd refuses what keepalived accepts (auth_type AH): the instance is disabled',
  'invalid-value': 'keepalived replaces an invalid value with its default and runs the instance; vrrpd disables it',
  'instance-error': 'keepalived stops its whole VRRP side for an error in one instance; vrrpd disables that instance only',
  'missing-interface': 'keepalived refuses a file naming an interface it cannot find; vrrpd runs, that instance waiting in FAULT',
  'duplicate-name': 'keepalived runs the first of two instances with one name; vrrpd refuses the file',
  'no-address': 'keepalived runs an instance without virtual_ipaddress (a warning); vrrpd disables it',
} as const;

interface Difference {
  readonly class: keyof typeof CLASSES;
  readonly keepalived: readonly string[];
  readonly vrrpd: readonly string[];
}

/** Every file where the instances differ, and why. */
const DIFFERENCES: Readonly<Record<string, Difference>> = {
  'samples/keepalived.conf.SSL_GET': { class: 'refused-feature', keepalived: ['VI_1'], vrrpd: [] },
  'differences/ah-auth.conf': { class: 'refused-feature', keepalived: ['VI_1', 'VI_2'], vrrpd: ['VI_1'] },
  'differences/default-priority.conf': { class: 'invalid-value', keepalived: ['VI_1', 'VI_2'], vrrpd: ['VI_1'] },
  'differences/no-vrid.conf': { class: 'instance-error', keepalived: [], vrrpd: ['VI_1'] },
  'differences/missing-interface.conf': { class: 'missing-interface', keepalived: [], vrrpd: ['VI_1', 'VI_2'] },
  'differences/duplicate-name.conf': { class: 'duplicate-name', keepalived: ['VI_1'], vrrpd: [] },
  'differences/no-vip.conf': { class: 'no-address', keepalived: ['VI_1', 'VI_2'], vrrpd: ['VI_1'] },
  // keepalived's deprecated `via A or B` (multipath) is refused; keepalived skips a rule to `192.168.200./24`.
  'samples/keepalived.conf.vrrp.routes': { class: 'refused-feature', keepalived: ['VI_1'], vrrpd: [] },
  'samples/keepalived.conf.vrrp.rules': { class: 'invalid-value', keepalived: ['VI_1'], vrrpd: [] },
};

/**
 * `vrrpd check`'s exit status on each file (scripts not planned: that depends on the machine):
 * 0 runs as keepalived would, 1 errors, 3 failover warnings (CHECK_EXIT).
 */
const STATUS: Readonly<Record<string, number>> = {
  'differences/ah-auth.conf': 1,
  'differences/default-priority.conf': 1,
  'differences/duplicate-name.conf': 1,
  'differences/missing-interface.conf': 0,
  'differences/no-vip.conf': 1,
  'differences/no-vrid.conf': 1,
  'etc/keepalived.conf.sample': 3,
  'samples/keepalived.conf.HTTP_GET.port': 0,
  'samples/keepalived.conf.IPv6': 0,
  'samples/keepalived.conf.PING_CHECK': 0,
  'samples/keepalived.conf.SMTP_CHECK': 0,
  'samples/keepalived.conf.SSL_GET': 1,
  'samples/keepalived.conf.UDP_CHECK': 0,
  'samples/keepalived.conf.conditional_conf': 1,
  'samples/keepalived.conf.fwmark': 0,
  'samples/keepalived.conf.inhibit': 0,
  'samples/keepalived.conf.misc_check': 0,
  'samples/keepalived.conf.misc_check_arg': 0,
  'samples/keepalived.conf.quorum': 0,
  'samples/keepalived.conf.sample': 0,
  'samples/keepalived.conf.status_code': 0,
  'samples/keepalived.conf.track_interface': 3,
  'samples/keepalived.conf.virtual_server_group': 0,
  'samples/keepalived.conf.virtualhost': 0,
  'samples/keepalived.conf.vrrp': 0,
  'samples/keepalived.conf.vrrp.localcheck': 0,
  'samples/keepalived.conf.vrrp.lvs_syncd': 1,
  'samples/keepalived.conf.vrrp.routes': 1,
  'samples/keepalived.conf.vrrp.rules': 1,
  'samples/keepalived.conf.vrrp.scripts': 0,
  'samples/keepalived.conf.vrrp.static_ipaddress': 3,
  'samples/keepalived.conf.vrrp.sync': 0,
};

const fixture = JSON.parse(readFileSync(`${SAMPLES_DIR}verdicts.json`, 'utf8')) as { keepalived: string; verdicts: KeepalivedVerdict[] };

/** vrrpd's load of a corpus file on a machine with the samples' interfaces. */
function vrrpd(file: string): LoadResult {
  const path = `/etc/keepalived/${file.split('/').pop() ?? file}`;
  return loadConfig(path, memoryHost({ [path]: sampleText(file) }, { interfaces: [...SAMPLE_INTERFACES], hostname: 'node1' }));
}

describe(`keepalived's sample configurations: vrrpd check against ${fixture.keepalived} -t`, () => {
  it('has a verdict for every file of the corpus (26 keepalived samples and the difference cases)', () => {
    expect(fixture.verdicts.map((v) => v.file).sort()).toEqual(sampleFiles());
    expect(sampleFiles().filter((f) => !f.startsWith('differences/'))).toHaveLength(26);
    expect(Object.keys(STATUS).sort()).toEqual(sampleFiles());
  });

  for (const v of fixture.verdicts) {
    it(v.file, () => {
      const r = vrrpd(v.file);
      const theirs = keepalivedRuns(sampleText(v.file), v);
      const ours = r.config?.instances.map((i) => i.name) ?? [];
      const known = DIFFERENCES[v.file];
      if (known === undefined) expect(ours, `keepalived runs [${theirs.join(', ')}]`).toEqual(theirs);
      else {
        expect(CLASSES[known.class]).toBeDefined();
        expect({ keepalived: theirs, vrrpd: ours }).toEqual({ keepalived: known.keepalived, vrrpd: known.vrrpd });
      }
      expect(checkExitStatus(r)).toBe(STATUS[v.file]);
    });
  }

  it('documents every class of difference in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const c of Object.keys(CLASSES)) expect(readme).toContain(`\`${c}\``);
  });
});
