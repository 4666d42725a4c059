/** Pure parsers for /etc/passwd and /etc/group text: name -> ids, for `script_user`. */

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The home directory ('' when the field is empty or missing). */
  readonly home: string;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
}

function fields(text: string, minFields: number): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= minFields);
}

const id = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

/** Parse /etc/passwd (`name:pw:uid:gid:gecos:home:shell`); malformed lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of fields(text, 4)) {
    const uid = id(f[2]);
    const gid = id(f[3]);
    if (f[0] && uid !== undefined && gid !== undefined) out.push({ name: f[0], uid, gid, home: f[5] ?? '' });
  }
  return out;
}

/** Parse /etc/group (`name:pw:gid:members`); malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of fields(text, 3)) {
    const gid = id(f[2]);
    if (f[0] && gid !== undefined) out.push({ name: f[0], gid });
  }
  return out;
}
