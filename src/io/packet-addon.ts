/**
 * The vrrpd_packet Node-API addon (native/packet), loaded once for the whole process: the
 * AF_PACKET sender behind gratuitous ARP and unsolicited NA (garp.ts, packet.c), the raw IPv6
 * VRRP socket (vrrp-socket6.ts, raw6.c), the raw IPv4 VRRP socket (vrrp-socket.ts, raw4.c),
 * the kernel deadline timer (kernel-timer.ts, timer.c), real-time signals (realtime-signals.ts,
 * signals.c), the rtnetlink socket for the VIPs (rtnl-socket.ts, rtnl.c) and real-time
 * scheduling (realtime-scheduling.ts, sched.c), the memory a finished worker thread
 * leaves (config-loader.ts, memory.c), the status socket's listener (unix-listener.ts,
 * unixsock.c), systemd's notification datagram (sd-notify.ts, unixsock.c) and the run lock's
 * flock(2) (run-lock.ts, lock.c). Missing when the
 * native build failed; its users fall back.
 */
import { createRequire } from 'node:module';
import { err, ok, type Result } from '../result.js';

/** An opaque raw IPv6 socket handle (raw6.c). */
export type Raw6Handle = { readonly __brand: 'Raw6Handle' };

/**
 * What raw6.c hands JS for each datagram: `data` = source (16 bytes) | destination (16 bytes) |
 * the VRRP payload, the hop limit from IPV6_HOPLIMIT (-1 when absent), the arrival interface, the
 * arrival time (CLOCK_MONOTONIC ms) and how it was found (rx-stamp.ts); or, when reading failed,
 * the errno name and its text.
 */
export type Raw6Listener = (code: string | null, data: Buffer | string, hopLimit?: number, ifindex?: number, arrivalMs?: number, stamp?: number) => void;

/** An opaque raw IPv4 socket handle (raw4.c). */
export type Raw4Handle = { readonly __brand: 'Raw4Handle' };

/**
 * What raw4.c hands JS for each datagram: the IPv4 datagram (header included), its arrival time
 * (CLOCK_MONOTONIC ms) and how it was found (rx-stamp.ts); or, when reading failed, the errno name
 * and its text.
 */
export type Raw4Listener = (code: string | null, data: Buffer | string, arrivalMs?: number, stamp?: number) => void;

/** A copy of a datagram that the kernel timer sends by itself at expiry, on a raw socket of either family (armed.c: raw4Armed, raw6Armed; timer.c). */
export type ArmedDatagram = { readonly __brand: 'ArmedDatagram' };

/** An opaque NETLINK_ROUTE socket handle (rtnl.c). */
export type RtnlHandle = { readonly __brand: 'RtnlHandle' };

/** An opaque timerfd handle (timer.c). */
export type TimerHandle = { readonly __brand: 'TimerHandle' };

/** An opaque advert-train scheduler and one train (train.c). */
export type TrainsHandle = { readonly __brand: 'TrainsHandle' };
export type TrainHandle = { readonly __brand: 'TrainHandle' };

/** An opaque listening unix socket being accepted on the event loop (unixsock.c). */
export type UnixAcceptHandle = { readonly __brand: 'UnixAcceptHandle' };

/** An opaque residency mark (memory.c). */
export type MemoryMark = { readonly __brand: 'MemoryMark' };

/** The addon's surface: native/packet/packet.c, raw4.c, raw6.c, timer.c, signals.c, rtnl.c, sched.c, memory.c, unixsock.c and lock.c. */
export interface PacketAddon {
  open(): number;
  send(fd: number, ifindex: number, frame: Uint8Array): number;
  close(fd: number): void;
  /** Absent in an addon built before raw4.c existed. `tos` -1: receive only; else the socket also sends (IP_HDRINCL). */
  raw4Open?(ifname: string, ifindex: number, protocol: number, group: Uint8Array | null, rcvbuf: number, tos: number, onMessage: Raw4Listener): Raw4Handle;
  /** One sendto of an IPv4 datagram (header included) to `dst` (the address as a big-endian uint32): bytes sent, or -EAGAIN. Absent before raw4.c sent. */
  raw4Send?(h: Raw4Handle, datagram: Uint8Array, dst: number): number;
  /** A copy of `datagram` for a kernel timer to send to `dst` on this socket at expiry (timerArm). Absent before it existed. */
  raw4Armed?(h: Raw4Handle, datagram: Uint8Array, dst: number): ArmedDatagram;
  raw4Close?(h: Raw4Handle): void;
  /** Absent in an addon built before raw6.c existed. */
  raw6Open?(ifname: string, ifindex: number, group: Uint8Array | null, rcvbuf: number, onMessage: Raw6Listener): Raw6Handle;
  raw6Send?(h: Raw6Handle, payload: Uint8Array, dst: Uint8Array, src: Uint8Array | null): number;
  /** A copy of what raw6Send would send for these arguments, for a kernel timer to send at expiry (timerArm). Absent before it existed. */
  raw6Armed?(h: Raw6Handle, payload: Uint8Array, dst: Uint8Array, src: Uint8Array | null): ArmedDatagram;
  raw6Close?(h: Raw6Handle): void;
  /** CLOCK_MONOTONIC in ms. Absent in an addon built before the timer existed. */
  monotonicMs?(): number;
  /**
   * `armed`: what the armed datagram's send did at this expiry (bytes sent; 0 nothing armed; < 0 not sent, ARMED_* of armed.h;
   * absent in older addons). When an armed datagram was fired or refused at this expiry: how late the timerfd woke (µs after its
   * expiry) and how late the send or refusal came (µs after the deadline).
   */
  timerOpen?(onExpire: (status: number, armed?: number, wakeLateUs?: number, sendLateUs?: number) => void): TimerHandle;
  /**
   * `armed` (raw4Armed or raw6Armed): sent by the addon at expiry, before onExpire, unless the timer is more than `maxLateMs` late (timer.c);
   * with `marginMs` (0..1) the timerfd wakes that much before the deadline and the addon waits out the rest on the CPU.
   */
  timerArm?(h: TimerHandle, deadlineMonotonicMs: number, armed?: ArmedDatagram, maxLateMs?: number, marginMs?: number): void;
  timerDisarm?(h: TimerHandle): void;
  /**
   * Sends an armed datagram now, with the guards of a timer expiry except its lateness bound (timer.c): the bytes sent, or
   * ARMED_* (< 0) when a datagram waits on its socket, the socket is closed or the send failed. Absent before it existed.
   */
  armedFire?(armed: ArmedDatagram): number;
  /**
   * 1..64 armed datagrams on one socket as one (timer.c, armed.c): a fire (timerArm's expiry, armedFire) checks the guards once
   * and sends every one in order, each whatever the others did; its outcome is the bytes of those sent, or ARMED_* when none
   * was. A backup's takeover advert to each unicast peer (native-notes/timers.md, "Every unicast peer at the expiry"). Absent before it.
   */
  armedGroup?(datagrams: readonly ArmedDatagram[]): ArmedDatagram;
  /** What an armed datagram's last fire did, alone or as a group's member: bytes sent, ARMED_* (< 0), 0 before any. Absent before it. */
  armedOutcome?(armed: ArmedDatagram): number;
  /**
   * Advert trains (train.c; io/advert-trains.ts): armed datagrams sent by the addon at each deadline, `periodMs` apart, until
   * stopped; onStop(id, reason, errno, deadlineMs, lateMs) when one stopped by itself (reason < 0: TRAIN_* of train.c; the
   * deadline and lateness for TRAIN_LATE). boundsMs: the lateness tally's upper bounds; leadMs: how far ahead of its deadline a dispatch may send a
   * train (default 0); lateMs: a send later than this stops the train (TRAIN_LATE). Absent in an addon built before them.
   */
  trainsOpen?(onStop: (id: number, reason: number, errno: number, deadlineMonotonicMs: number, lateMs: number) => void, boundsMs?: readonly number[], leadMs?: number): TrainsHandle;
  trainStart?(h: TrainsHandle, id: number, datagrams: readonly ArmedDatagram[], deadlineMonotonicMs: number, periodMs: number, stopByMonotonicMs: number, lateMs?: number): TrainHandle;
  /** Its lateness tally: counts per bucket (bounds + 1), sums (ms) per bucket, then the max (ms). Absent before it. */
  trainLateness?(t: TrainHandle): number[];
  /** Stops it (idempotent): how many deadlines it sent. */
  trainStop?(t: TrainHandle): number;
  trainSent?(t: TrainHandle): number;
  /** Its next deadline, CLOCK_MONOTONIC ms: the first it did not send. */
  trainNext?(t: TrainHandle): number;
  /** How many of its datagrams went out, in order, at trainNext's deadline before a send failed (TRAIN_FAILED; else 0). Absent before it. */
  trainPartial?(t: TrainHandle): number;
  trainsClose?(h: TrainsHandle): void;
  timerClose?(h: TimerHandle): void;
  /** [SIGRTMIN, SIGRTMAX] as the C library numbers them (signals.c). */
  realtimeSignalRange?(): [number, number];
  /** Runs `onSignal` on the event loop at each delivery of real-time signal `signum`, instead of its default action (the end of the process). */
  realtimeSignalWatch?(signum: number, onSignal: (signum: number) => void): void;
  /** rtnetlink for the VIPs (rtnl.c; io/rtnl-socket.ts). Absent in an addon built before it existed. */
  rtnlOpen?(netnsPath: string | null, rcvbuf: number, groups?: readonly number[]): RtnlHandle;
  rtnlIfindex?(h: RtnlHandle, ifname: string): number;
  rtnlTalk?(h: RtnlHandle, requests: Uint8Array): Buffer;
  /** Test hook: the process's next `count` requests (-1: all until re-armed with 0) fail with `errno` unsent. */
  rtnlFault?(count: number, errno: number): void;
  rtnlClose?(h: RtnlHandle): void;
  /** The link monitor's socket (io/rtnl-monitor.ts): a dump request out, every waiting datagram in; lost: ENOBUFS or truncation. */
  rtnlSend?(h: RtnlHandle, messages: Uint8Array): void;
  rtnlRead?(h: RtnlHandle): { bytes: Buffer; lost: boolean };
  rtnlFd?(h: RtnlHandle): number;
  /** NETLINK_GET_STRICT_CHK on: a dump request's filters (ifa_index) are honoured; false on a kernel before 4.20. Absent before it existed. */
  rtnlStrict?(h: RtnlHandle): boolean;
  /** SCHED_RR | SCHED_RESET_ON_FORK for the calling thread, RLIMIT_RTTIME rttimeUs/2 and rttimeUs (sched.c). Absent in an addon built before it existed. */
  schedSetRealtime?(priority: number, rttimeUs: number): void;
  /** SCHED_OTHER for the calling thread, and RLIMIT_RTTIME as before the first schedSetRealtime. */
  schedReset?(): void;
  /** Which pages of the node binary's read-only mappings are resident now (memory.c), for memoryRelease. Absent in an addon built before it existed. */
  memoryMark?(): MemoryMark;
  /** On a pool thread: those pages resident now but not at `mark` unmapped, then glibc malloc_trim(0); `done` gets the bytes unmapped and whether the trim released any. */
  memoryRelease?(mark: MemoryMark | null, done: (droppedBytes: number, trimmed: boolean) => void): void;
  /** A unix stream socket bound to `path` with mode 0600 from the start, listening: its fd (unixsock.c). Absent in an addon built before it existed. */
  unixListen?(path: string, backlog: number): number;
  /** Accepts on the event loop (the handle owns `fd`, also when this throws): onAccept(fd) per connection, onAccept(-1, code, message) when accept failed. */
  acceptStart?(fd: number, onAccept: (fd: number, code?: string, message?: string) => void): UnixAcceptHandle;
  /** Stops accepting and closes the listening fd (idempotent); unlinks nothing. */
  acceptClose?(h: UnixAcceptHandle): void;
  /** One datagram from a fresh AF_UNIX SOCK_DGRAM socket to `address` ("/path" or "@abstract"), never waiting: the bytes sent (unixsock.c). Absent in an addon built before it existed. */
  unixDatagramSend?(address: string, message: Uint8Array): number;
  /** flock(2) on `fd`: LOCK_EX or LOCK_SH, LOCK_NB when `nonblocking`; another holder throws code EAGAIN (lock.c). Absent in an addon built before it existed. */
  flock?(fd: number, exclusive: boolean, nonblocking: boolean): void;
}

/** Where the addon is looked for, relative to this file (src/io or dist/src/io). */
const ADDON_PATHS = ['../../native/packet/build/Release/vrrpd_packet.node', '../../../native/packet/build/Release/vrrpd_packet.node'];

let loaded: Result<PacketAddon, { detail: string }> | undefined;

/** The addon, or why it could not be loaded (the answer is cached). */
export function loadPacketAddon(): Result<PacketAddon, { detail: string }> {
  if (loaded !== undefined) return loaded;
  const req = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const p of ADDON_PATHS) {
    try {
      loaded = ok(req(p) as PacketAddon);
      return loaded;
    } catch (e) {
      tried.push(`${p}: ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  loaded = err({ detail: `native addon not built (run \`npm run build:native\`); tried ${tried.join('; ')}` });
  return loaded;
}
