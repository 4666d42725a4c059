/**
 * The daemons a bench compares: keepalived, this build of vrrpd, and other builds of vrrpd given
 * with `--vrrpd-at LABEL=PATH` (PATH: another build's bundle, `dist/bundle/vrrpd.js`), run with
 * their own shebang's node flags unless `--vrrpd-flags LABEL=FLAGS` (that target) or `--node-flags`
 * (every vrrpd) replaces them. The same bundle given twice under two labels with two flag sets
 * compares node flags in one interleaved run (docs/performance.md, "JIT trial"); `--vrrpd-env
 * LABEL=VAR=VALUE` adds VAR to that target's environment (e.g. GLIBC_TUNABLES: malloc settings compared
 * in one run, docs/performance.md "glibc malloc"). bench:scale and bench:failover take the same
 * options through this module.
 */
import { resolve } from 'node:path';
import { binNodeFlags } from '../../src/lab/node-flags.js';
import { vrrpdNodeFlags } from './node-flags.js';
import { deployedEnv, NOT_DEPLOYED } from './daemon.js';
import type { DaemonKind } from './peers.js';

/** One daemon the bench runs: keepalived, this build of vrrpd, or another build (--vrrpd-at). */
export interface Target {
  /** `vrrpd`, `keepalived` or `vrrpd@LABEL`. */
  readonly label: string;
  readonly kind: DaemonKind;
  /** Another build's vrrpd.js (its bundle); undefined: this build's. */
  readonly cli?: string;
  /** --vrrpd-flags for this target: node flags instead of its bin's (and of --node-flags). */
  readonly flags?: readonly string[];
  /** --vrrpd-env for this target: variables added to the bench's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Every value given for a repeated option `name`. */
export function repeatedOption(argv: readonly string[], name: string): string[] {
  return argv.flatMap((a, i) => (a === name && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
}

/** The targets of `--only` (vrrpd, keepalived or both) with each `--vrrpd-at` build after this build's vrrpd. */
export function parseTargets(argv: readonly string[], only: string | undefined): Target[] {
  if (only !== undefined && only !== 'vrrpd' && only !== 'keepalived') throw new Error('--only vrrpd|keepalived');
  const flags = new Map(
    repeatedOption(argv, '--vrrpd-flags').map((spec): [string, string[]] => {
      const m = /^(\w[\w.-]*)=(.*)$/.exec(spec);
      if (!m) throw new Error('--vrrpd-flags LABEL=FLAGS (LABEL: one of --vrrpd-at)');
      return [m[1]!, m[2]!.split(/\s+/).filter(Boolean)];
    }),
  );
  const envs = new Map<string, Record<string, string>>();
  for (const spec of repeatedOption(argv, '--vrrpd-env')) {
    const m = /^(\w[\w.-]*)=([A-Za-z_]\w*)=(.*)$/.exec(spec);
    if (!m) throw new Error('--vrrpd-env LABEL=VAR=VALUE (LABEL: one of --vrrpd-at)');
    envs.set(m[1]!, { ...envs.get(m[1]!), [m[2]!]: m[3]! });
  }
  const others = repeatedOption(argv, '--vrrpd-at').map((spec): Target => {
    const m = /^([\w.-]+)=(.+)$/.exec(spec);
    if (!m) throw new Error("--vrrpd-at LABEL=PATH (PATH: a bundle's vrrpd.js)");
    const [own, env] = [flags.get(m[1]!), envs.get(m[1]!)];
    flags.delete(m[1]!);
    envs.delete(m[1]!);
    return { label: `vrrpd@${m[1]!}`, kind: 'vrrpd', cli: resolve(m[2]!), ...(own && { flags: own }), ...(env && { env }) };
  });
  if (flags.size > 0) throw new Error(`--vrrpd-flags for no --vrrpd-at: ${[...flags.keys()].join(', ')}`);
  if (envs.size > 0) throw new Error(`--vrrpd-env for no --vrrpd-at: ${[...envs.keys()].join(', ')}`);
  const kinds: DaemonKind[] = only ? [only] : ['vrrpd', 'keepalived'];
  return kinds.flatMap((kind): Target[] => (kind === 'vrrpd' ? [{ label: 'vrrpd', kind }, ...others] : [{ label: kind, kind }]));
}

/** The node flags `target` runs with: its --vrrpd-flags, else --node-flags, else its own bin's. */
export function targetFlags(target: Target, nodeFlags: readonly string[] | undefined): readonly string[] {
  return target.flags ?? nodeFlags ?? (target.cli === undefined ? vrrpdNodeFlags() : binNodeFlags(target.cli));
}

/** The environment `target` runs with: the bench's without NOT_DEPLOYED (lib/daemon.ts), plus its --vrrpd-env (which may set them back). */
export function targetEnv(target: Target): NodeJS.ProcessEnv {
  return { ...deployedEnv(), ...target.env };
}

/** The lines saying how each vrrpd build ran (for the bench's report). */
export function targetLines(targets: readonly Target[], nodeFlags: readonly string[] | undefined): string[] {
  const asBin = nodeFlags === undefined ? 'the flags of the vrrpd bin' : "NOT the bin's flags";
  const lines = [`vrrpd ran as \`node ${(nodeFlags ?? vrrpdNodeFlags()).join(' ')} dist/bundle/vrrpd.js\` (${asBin}), every vrrpd without ${NOT_DEPLOYED.join(', ')} unless given below.`];
  const envText = (t: Target): string => Object.entries(t.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
  for (const t of targets) if (t.cli !== undefined) lines.push(`${t.label} ran as \`${envText(t)}node ${targetFlags(t, nodeFlags).join(' ')} ${t.cli}\`.`);
  return lines;
}
