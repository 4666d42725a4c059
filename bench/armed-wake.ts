/**
 * `node dist/bench/armed-wake.js [--fires N] [--margins MS,MS,...]`: how late the addon's armed
 * datagram (a backup's takeover advert: native/packet/timer.c, native-notes/timers.md "The early
 * wake") leaves after its deadline, for each early-wake margin, fires interleaved margin by margin.
 * One raw socket of an experimental protocol (253, RFC 3692) on lo sends and receives the
 * datagrams (nothing leaves the host); each fire is armed `--delay` to twice that ms ahead (3 by
 * default) after an idle gap, so the loop sleeps in epoll_wait as a backup's does before its
 * Master_Down timer expires (a longer delay lets the CPU go idle for longer). Per margin:
 * the timerfd's wake-up after its expiry, the send after the deadline (both read by the addon),
 * the datagram's kernel receive stamp after the deadline, and the CPU spent waiting. Needs root.
 */
import { performance } from 'node:perf_hooks';
import { loadPacketAddon, type PacketAddon, type Raw4Handle, type TimerHandle } from '../src/io/packet-addon.js';
import type { Ipv4Address } from '../src/wire/address.js';
import { emitIpv4 } from '../src/wire/ipv4.js';
import { busyLine, load1, machine, machineLine } from './lib/machine.js';
import { quantile, sleep, table } from './lib/stats.js';

const PROTOCOL = 253;
const LOOPBACK = 0x7f000001;
const MAX_LATE_MS = 5;
/** armed.h's ARMED_LATE. */
const ARMED_LATE = -3;

interface Fire {
  readonly margin: number;
  readonly wakeLateUs: number;
  readonly sendLateUs: number;
  /** Kernel receive stamp minus the deadline (µs); NaN when the datagram was not seen. */
  readonly rxLateUs: number;
}

interface Args {
  readonly fires: number;
  readonly margins: readonly number[];
  /** Each fire is armed this far ahead (ms), plus up to as much again at random: the loop's idle time before it. */
  readonly delayMs: number;
}

function parseArgs(argv: readonly string[]): Args {
  let fires = 300;
  let margins = [0, 0.1, 0.2, 0.3];
  let delayMs = 3;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--fires' && v !== undefined) (fires = Number(v)), i++;
    else if (argv[i] === '--margins' && v !== undefined) (margins = v.split(',').map(Number)), i++;
    else if (argv[i] === '--delay' && v !== undefined) (delayMs = Number(v)), i++;
    else throw new Error(`usage: armed-wake [--fires N] [--margins MS,MS,...] [--delay MS] (at ${argv[i]})`);
  }
  if (!Number.isInteger(fires) || fires < 1 || margins.some((m) => !(m >= 0 && m <= 1)) || !(delayMs >= 2)) throw new Error('--fires >= 1, margins 0..1 ms, --delay >= 2 ms');
  return { fires, margins, delayMs };
}

type Addon = Required<PacketAddon>;

/** Arms one fire `delayMs` ahead with `margin` and resolves with what the addon and the socket saw. */
function fireOnce(a: Addon, timer: TimerHandle, sock: Raw4Handle, rig: Rig, margin: number, delayMs: number): Promise<Fire> {
  const marker = ++rig.marker & 0xff;
  const deadline = a.monotonicMs() + delayMs;
  const datagram = emitIpv4({ src: '127.0.0.1' as Ipv4Address, dst: '127.0.0.1' as Ipv4Address, protocol: PROTOCOL, tos: 0 }, new Uint8Array([marker, 0, 0, 0]));
  return new Promise((resolve) => {
    rig.onExpire = (armed, wakeLateUs, sendLateUs) => {
      // Refused (more than MAX_LATE_MS late on a loaded machine): still a lateness sample, with no datagram.
      if (armed <= 0 && armed !== ARMED_LATE) throw new Error(`armed datagram not sent (${armed})`);
      // The datagram loops back through lo; its stamp comes with the socket's next callback.
      setTimeout(() => resolve({ margin, wakeLateUs, sendLateUs, rxLateUs: ((rig.arrivals.get(marker) ?? Number.NaN) - deadline) * 1e3 }), 5);
    };
    a.timerArm(timer, deadline, a.raw4Armed(sock, datagram, LOOPBACK), MAX_LATE_MS, margin);
  });
}

interface Rig {
  marker: number;
  readonly arrivals: Map<number, number>;
  onExpire: (armed: number, wakeLateUs: number, sendLateUs: number) => void;
}

function row(margin: number, fires: readonly Fire[]): string[] {
  const mine = fires.filter((f) => f.margin === margin);
  const q = (xs: number[], p: number): string => (quantile(xs, p) / 1e3).toFixed(3);
  const wake = mine.map((f) => f.wakeLateUs);
  const send = mine.map((f) => f.sendLateUs);
  const rx = mine.map((f) => f.rxLateUs).filter(Number.isFinite);
  // The wait on the CPU: from the wake-up to the deadline, when the wake-up came first.
  const spinUs = mine.map((f) => Math.max(0, margin * 1e3 - f.wakeLateUs));
  const early = rx.filter((x) => x < 0).length;
  return [
    margin.toFixed(2),
    String(mine.length),
    `${q(wake, 0.5)} / ${q(wake, 0.9)} / ${q(wake, 0.99)} / ${q(wake, 1)}`,
    `${q(send, 0.5)} / ${q(send, 0.9)} / ${q(send, 0.99)} / ${q(send, 1)}`,
    `${q(rx, 0.5)} / ${q(rx, 0.99)} / ${q(rx, 1)}`,
    String(early),
    (spinUs.reduce((s, x) => s + x, 0) / Math.max(1, mine.length)).toFixed(0),
  ];
}

async function main(): Promise<void> {
  const { fires, margins, delayMs } = parseArgs(process.argv.slice(2));
  const loaded = loadPacketAddon();
  if (!loaded.ok) throw new Error(loaded.error.detail);
  const a = loaded.value as Addon;
  const m = machine();
  const loads = [load1()];
  const rig: Rig = { marker: 0, arrivals: new Map(), onExpire: () => undefined };
  const sock = a.raw4Open('lo', 1, PROTOCOL, null, 0, 0, (code, data, arrivalMs) => {
    if (code === null && typeof data !== 'string' && arrivalMs !== undefined) rig.arrivals.set(data[20]!, arrivalMs);
  });
  const timer = a.timerOpen((status, armed, wakeLateUs, sendLateUs) => {
    if (status < 0) throw new Error(`timer poll failed (${status})`);
    rig.onExpire(armed ?? 0, wakeLateUs ?? Number.NaN, sendLateUs ?? Number.NaN);
  });
  const results: Fire[] = [];
  const start = performance.now();
  try {
    await sleep(20);
    for (let i = 0; i < fires * margins.length; i++) {
      rig.arrivals.clear();
      await sleep(1 + Math.random() * 4);
      results.push(await fireOnce(a, timer, sock, rig, margins[i % margins.length]!, delayMs * (1 + Math.random())));
      if (i % 100 === 99) loads.push(load1());
    }
  } finally {
    a.timerClose(timer);
    a.raw4Close(sock);
  }
  console.log(machineLine(m));
  console.log(busyLine(loads, m.cores).line);
  console.log(`armed fires: ${fires} per margin, interleaved, each armed ${delayMs}-${2 * delayMs} ms ahead, in ${((performance.now() - start) / 1e3).toFixed(0)} s; figures in ms (p50 / p90 / p99 / max)`);
  console.log(
    table([
      ['margin ms', 'n', 'timerfd wake after expiry', 'send after deadline', 'rx stamp after deadline (p50/p99/max)', 'rx early', 'spin µs/fire'],
      ...margins.map((mg) => row(mg, results)),
    ]),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
