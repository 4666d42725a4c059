/**
 * Who vrrpd runs as and which capabilities it holds, from /proc/self/status, and what that means
 * for the scripts it starts: which users it can switch to and whether it can empty a child's
 * capability bounding set (see native-notes/scripts.md).
 */
import { readFile } from './fs-async.js';

/** Linux capability numbers (linux/capability.h) that decide what vrrpd can do for a script. */
export const CAP = { SETGID: 6, SETUID: 7, SETPCAP: 8, NET_ADMIN: 12, NET_RAW: 13 } as const;

/** One of /proc/PID/status's capability sets, as a bit mask. */
export type CapSet = bigint;

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly inheritable: CapSet;
  readonly permitted: CapSet;
  readonly effective: CapSet;
  readonly bounding: CapSet;
  readonly ambient: CapSet;
}

export const hasCap = (set: CapSet, cap: number): boolean => ((set >> BigInt(cap)) & 1n) === 1n;

/** Parses the Uid/Gid (effective) and Cap* lines of /proc/PID/status; undefined when one is missing. */
export function parseProcStatus(text: string): Credentials | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const cap = (name: string): CapSet | undefined => {
    const v = field(name);
    return v !== undefined && /^[0-9a-f]{1,16}$/i.test(v) ? BigInt(`0x${v}`) : undefined;
  };
  const effectiveId = (name: string): number | undefined => {
    const v = field(name)?.split(/\s+/)[1];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const uid = effectiveId('Uid');
  const gid = effectiveId('Gid');
  const [inheritable, permitted, effective, bounding, ambient] = ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map(cap);
  if (uid === undefined || gid === undefined || inheritable === undefined || permitted === undefined) return undefined;
  if (effective === undefined || bounding === undefined) return undefined;
  // CapAmb exists since Linux 4.3; older kernels have no ambient set.
  return { uid, gid, inheritable, permitted, effective, bounding, ambient: ambient ?? 0n };
}

/** Our own credentials now. */
export async function ownCredentials(): Promise<Credentials> {
  const parsed = parseProcStatus(await readFile('/proc/self/status', 'utf8').catch(() => ''));
  if (parsed) return parsed;
  // No /proc: assume no capabilities (the conservative answer: no user switch is attempted).
  return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0, inheritable: 0n, permitted: 0n, effective: 0n, bounding: 0n, ambient: 0n };
}

/**
 * The capabilities a program we exec starts with (capabilities(7), "Transformation of
 * capabilities during execve()"): for root, the bounding set (a root exec gains every
 * capability the bounding set allows); for anyone else, the ambient set.
 */
export function capsAfterExec(self: Credentials): CapSet {
  return self.uid === 0 ? self.bounding : self.ambient;
}
