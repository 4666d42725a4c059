/**
 * The takeover's code compiled at start, with no side effect. The bin runs V8 lazily (no
 * `--no-lazy`: each function is compiled at its first call, and `--no-flush-bytecode` keeps it
 * compiled), which saves ~2 MB of bytecode for code a daemon never runs; but a fresh backup's
 * first takeover would then compile the MASTER path on the spot, between the armed advert the
 * kernel timer sent and the VIPs. So before the real instances start, a scratch Instance (the same
 * classes the daemon runs, so the same compiled functions) goes INIT -> BACKUP -> MASTER (the
 * takeover advert "sent" by a fake kernel timer) -> steady adverts -> BACKUP (a better peer) ->
 * MASTER (the timeout's JavaScript send) -> shutdown (priority 0), on a clock and a timer queue of
 * its own (clock.ts `queueOnClock`), a NetlinkBatcher talking to a fake kernel that acknowledges
 * every request, and I/O that sends nothing; a scratch kernel timer fires once (its callback).
 *
 * Nothing leaves the process: no packet, no address, no GARP, no log line (a logger that discards),
 * no counter or status the daemon reports (the scratch instance is in no slot and has no metrics
 * hook), no timer left armed. docs/performance.md, "Lazy compilation and a warm-up at start".
 */
import { receiverSpec } from './build.js';
import { Instance, type InstanceSpec } from './instance.js';
import { SlotIo, type InstanceWiring } from './slot.js';
import { queueOnClock } from './clock.js';
import { describeEntry, HOST_OPS, type HostEntry } from './host-entry.js';
import { createLogger } from './log.js';
import { NetlinkBatcher } from '../io/addr-netlink.js';
import { openKernelTimer, type KernelTimer } from '../io/kernel-timer.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../io/garp-schedule.js';
import { checkVip, type AddrOutcome, type CheckedVip } from '../io/ip-addr.js';
import type { ArmedDatagram } from '../io/packet-addon.js';
import { VrrpInterfaceMux, type PacketPort, type ReceivedAdvert, type Registration } from '../io/vrrp-mux.js';
import type { RtnlSocket } from '../io/rtnl-socket.js';
import type { Wake } from './deadline-queue.js';
import { priority, vrid } from '../protocol/types.js';
import { err, ok } from '../result.js';
import { ipAddress, type Family, type IpAddress } from '../wire/address.js';
import type { Advert, VrrpVersion } from '../wire/types.js';

/** One kind of instance a configuration runs: its code paths differ by version and family. */
export interface WarmKind {
  readonly version: VrrpVersion;
  readonly family: Family;
}

/** Documentation addresses (RFC 5737, RFC 3849) on an interface name no host has. */
const NET: Readonly<Record<Family, { group: string; me: string; peer: string; vip: string }>> = {
  ipv4: { group: '224.0.0.18', me: '192.0.2.2', peer: '192.0.2.1', vip: '192.0.2.100/32' },
  ipv6: { group: 'ff02::12', me: 'fe80::2', peer: 'fe80::1', vip: '2001:db8::100/128' },
};
const DEV = 'vrrpd-warm';
const PASS = new Uint8Array([0x77, 0x61, 0x72, 0x6d, 0, 0, 0, 0]);
/** How many loop turns a scratch step may take to settle (VIP passes, the batcher's immediates). */
const MAX_TURNS = 50;
/** At most this long for the scratch kernel timer's expiry (a deadline in the past: it fires at once). */
const KERNEL_TIMER_WAIT_MS = 100;

/** What one kind's scratch run went through (the tests check it still takes the whole path). */
export interface WarmRun {
  readonly kind: WarmKind;
  /** The states it entered, in order. */
  readonly states: readonly string[];
  /** Adverts handed to its (fake) socket, the takeover's armed one not included. */
  readonly adverts: number;
  /** Address changes its (fake) kernel acknowledged. */
  readonly addressChanges: number;
  /** Gratuitous ARPs (or unsolicited NAs) handed to its (fake) sender. */
  readonly garps: number;
  /** Set when it threw: what it did not get to is compiled at the first real takeover, as without it. */
  readonly failed?: string;
}

/** Runs every kind's scratch takeover in turn; resolves when they are all stopped. Never throws. */
export async function warmTakeoverPath(kinds: readonly WarmKind[]): Promise<WarmRun[]> {
  await warmKernelTimer();
  await warmHostOps();
  const runs: WarmRun[] = [];
  for (const kind of kinds) runs.push(await warmOne(kind));
  return runs;
}

/**
 * A backup's timer queue may never wake before its takeover (each advert heard re-arms its
 * Master_Down deadline), so the kernel timer's expiry callback would first run then: a scratch
 * timerfd armed in the past fires it once now (no datagram armed: nothing is sent), then closes.
 */
async function warmKernelTimer(): Promise<void> {
  let timer: KernelTimer | undefined;
  let guard: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    const opened = openKernelTimer(() => resolve());
    if (!opened.ok) return resolve(); // no addon: the daemon's timers run on setTimeout
    timer = opened.value;
    guard = setTimeout(resolve, KERNEL_TIMER_WAIT_MS);
    timer.arm(0);
  });
  clearTimeout(guard);
  timer?.close();
}

/**
 * The daemon's own address operations (host-entry.ts HOST_OPS, ip-addr.ts `changeAddresses`) up to
 * their check, with an address no check lets through: nothing reaches the kernel (the scratch
 * instance's operations go to the NetlinkBatcher directly).
 */
async function warmHostOps(): Promise<void> {
  const invalid: HostEntry = { kind: 'addr', vip: { address: 'not-an-address', dev: DEV } };
  try {
    await HOST_OPS.apply('present', [invalid]);
    await HOST_OPS.apply('absent', [invalid]);
  } catch {
    // a bug there shows at the first real takeover, not here
  }
}

/** The distinct (version, family) pairs of `instances`, VRRPv2 over IPv4 first if present. */
export function warmKinds(instances: readonly WarmKind[]): WarmKind[] {
  const seen = new Map<string, WarmKind>();
  for (const i of instances) {
    const key = `${i.version}/${i.family}`;
    if (!seen.has(key)) seen.set(key, { version: i.version, family: i.family });
  }
  return [...seen.values()];
}

async function warmOne(kind: WarmKind): Promise<WarmRun> {
  const net = NET[kind.family];
  const rig = scratchRig();
  const states: string[] = [];
  const vip: HostEntry = { kind: 'addr', vip: { address: net.vip, dev: DEV } };
  const vipAddress = ipAddress(net.vip.replace(/\/.*/, ''));
  const spec: InstanceSpec<HostEntry> = {
    router: {
      name: 'warm-up',
      vrid: vrid(1),
      version: kind.version,
      family: kind.family,
      priority: priority(100),
      adverIntervalCs: 100,
      preempt: true,
      preemptDelayMs: 0,
      acceptMode: true,
      auth: kind.version === 2 ? { type: 1, data: PASS } : undefined,
      vips: [vipAddress],
      primaryIp: ipAddress(net.me),
      addressMismatch: 'accept',
    },
    vips: [vip],
    garpAddresses: [vipAddress],
    garp: KEEPALIVED_GARP_DEFAULTS,
  };
  const group = ipAddress(net.group);
  let inst: Instance<HostEntry> | undefined;
  let registration: Registration | undefined;
  try {
    // Wired as the daemon wires an instance (slot.ts wireInstance): its sends go through a registration with an interface mux.
    const sender: { via: Registration | undefined } = { via: undefined };
    const destinations = [group];
    inst = new Instance(spec, new SlotIo(rig.wiring, destinations, sender));
    const made = inst;
    const reg = rig.mux(kind.family).register('warm-up', { spec: receiverSpec(made, []), onAdvert: (rx) => made.receive(rx), destinations, source: spec.router.primaryIp });
    if (!reg.ok) throw new Error(reg.error.detail);
    sender.via = registration = reg.value;
    const settled = inst.facts.bind(inst);
    inst.onStateChange((e) => void states.push(e.to));
    inst.start(); // INIT -> BACKUP: its takeover advert built and armed
    rig.expire(true); // Master_Down: the fake kernel timer "sent" it; BACKUP -> MASTER, VIPs asked for
    await rig.settle(() => settled().vipsSettled);
    rig.expire(false); // a master's steady advert (and the GARP schedule's timer)
    rig.expire(false);
    // A better peer: MASTER -> BACKUP, VIPs removed.
    inst.receive(better(kind, spec.router.vips, ipAddress(net.peer), group, rig.now()));
    await rig.settle(() => settled().vipsSettled);
    rig.expire(false); // Master_Down again, without the armed send: the JavaScript path sends it
    await rig.settle(() => settled().vipsSettled);
    await inst.stop(); // MASTER -> INIT: priority 0, VIPs removed
    return { kind, states, adverts: rig.adverts(), addressChanges: rig.addressChanges(), garps: rig.garps() };
  } catch (e) {
    if (inst !== undefined) await inst.stop().catch(() => undefined);
    return { kind, states, adverts: rig.adverts(), addressChanges: rig.addressChanges(), garps: rig.garps(), failed: String(e) };
  } finally {
    registration?.unregister();
    rig.close();
  }
}

/** An advert from a peer of higher priority (RFC 3768 §6.4.3: a master receiving it goes BACKUP). */
function better(kind: WarmKind, vips: readonly IpAddress[], src: IpAddress, dst: IpAddress, at: number): ReceivedAdvert {
  const advert: Advert = { version: kind.version, type: 1, vrid: 1, priority: 200, adverIntervalCs: 100, addresses: vips, ...(kind.version === 2 ? { auth: { type: 1, data: PASS } } : {}) };
  const ip = { family: kind.family, src, dst, ttl: 255, tos: kind.family === 'ipv4' ? 0xc0 : undefined, vrrp: new Uint8Array(0), ah: false } as ReceivedAdvert['ip'];
  return { advert, ip, checksum: 'rfc', arrivedAt: at };
}

/** A clock, a timer queue driven by hand, a fake kernel behind a NetlinkBatcher, and I/O that sends nothing. */
function scratchRig() {
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
  const log = createLogger({ json: true, destination: { write: () => undefined } });
  const token = {} as ArmedDatagram;
  let adverts = 0;
  let addressChanges = 0;
  let garps = 0;
  const wiring: InstanceWiring = {
    now,
    log,
    vipOps: {
      apply: async (state, entries) => {
        const checked = entries.map((e) => (e.kind === 'addr' ? checkVip(state === 'present' ? 'add' : 'del', e.vip) : err({ kind: 'invalid' as const, detail: 'not an address', stderr: '' })));
        const valid = checked.flatMap((c): CheckedVip[] => (c.ok ? [c.value] : []));
        const done: AddrOutcome[] = await batcher.submit(valid);
        addressChanges += done.filter((d) => d.ok).length;
        let next = 0;
        return checked.map((c) => (c.ok ? done[next++]! : c));
      },
      describe: describeEntry,
    },
    garp: (addresses, count) => {
      garps += addresses.length * count;
      return Promise.resolve({ sent: addresses.length * count, failed: 0 });
    },
  };
  /** A socket that sends nothing: the mux's sends end here (the takeover's is the one the fake kernel timer "sent"). */
  const port = (family: Family): PacketPort => ({
    ifname: DEV,
    family,
    on: () => undefined,
    off: () => undefined,
    send: (payload, _dst, _src, armedSent) => {
      if (armedSent === undefined) adverts++;
      return ok(payload.length);
    },
    prepare: () => undefined,
    arm: () => token,
  });
  return {
    now,
    wiring,
    mux: (family: Family) => new VrrpInterfaceMux(port(family), { now }),
    adverts: () => adverts,
    garps: () => garps,
    addressChanges: () => addressChanges,
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

/** A NETLINK_ROUTE socket that acknowledges every request (NLMSG_ERROR, error 0) and sends nothing. */
function fakeKernel(): RtnlSocket {
  return { ifindex: () => 1, talk: acknowledgeAll, close: () => undefined };
}

const NLMSG_HDRLEN = 16;
const NLMSG_ERROR = 2;
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One acknowledgement per request in `requests` (netlink messages, 4-aligned): error 0 and the request's header. */
function acknowledgeAll(requests: Uint8Array): Uint8Array {
  const view = new DataView(requests.buffer, requests.byteOffset, requests.byteLength);
  const acks: Uint8Array[] = [];
  for (let at = 0; at + NLMSG_HDRLEN <= requests.length; ) {
    const len = view.getUint32(at, HOST_LE);
    if (len < NLMSG_HDRLEN) break;
    const ack = new Uint8Array(NLMSG_HDRLEN + 4 + NLMSG_HDRLEN);
    const out = new DataView(ack.buffer);
    out.setUint32(0, ack.length, HOST_LE);
    out.setUint16(4, NLMSG_ERROR, HOST_LE);
    out.setUint32(8, view.getUint32(at + 8, HOST_LE), HOST_LE);
    ack.set(requests.subarray(at, at + NLMSG_HDRLEN), NLMSG_HDRLEN + 4);
    acks.push(ack);
    at += (len + 3) & ~3;
  }
  const all = new Uint8Array(acks.length * (NLMSG_HDRLEN + 4 + NLMSG_HDRLEN));
  acks.forEach((a, i) => all.set(a, i * a.length));
  return all;
}
