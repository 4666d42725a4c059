/**
 * keepalived's `enable_script_security` rule as a pure function over stat results
 * (learned from keepalived's notify.c; the file-system walk lives in io/script-security.ts).
 *
 * A script needs protecting when it would run with root's uid OR root's gid, or the file is
 * set-uid root / set-gid root. Then every element of its path — `/`, each directory, the file
 * itself, looked at WITHOUT following symlinks, for both the path as written and its realpath —
 * must be owned by root, and, for directories without the sticky bit and for regular files,
 * must not be group-writable by a non-root group nor world-writable. Otherwise it is refused.
 */
import { err, ok, type Result } from '../result.js';

/** What we need from an lstat of one path element. */
export interface PathElementStat {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  /** st_mode, including the file-type bits. */
  readonly mode: number;
}

export interface ScriptSecurityError {
  readonly kind: 'insecure' | 'wrong-type' | 'not-found' | 'not-executable';
  /** The offending path element. */
  readonly path: string;
  readonly detail: string;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;
const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_IXUSR = 0o100;
const S_IXGRP = 0o010;
const S_IXOTH = 0o001;

const type = (mode: number): number => mode & S_IFMT;

/** Every prefix of an absolute path: `/`, `/a`, `/a/b`, ... (the last is the file). */
export function pathElements(absPath: string): string[] {
  const parts = absPath.split('/').filter((p) => p.length > 0);
  const out = ['/'];
  let cur = '';
  for (const p of parts) {
    cur += `/${p}`;
    out.push(cur);
  }
  return out;
}

/** keepalived's "is this file executable by uid:gid" (root: any x bit). */
export function isExecutableBy(file: PathElementStat, uid: number, gid: number): boolean {
  const m = file.mode;
  if (uid === 0) return (m & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === file.uid) return (m & S_IXUSR) !== 0;
  if (gid === file.gid) return (m & S_IXGRP) !== 0;
  return (m & S_IXOTH) !== 0;
}

/** True when running this file as uid:gid means running it with root powers. */
export function needsProtection(file: PathElementStat, uid: number, gid: number): boolean {
  const m = file.mode;
  return (
    uid === 0 ||
    gid === 0 ||
    (file.uid === 0 && (m & S_IXUSR) !== 0 && (m & S_ISUID) !== 0) ||
    (file.gid === 0 && (m & S_IXGRP) !== 0 && (m & S_ISGID) !== 0)
  );
}

/** Check one lstat'ed path chain (from `/` to the file, in order). */
export function checkPathChain(chain: readonly PathElementStat[]): Result<void, ScriptSecurityError> {
  for (let i = 0; i < chain.length; i++) {
    const e = chain[i] as PathElementStat;
    const last = i === chain.length - 1;
    const t = type(e.mode);
    if ((!last && t !== S_IFDIR) || (last && t !== S_IFREG && t !== S_IFLNK)) {
      return err({ kind: 'wrong-type', path: e.path, detail: `${e.path}: unexpected file type in script path` });
    }
    if (e.uid !== 0) {
      return err({ kind: 'insecure', path: e.path, detail: `${e.path} is owned by uid ${e.uid}, not root` });
    }
    const guarded = (t === S_IFDIR && (e.mode & S_ISVTX) === 0) || t === S_IFREG;
    if (guarded && e.gid !== 0 && (e.mode & S_IWGRP) !== 0) {
      return err({ kind: 'insecure', path: e.path, detail: `${e.path} is writable by group ${e.gid}` });
    }
    if (guarded && (e.mode & S_IWOTH) !== 0) {
      return err({ kind: 'insecure', path: e.path, detail: `${e.path} is world-writable` });
    }
  }
  return ok(undefined);
}
