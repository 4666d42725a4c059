/**
 * The keepalived sample corpus (test/fixtures/keepalived-samples/): its files, keepalived
 * 2.2.7's verdict on each (`keepalived -t`, captured into verdicts.json by
 * scripts/keepalived-verdicts.ts and re-derived by test/integration/config/keepalived-samples.test.ts),
 * and which instances that verdict means keepalived runs.
 *
 * `keepalived -t` only parses and checks: it exits 0 / 4 / 5 / 6 and prints what it found, but
 * not which instances it would run. That follows from keepalived's source: some errors make its
 * VRRP process stop (it runs nothing), the others are warnings after which it uses a default,
 * skips a keyword or a duplicate section, and runs every instance (REFUSES_ALL below).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLab } from './netns.js';

/** test/ of the repository, whether this runs from the sources (vitest) or from dist/ (the capture script). */
const TEST_DIR = fileURLToPath(new URL('..', import.meta.url)).replace(/\/dist\/test\/$/, '/test/');
export const SAMPLES_DIR = `${TEST_DIR}fixtures/keepalived-samples/`;

/** The interfaces the samples name; the corpus is judged on a machine that has them all. */
export const SAMPLE_INTERFACES = ['eth0', 'eth1', 'eth2', 'eth3', 'eth0.1'] as const;

/** Every configuration of the corpus, relative to SAMPLES_DIR, sorted. */
export function sampleFiles(): string[] {
  return ['samples', 'etc', 'differences'].flatMap((d) => readdirSync(`${SAMPLES_DIR}${d}`).filter((f) => f.includes('.conf')).map((f) => `${d}/${f}`)).sort();
}

export function sampleText(file: string): string {
  return readFileSync(`${SAMPLES_DIR}${file}`, 'utf8');
}

/** What `keepalived -t -f FILE` said: its exit status and its lines (the corpus directory cut from paths). */
export interface KeepalivedVerdict {
  readonly file: string;
  readonly status: number;
  readonly output: readonly string[];
}

/**
 * keepalived 2.2.7 messages after which its VRRP process stops, so no instance runs:
 * vrrp_daemon.c start_vrrp (a non-existent interface without dynamic_interfaces), vrrp.c
 * chk_min_cfg, vrrp_complete_instance's `return false` paths and check_vrid_conflicts.
 */
export const REFUSES_ALL: readonly RegExp[] = [
  /Non-existent interface specified in configuration/,
  /the virtual router id must be set/,
  /Unknown interface!/,
  /No VIP specified; at least one is required/,
  /Unicast peers are not supported in strict mode/,
  /Unicast instances must have unicast_src_ip or interface/,
  /Non link-local address required if interface omitted/,
  /duplicate VRID conflict with/,
  / both use VRID /,
];

/** The vrrp_instance names a file defines, in order, each once (keepalived skips a second definition). */
export function instanceNames(text: string): string[] {
  const names = [...text.matchAll(/^\s*vrrp_instance\s+(\S+)\s*\{/gm)].map((m) => m[1] as string);
  return [...new Set(names)];
}

/** The instances keepalived runs on a file, given its `keepalived -t` verdict. */
export function keepalivedRuns(text: string, v: KeepalivedVerdict): string[] {
  if (v.status === 4 || v.output.some((line) => REFUSES_ALL.some((re) => re.test(line)))) return [];
  return instanceNames(text);
}

/**
 * Runs `keepalived -t` on each file in a network namespace of its own that has
 * SAMPLE_INTERFACES (veth pairs; eth0 addressed), so interface checks see what a real node
 * would; the namespace is removed afterwards, also on failure. Root only.
 */
export async function keepalivedVerdicts(files: readonly string[]): Promise<KeepalivedVerdict[]> {
  const lab = await createLab({ hosts: ['kt'], prefix: 'vkt' });
  try {
    const host = lab.host('kt');
    for (const [i, name] of SAMPLE_INTERFACES.entries()) {
      if (name === 'eth0') continue;
      await host.mustExec('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `kp${i}`]);
      await host.mustExec('ip', ['link', 'set', name, 'up']);
    }
    const out: KeepalivedVerdict[] = [];
    for (const file of files) {
      const r = await host.exec('keepalived', ['-t', '-l', '-n', '-D', '-f', `${SAMPLES_DIR}${file}`], 30_000);
      if (!r.ok && r.error.kind !== 'exit-status') throw new Error(`keepalived -t ${file}: ${r.error.detail}`);
      const { stdout, stderr } = r.ok ? r.value : r.error;
      const output = `${stdout}\n${stderr}`
        .split('\n')
        .map((l) => l.replaceAll(SAMPLES_DIR, '').trimEnd())
        .filter((l) => l !== '');
      out.push({ file, status: r.ok ? 0 : (r.error.code ?? -1), output });
    }
    return out;
  } finally {
    await lab.destroy();
  }
}
