/**
 * The addon's armed datagram (raw4.c raw4Armed, timer.c): a kernel timer that sends a datagram by
 * itself at expiry, before its JavaScript callback, and the guards that stop it. A raw socket
 * of an experimental IP protocol (253, RFC 3692) on the loopback interface both sends and receives
 * the test's datagrams: nothing leaves the host. Needs root (CAP_NET_RAW) and the built addon.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { PacketAddon, Raw4Handle, TimerHandle } from '../../../src/io/packet-addon.js';
import { emitIpv4 } from '../../../src/wire/ipv4.js';
import type { Ipv4Address } from '../../../src/wire/address.js';

const PROTOCOL = 253;
const LOOPBACK = 0x7f000001;
/** raw4.h's ARMED_* codes. */
const ARMED = { NONE: 0, WAITING: -1, CLOSED: -2, LATE: -3 } as const;

function load(): PacketAddon | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const addon = createRequire(import.meta.url)(fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url))) as PacketAddon;
    return addon.raw4Armed ? addon : undefined;
  } catch {
    return undefined;
  }
}

const addon = load();

const datagram = (marker: number): Uint8Array => emitIpv4({ src: '127.0.0.1' as Ipv4Address, dst: '127.0.0.1' as Ipv4Address, protocol: PROTOCOL, tos: 0 }, new Uint8Array([marker, 0, 0, 0, 0, 0, 0, 0]));

/** Busy-waits `ms` (the timer's expiry and a datagram's arrival then reach epoll in that order). */
function spin(ms: number): void {
  const end = addon!.monotonicMs!() + ms;
  while (addon!.monotonicMs!() < end);
}

describe.skipIf(addon === undefined)('the armed datagram of a kernel timer (raw4.c, timer.c)', () => {
  const a = addon!;
  const opened: { sock?: Raw4Handle; timer?: TimerHandle }[] = [];
  afterEach(() => {
    for (const o of opened.splice(0)) {
      if (o.timer) a.timerClose!(o.timer);
      if (o.sock) a.raw4Close!(o.sock);
    }
  });

  /** A socket on lo that receives what it sends, a timer, and what each reported. */
  function rig() {
    const received: { marker: number; at: number }[] = [];
    const sock = a.raw4Open!('lo', 1, PROTOCOL, null, 0, 0, (code, data, arrivalMs) => {
      if (code === null && typeof data !== 'string') received.push({ marker: data[20]!, at: arrivalMs! });
    });
    const expiries: number[] = [];
    let expired: () => void = () => undefined;
    const timer = a.timerOpen!((_status, armed) => {
      expiries.push(armed ?? Number.NaN);
      expired();
    });
    opened.push({ sock, timer });
    const next = (): Promise<void> => new Promise((r) => (expired = r));
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));
    return { sock, timer, received, expiries, next, settle };
  }

  it('sends the armed datagram at expiry, before the callback, and reports its bytes', async () => {
    const r = rig();
    const d = datagram(1);
    const deadline = a.monotonicMs!() + 20;
    const fired = r.next();
    a.timerArm!(r.timer, deadline, a.raw4Armed!(r.sock, d, LOOPBACK), 1000);
    await fired;
    expect(r.expiries).toEqual([d.length]);
    await r.settle();
    expect(r.received.map((x) => x.marker)).toEqual([1]);
    expect(r.received[0]!.at).toBeGreaterThanOrEqual(deadline);
  });

  it('a datagram waiting on the socket at expiry: not sent, left to JavaScript', async () => {
    const r = rig();
    await r.settle(); // both fds in the loop's epoll set (libuv adds them at its next poll)
    const fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() - 1, a.raw4Armed!(r.sock, datagram(1), LOOPBACK), 1000);
    spin(2); // the timer has expired: its fd turns ready before the socket's
    a.raw4Send!(r.sock, datagram(2), LOOPBACK);
    await fired;
    expect(r.expiries).toEqual([ARMED.WAITING]);
    await r.settle();
    expect(r.received.map((x) => x.marker)).toEqual([2]);
  });

  it('more than maxLateMs late: not sent', async () => {
    const r = rig();
    const fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() - 10, a.raw4Armed!(r.sock, datagram(1), LOOPBACK), 5);
    await fired;
    expect(r.expiries).toEqual([ARMED.LATE]);
    await r.settle();
    expect(r.received).toEqual([]);
  });

  it('its socket closed: not sent', async () => {
    const r = rig();
    const fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() + 5, a.raw4Armed!(r.sock, datagram(1), LOOPBACK), 1000);
    a.raw4Close!(r.sock);
    await fired;
    expect(r.expiries).toEqual([ARMED.CLOSED]);
  });

  it('re-armed without it, or disarmed and re-armed: nothing is sent', async () => {
    const r = rig();
    const armed = a.raw4Armed!(r.sock, datagram(1), LOOPBACK);
    a.timerArm!(r.timer, a.monotonicMs!() + 5, armed, 1000);
    let fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() + 5);
    await fired;
    a.timerArm!(r.timer, a.monotonicMs!() + 5, armed, 1000);
    a.timerDisarm!(r.timer);
    fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() + 5);
    await fired;
    expect(r.expiries).toEqual([ARMED.NONE, ARMED.NONE]);
    await r.settle();
    expect(r.received).toEqual([]);
  });

  it('sent once: a timer re-armed for the same deadline without being given it again sends nothing more', async () => {
    const r = rig();
    const d = datagram(1);
    const armed = a.raw4Armed!(r.sock, d, LOOPBACK);
    let fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() + 5, armed, 1000);
    await fired;
    fired = r.next();
    a.timerArm!(r.timer, a.monotonicMs!() + 5);
    await fired;
    expect(r.expiries).toEqual([d.length, ARMED.NONE]);
  });

  it('refuses what is not an armed datagram', () => {
    const r = rig();
    expect(() => a.timerArm!(r.timer, a.monotonicMs!() + 1000, {} as never, 5)).toThrow(/raw4Armed/);
    expect(() => a.raw4Armed!(r.sock, new Uint8Array(4), LOOPBACK)).toThrow(/20\.\.65535/);
  });
});
