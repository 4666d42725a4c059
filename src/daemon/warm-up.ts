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
import { SlotIo } from './slot.js';
import { HOST_OPS, type HostEntry } from './host-entry.js';
import { SCRATCH_DEV, scratchRig } from './warm-up-rig.js';
import { openKernelTimer, type KernelTimer } from '../io/kernel-timer.js';
import { KEEPALIVED_GARP_DEFAULTS } from '../io/garp-schedule.js';
import type { ReceivedAdvert, Registration } from '../io/vrrp-mux.js';
import { priority, vrid, type RouterState } from '../protocol/types.js';
import { ipAddress, type Family, type IpAddress } from '../wire/address.js';
import { VRRP_MCAST_GROUP4, VRRP_MCAST_GROUP6 } from '../wire/constants.js';
import type { Advert, VrrpVersion } from '../wire/types.js';

/** One kind of instance a configuration runs: its code paths differ by version and family. */
export interface WarmKind {
  readonly version: VrrpVersion;
  readonly family: Family;
}

/** Documentation addresses (RFC 5737, RFC 3849) on an interface name no host has. */
const NET: Readonly<Record<Family, { group: IpAddress; me: string; peer: string; vip: string; prefix: number }>> = {
  ipv4: { group: VRRP_MCAST_GROUP4, me: '192.0.2.2', peer: '192.0.2.1', vip: '192.0.2.100', prefix: 32 },
  ipv6: { group: VRRP_MCAST_GROUP6, me: 'fe80::2', peer: 'fe80::1', vip: '2001:db8::100', prefix: 128 },
};
const PASS = new Uint8Array([0x77, 0x61, 0x72, 0x6d, 0, 0, 0, 0]);
/** At most this long for the scratch kernel timer's expiry (a deadline in the past: it fires at once). */
const KERNEL_TIMER_WAIT_MS = 100;

/** What one kind's scratch run went through (the tests check it still takes the whole path). */
export interface WarmRun {
  readonly kind: WarmKind;
  /** The states it entered, in order. */
  readonly states: readonly RouterState[];
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
  const invalid: HostEntry = { kind: 'addr', vip: { address: 'not-an-address', dev: SCRATCH_DEV } };
  try {
    await HOST_OPS.apply('present', [invalid]);
    await HOST_OPS.apply('absent', [invalid]);
  } catch {
    // a bug there shows at the first real takeover, not here
  }
}

/** The distinct (version, family) pairs of `instances`, in the order they first appear. */
export function warmKinds(instances: readonly WarmKind[]): WarmKind[] {
  const seen = new Map<string, WarmKind>();
  for (const i of instances) {
    const key = `${i.version}/${i.family}`;
    if (!seen.has(key)) seen.set(key, { version: i.version, family: i.family });
  }
  return [...seen.values()];
}

/** The scratch instance's configuration: documentation addresses on an interface no host has. */
function scratchSpec(kind: WarmKind): InstanceSpec<HostEntry> {
  const net = NET[kind.family];
  const vip = ipAddress(net.vip);
  return {
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
      vips: [vip],
      primaryIp: ipAddress(net.me),
      addressMismatch: 'accept',
    },
    vips: [{ kind: 'addr', vip: { address: `${vip}/${net.prefix}`, dev: SCRATCH_DEV } }],
    garpAddresses: [vip],
    garp: KEEPALIVED_GARP_DEFAULTS,
  };
}

/** One kind's scratch instance through a takeover, a master's adverts, a step down, a second takeover and a shutdown. */
async function warmOne(kind: WarmKind): Promise<WarmRun> {
  const rig = scratchRig();
  const spec = scratchSpec(kind);
  const group = NET[kind.family].group;
  const states: RouterState[] = [];
  const ran = (failed?: string): WarmRun => ({ kind, states, adverts: rig.adverts(), addressChanges: rig.addressChanges(), garps: rig.garps(), ...(failed !== undefined && { failed }) });
  let inst: Instance<HostEntry> | undefined;
  let registration: Registration | undefined;
  try {
    // Wired as the daemon wires an instance (slot.ts wireInstance): its sends go through a registration with an interface mux.
    const sender: { via: Registration | undefined } = { via: undefined };
    const made = (inst = new Instance(spec, new SlotIo(rig.wiring, [group], sender)));
    const reg = rig.mux(kind.family).register('warm-up', { spec: receiverSpec(made, []), onAdvert: (rx) => made.receive(rx), destinations: [group], source: spec.router.primaryIp });
    if (!reg.ok) throw new Error(reg.error.detail);
    sender.via = registration = reg.value;
    const settled = (): boolean => made.facts().vipsSettled;
    made.onStateChange((e) => void states.push(e.to));
    made.start(); // INIT -> BACKUP: its takeover advert built and armed
    rig.expire(true); // Master_Down: the fake kernel timer "sent" it; BACKUP -> MASTER, VIPs asked for
    await rig.settle(settled);
    rig.expire(false); // a master's steady advert (and the GARP schedule's timer)
    rig.expire(false);
    made.receive(better(kind, spec.router.vips, ipAddress(NET[kind.family].peer), group, rig.now())); // MASTER -> BACKUP, VIPs removed
    await rig.settle(settled);
    rig.expire(false); // Master_Down again, without the armed send: the JavaScript path sends it
    await rig.settle(settled);
    await made.stop(); // MASTER -> INIT: priority 0, VIPs removed
    return ran();
  } catch (e) {
    if (inst !== undefined) await inst.stop().catch(() => undefined);
    return ran(String(e));
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
