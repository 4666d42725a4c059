/**
 * The addon's rtnetlink socket (native/packet/rtnl.c) as a small object: look up an interface's
 * index, send a batch of requests and get their acknowledgements back, all synchronously (the
 * kernel handles rtnetlink requests inside sendmsg; native-notes/netlink.md). A socket opened for
 * a named namespace (`ip -n` style: tests, the lab, `vrrpd cleanup --netns`) is opened inside it.
 *
 * Fault injection for tests and the fault matrix: when VRRPD_NETLINK_FAULT_FILE names a file,
 * each batch first reads it, deletes it and arms the addon with what it says: "COUNT ERRNO"
 * fails the process's next COUNT requests (-1: every request until a "0 ..." arrives) with that errno
 * (a name such as EIO), without sending them. Unset, nothing is read.
 */
import { readFileSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { err, ok, type Result } from '../result.js';
import { loadPacketAddon, type PacketAddon, type RtnlHandle } from './packet-addon.js';
import { watchAddon } from './watch-addon.js';

/** The environment variable that names the fault file (see the module comment). */
export const NETLINK_FAULT_ENV = 'VRRPD_NETLINK_FAULT_FILE';

/** Receive buffer: room for the acks of a chunk many times over (each is charged ~1 KB). */
const RCVBUF = 1 << 20;

type RtnlAddon = Required<Pick<PacketAddon, 'rtnlOpen' | 'rtnlIfindex' | 'rtnlTalk' | 'rtnlFault' | 'rtnlClose'>>;

/** The errno number of a name such as "EEXIST" (Linux numbering, from node:os). */
export function errnoNumber(name: string): number | undefined {
  return (constants.errno as Record<string, number | undefined>)[name];
}

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));
/** The name of errno `n` ("EEXIST"), or "errno N". */
export function errnoName(n: number): string {
  return errnoNames.get(n) ?? `errno ${n}`;
}

/** One NETLINK_ROUTE socket. */
export interface RtnlSocket {
  /** The interface's index in the socket's namespace; 0 when there is none. Throws on a broken socket. */
  ifindex(name: string): number;
  /** Sends whole netlink messages in one sendmsg; every datagram then queued. Throws (with an errno `code`) when sendmsg fails. */
  talk(requests: Uint8Array): Uint8Array;
  close(): void;
}

/** The addon's rtnetlink functions, or why there are none. */
export function rtnlAddon(): Result<RtnlAddon, { detail: string }> {
  const loaded = loadPacketAddon();
  if (!loaded.ok) return loaded;
  if (typeof loaded.value.rtnlOpen !== 'function') return err({ detail: 'the native addon predates rtnetlink (run `npm run build:native`)' });
  return ok(loaded.value as RtnlAddon);
}

/** Opens a socket in our namespace, or in the one named `netns` (/var/run/netns/NAME, validated by the caller). */
export function openRtnl(netns?: string): Result<RtnlSocket, { detail: string }> {
  const a = rtnlAddon();
  if (!a.ok) return a;
  const addon = a.value;
  let h: RtnlHandle;
  try {
    h = addon.rtnlOpen(netns === undefined ? null : `/var/run/netns/${netns}`, RCVBUF);
  } catch (e) {
    return err({ detail: `rtnetlink: ${(e as Error).message}` });
  }
  return ok({
    ifindex: (name) => addon.rtnlIfindex(h, name),
    talk: (requests) => {
      applyFaultFile(addon);
      return addon.rtnlTalk(h, requests);
    },
    close: () => addon.rtnlClose(h),
  });
}

/** The fault file's command, if VRRPD_NETLINK_FAULT_FILE is set and the file is there (consumed). */
function applyFaultFile(addon: RtnlAddon): void {
  const file = process.env[NETLINK_FAULT_ENV];
  if (file === undefined || file === '') return;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
  } catch {
    return; // not armed
  }
  const m = /^\s*(-1|\d+)\s+(E[A-Z0-9]+)\s*$/.exec(text);
  const errno = m === null ? undefined : errnoNumber(m[2]!);
  if (m === null || errno === undefined) {
    process.emitWarning(`${NETLINK_FAULT_ENV}: ignored ${JSON.stringify(text.trim())} (want "COUNT ERRNO_NAME")`);
    return;
  }
  addon.rtnlFault(Number(m[1]), errno);
}

/** A NETLINK_ROUTE socket joined to multicast groups, read when the event loop finds it readable (the link monitor's). */
export interface RtnlMonitorSocket {
  /** Sends whole netlink messages (a dump request); throws (errno `code`) when sendmsg fails. */
  send(messages: Uint8Array): void;
  /** Every datagram waiting (up to 1 MB); lost: the kernel dropped notifications (ENOBUFS). Throws on a broken socket. */
  read(): { bytes: Uint8Array; lost: boolean };
  /** Calls `onReadable` on the event loop whenever the socket is readable (level-triggered: read it all). */
  watch(onReadable: () => void): void;
  close(): void;
}

/**
 * Opens a socket joined to `groups` (RTNLGRP_* numbers) in our namespace or in `netns`, watched
 * with the watch addon's uv_poll (native/packet/watch.c); an error when either addon is missing.
 */
export function openRtnlMonitor(groups: readonly number[], rcvbuf: number, netns?: string): Result<RtnlMonitorSocket, { detail: string }> {
  const loaded = loadPacketAddon();
  if (!loaded.ok) return loaded;
  const a = loaded.value;
  if (a.rtnlRead === undefined || a.rtnlSend === undefined || a.rtnlFd === undefined || a.rtnlOpen === undefined || a.rtnlClose === undefined) {
    return err({ detail: 'the native addon predates the rtnetlink monitor (run `npm run build:native`)' });
  }
  const w = watchAddon();
  if (!w.ok) return err({ detail: w.error });
  const { rtnlRead, rtnlSend, rtnlFd, rtnlClose } = a;
  let h: RtnlHandle;
  try {
    h = a.rtnlOpen(netns === undefined ? null : `/var/run/netns/${netns}`, rcvbuf, groups);
  } catch (e) {
    return err({ detail: `rtnetlink: ${(e as Error).message}` });
  }
  let watching: object | undefined;
  return ok({
    send: (messages) => rtnlSend(h, messages),
    read: () => rtnlRead(h),
    watch: (onReadable) => {
      // After an ENOBUFS (POLLERR) the addon watches the socket again itself (watch.c); the read clears the error.
      watching = w.value.watch(rtnlFd(h), () => onReadable());
    },
    close: () => {
      if (watching !== undefined) w.value.unwatch(watching);
      watching = undefined;
      rtnlClose(h);
    },
  });
}
