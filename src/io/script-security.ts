/**
 * `enable_script_security` and `script_user`: the file-system half (stat calls, /etc/passwd);
 * the rule itself is pure in track/script-security-rule.ts.
 */
import { constants as fsc } from 'node:fs';
import { access, lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { err, ok, type Result } from '../result.js';
import { parseGroup, parsePasswd } from '../track/passwd.js';
import {
  checkPathChain,
  isExecutableBy,
  needsProtection,
  pathElements,
  type PathElementStat,
  type ScriptSecurityError,
} from '../track/script-security-rule.js';
import { SHELL, splitScriptWords } from '../track/script-words.js';

/** Who a script runs as. */
export interface ScriptUser {
  readonly uid: number;
  readonly gid: number;
  /** User name when known (for logs). */
  readonly name: string | undefined;
}

export interface UserLookupError {
  readonly kind: 'unknown-user' | 'unknown-group';
  readonly detail: string;
}

/** Where the account databases live (tests point these at temp files). */
export interface AccountFiles {
  readonly passwd?: string;
  readonly group?: string;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** `script_user USER [GROUP]`: USER's uid and (GROUP's, else USER's primary) gid. Numeric ids accepted. */
export async function resolveScriptUser(
  user: string,
  group?: string,
  files: AccountFiles = {},
): Promise<Result<ScriptUser, UserLookupError>> {
  const users = parsePasswd(await readText(files.passwd ?? '/etc/passwd'));
  const u = users.find((e) => e.name === user) ?? (/^\d+$/.test(user) ? users.find((e) => e.uid === Number(user)) : undefined);
  if (u === undefined) return err({ kind: 'unknown-user', detail: `script user "${user}" does not exist` });
  if (group === undefined) return ok({ uid: u.uid, gid: u.gid, name: u.name });
  const groups = parseGroup(await readText(files.group ?? '/etc/group'));
  const g = groups.find((e) => e.name === group) ?? (/^\d+$/.test(group) ? { name: group, gid: Number(group) } : undefined);
  if (g === undefined) return err({ kind: 'unknown-group', detail: `script group "${group}" does not exist` });
  return ok({ uid: u.uid, gid: g.gid, name: u.name });
}

/** keepalived's default script user: `keepalived_script` if it exists, else whoever we run as. */
export async function defaultScriptUser(files: AccountFiles = {}): Promise<ScriptUser> {
  const r = await resolveScriptUser('keepalived_script', undefined, files);
  if (r.ok) return r.value;
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, name: undefined };
}

async function lstatElement(path: string): Promise<PathElementStat | undefined> {
  try {
    const st = await lstat(path);
    return { path, uid: st.uid, gid: st.gid, mode: st.mode };
  } catch {
    return undefined;
  }
}

async function checkChain(absPath: string): Promise<Result<void, ScriptSecurityError>> {
  const chain: PathElementStat[] = [];
  for (const p of pathElements(absPath)) {
    const e = await lstatElement(p);
    if (e === undefined) return err({ kind: 'not-found', path: p, detail: `${p} cannot be examined` });
    chain.push(e);
  }
  return checkPathChain(chain);
}

/** Find a bare command name on PATH, as the shell would. */
async function searchPath(name: string, pathVar: string): Promise<string | undefined> {
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if ((await stat(candidate)).isFile()) {
        await access(candidate, fsc.X_OK);
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The file that will actually be exec'ed for `command` (the shell for shell builtins). */
async function scriptFile(command: string, pathVar: string): Promise<Result<string, ScriptSecurityError>> {
  const words = splitScriptWords(command);
  if (!words.ok) return err({ kind: 'not-found', path: command, detail: words.error.detail });
  const first = words.value[0] ?? '';
  if (first.includes('/')) return ok(resolve(first));
  return ok((await searchPath(first, pathVar)) ?? SHELL);
}

/**
 * keepalived's check for one script run as `runAs`. With `enabled` false an unsafe script is
 * still allowed (keepalived only warns); the verdict is returned as `insecure` either way.
 * Err: the script cannot run at all (not found / not executable), or it is unsafe and `enabled`.
 */
export async function checkScriptSecurity(
  command: string,
  runAs: { readonly uid: number; readonly gid: number },
  enabled: boolean,
  pathVar = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
): Promise<Result<{ readonly file: string; readonly insecure: ScriptSecurityError | undefined }, ScriptSecurityError>> {
  const f = await scriptFile(command, pathVar);
  if (!f.ok) return f;
  const file = f.value;
  let target: PathElementStat;
  let real: string;
  try {
    const st = await stat(file);
    real = await realpath(file);
    target = { path: file, uid: st.uid, gid: st.gid, mode: st.mode };
  } catch {
    return err({ kind: 'not-found', path: file, detail: `script ${file} does not exist` });
  }
  if (!isExecutableBy(target, runAs.uid, runAs.gid)) {
    return err({ kind: 'not-executable', path: file, detail: `${file} is not executable by ${runAs.uid}:${runAs.gid}` });
  }
  if (!needsProtection(target, runAs.uid, runAs.gid)) return ok({ file, insecure: undefined });
  // keepalived examines the resolved path: the real directory with the name as written (it may
  // be a symlink, e.g. /usr/bin/python3) and the final real file.
  let viaLink: string;
  try {
    viaLink = join(await realpath(dirname(file)), basename(file));
  } catch {
    viaLink = real;
  }
  for (const p of viaLink === real ? [real] : [viaLink, real]) {
    const c = await checkChain(p);
    if (!c.ok) {
      if (enabled || c.error.kind !== 'insecure') return c;
      return ok({ file, insecure: c.error });
    }
  }
  return ok({ file, insecure: undefined });
}
