/**
 * `enable_script_security`, `script_user` and finding a script's program: the file-system half
 * (stat calls, /etc/passwd, PATH search); the rule itself is pure in track/script-security-rule.ts.
 */
import { lstat, readFile, realpath, stat } from './fs-async.js';
import { basename, dirname, join } from 'node:path';
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

/** Who a script runs as. */
export interface ScriptUser {
  readonly uid: number;
  readonly gid: number;
  /** User name when known (for logs and the script's USER/LOGNAME). */
  readonly name: string | undefined;
  /** Home directory when known (the script's HOME). */
  readonly home?: string | undefined;
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
  const home = u.home || undefined;
  if (group === undefined) return ok({ uid: u.uid, gid: u.gid, name: u.name, home });
  const groups = parseGroup(await readText(files.group ?? '/etc/group'));
  const g = groups.find((e) => e.name === group) ?? (/^\d+$/.test(group) ? { name: group, gid: Number(group) } : undefined);
  if (g === undefined) return err({ kind: 'unknown-group', detail: `script group "${group}" does not exist` });
  return ok({ uid: u.uid, gid: g.gid, name: u.name, home });
}

/** keepalived's default script user: `keepalived_script` if it exists, else whoever we run as. */
export async function defaultScriptUser(files: AccountFiles = {}, self?: { uid: number; gid: number }): Promise<ScriptUser> {
  const r = await resolveScriptUser('keepalived_script', undefined, files);
  if (r.ok) return r.value;
  const uid = self?.uid ?? process.geteuid?.() ?? 0;
  const gid = self?.gid ?? process.getegid?.() ?? 0;
  const me = parsePasswd(await readText(files.passwd ?? '/etc/passwd')).find((e) => e.uid === uid);
  return { uid, gid, name: me?.name, home: me?.home || undefined };
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

/**
 * A bare program name looked up in `pathVar` as keepalived does (notify.c find_path): the first
 * regular file executable by `runAs`. Undefined when there is none.
 */
export async function findInPath(name: string, runAs: { readonly uid: number; readonly gid: number }, pathVar: string): Promise<string | undefined> {
  for (const dir of pathVar.split(':')) {
    if (!dir.startsWith('/')) continue; // a relative PATH entry would depend on our cwd
    const candidate = join(dir, name);
    try {
      const st = await stat(candidate);
      if (st.isFile() && isExecutableBy({ path: candidate, uid: st.uid, gid: st.gid, mode: st.mode }, runAs.uid, runAs.gid)) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * keepalived's check for the program `file` (an absolute path) run as `runAs`. With `enabled`
 * false an unsafe script is still allowed (keepalived only warns); the verdict is returned as
 * `insecure` either way. Err: the script cannot run at all (not found / not executable), or it
 * is unsafe and `enabled`.
 */
export async function checkScriptSecurity(
  file: string,
  runAs: { readonly uid: number; readonly gid: number },
  enabled: boolean,
): Promise<Result<{ readonly file: string; readonly insecure: ScriptSecurityError | undefined }, ScriptSecurityError>> {
  let target: PathElementStat;
  let real: string;
  try {
    const st = await stat(file);
    real = await realpath(file);
    if (!st.isFile()) return err({ kind: 'wrong-type', path: file, detail: `${file} is not a regular file` });
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
