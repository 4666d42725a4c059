/**
 * The warm-up's scratch world (warm-up.ts): a clock and a deadline queue driven by hand, a
 * NetlinkBatcher whose socket is a fake kernel acknowledging every request, an instance wiring
 * whose GARPs go nowhere and a logger that writes nowhere, and a port for an interface mux that
 * sends nothing. Nothing here reaches the host.
 */
import { queueOnClock } from './clock.js';
import type { Wake } from './deadline-queue.js';
import { describeEntry } from './host-entry.js';
import { createLogger } from './log.js';
import type { InstanceWiring } from './slot.js';
import { NetlinkBatcher } from '../io/addr-netlink.js';
import { checkVip, type AddrOutcome, type CheckedVip } from '../io/ip-addr.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import type { RtnlSocket } from '../io/rtnl-socket.js';
import { VrrpInterfaceMux, type PacketPort } from '../io/vrrp-mux.js';
import { err, ok } from '../result.js';
import type { Family } from '../wire/address.js';
import { align4, HOST_LE, NLMSG_ERROR, NLMSG_HDRLEN } from '../wire/rtnl.js';

/** An interface name no host has (the scratch instance's addresses name it; none reaches the kernel). */
export const SCRATCH_DEV = 'vrrpd-warm';
/** How many loop turns a scratch step may take to settle (VIP passes, the batcher's immediates). */
const MAX_TURNS = 50;

/** What the scratch world saw go out (to nowhere). */
interface Tally {
  adverts: number;
  addressChanges: number;
  garps: number;
}

/** A clock, a timer queue driven by hand, a fake kernel behind a NetlinkBatcher, and I/O that sends nothing. */
export function scratchRig() {
  let t = 1_000_000;
  const now = (): number => t;
  let onWake: (armed: number) => void = () => undefined;
  let wakeAt: number | undefined;
  const queue = queueOnClock(now, (w): Wake => {
    onWake = w;
    return { arm: (d) => void (wakeAt = d), disarm: () => void (wakeAt = undefined) };
  });
  const batcher = new NetlinkBatcher(undefined, () => ok(fakeKernel()));
  // As the daemon does (daemon.ts): a timer batch's addresses leave before its other work.
  queue.betweenTiers = () => batcher.flushNow();
  const tally: Tally = { adverts: 0, addressChanges: 0, garps: 0 };
  return {
    now,
    wiring: scratchWiring(now, batcher, tally),
    mux: (family: Family) => new VrrpInterfaceMux(silentPort(family, tally), { now }),
    adverts: () => tally.adverts,
    garps: () => tally.garps,
    addressChanges: () => tally.addressChanges,
    /** The queue's next deadline passes: `sent`, the wake source sent the head slot's armed datagram. */
    expire(sent: boolean): void {
      if (wakeAt === undefined) return;
      t = wakeAt + 0.05;
      wakeAt = undefined;
      onWake(sent ? 60 : 0);
    },
    /** Lets the loop turn until `done` (the VIP passes and the batcher use promises and setImmediate). */
    async settle(done: () => boolean): Promise<void> {
      for (let i = 0; i < MAX_TURNS && !(done() && batcher.idle); i++) await new Promise((r) => setImmediate(r));
    },
    close(): void {
      queue.betweenTiers = undefined;
    },
  };
}

/**
 * The daemon's wiring of an instance, to nowhere: addresses to the scratch batcher, GARPs counted,
 * log lines dropped. No `startTrain`: an advert train is the addon's own timer sending real
 * adverts (on unless VRRPD_ADVERT_TRAIN=0), so the scratch master never hands one over.
 */
function scratchWiring(now: () => number, batcher: NetlinkBatcher, tally: Tally): InstanceWiring {
  return {
    now,
    log: createLogger({ json: true, destination: { write: () => undefined } }),
    vipOps: {
      apply: async (state, entries) => {
        const checked = entries.map((e) => (e.kind === 'addr' ? checkVip(state === 'present' ? 'add' : 'del', e.vip) : err({ kind: 'invalid' as const, detail: 'not an address', stderr: '' })));
        const valid = checked.flatMap((c): CheckedVip[] => (c.ok ? [c.value] : []));
        const done: AddrOutcome[] = await batcher.submit(valid);
        tally.addressChanges += done.filter((d) => d.ok).length;
        let next = 0;
        return checked.map((c) => (c.ok ? done[next++]! : c));
      },
      describe: describeEntry,
    },
    garp: (addresses, count) => {
      tally.garps += addresses.length * count;
      return Promise.resolve({ sent: addresses.length * count, failed: 0 });
    },
  };
}

const TOKEN = {} as ArmedDatagram;

/** A socket that sends nothing: the mux's sends end here (the takeover's is the one the fake kernel timer "sent"). */
function silentPort(family: Family, tally: Tally): PacketPort {
  return {
    ifname: SCRATCH_DEV,
    family,
    on: () => undefined,
    off: () => undefined,
    send: (payload, _dst, _src, armedSent) => {
      if (armedSent === undefined) tally.adverts++;
      return ok(payload.length);
    },
    prepare: () => undefined,
    arm: () => TOKEN,
  };
}

/** A NETLINK_ROUTE socket that acknowledges every request (NLMSG_ERROR, error 0) and sends nothing. */
function fakeKernel(): RtnlSocket {
  return { ifindex: () => 1, talk: acknowledgeAll, close: () => undefined };
}

const ACK_LEN = NLMSG_HDRLEN + 4 + NLMSG_HDRLEN;

/** One acknowledgement per request in `requests` (netlink messages, 4-aligned): error 0 and the request's header. */
function acknowledgeAll(requests: Uint8Array): Uint8Array {
  const view = new DataView(requests.buffer, requests.byteOffset, requests.byteLength);
  const acks: Uint8Array[] = [];
  for (let at = 0; at + NLMSG_HDRLEN <= requests.length; ) {
    const len = view.getUint32(at, HOST_LE);
    if (len < NLMSG_HDRLEN) break;
    const ack = new Uint8Array(ACK_LEN);
    const out = new DataView(ack.buffer);
    out.setUint32(0, ack.length, HOST_LE);
    out.setUint16(4, NLMSG_ERROR, HOST_LE);
    out.setUint32(8, view.getUint32(at + 8, HOST_LE), HOST_LE);
    ack.set(requests.subarray(at, at + NLMSG_HDRLEN), NLMSG_HDRLEN + 4);
    acks.push(ack);
    at += align4(len);
  }
  const all = new Uint8Array(acks.length * ACK_LEN);
  acks.forEach((a, i) => all.set(a, i * ACK_LEN));
  return all;
}
