/**
 * Gratuitous ARP for IPv4 VIPs and unsolicited Neighbor Advertisements for IPv6 VIPs (RFC 3768
 * §6.4.1/§6.4.2, RFC 5798 §6.4.1/§6.4.2, RFC 4861 §7.2.6: a new master announces each VIP so
 * neighbours move it to its MAC). Frames are keepalived 2.2.7's, byte for byte (src/wire/arp.ts,
 * src/wire/ndisc.ts), sent whole through an AF_PACKET socket held by a small Node-API addon
 * (native/packet); iputils arping is the IPv4 fallback (there is none for IPv6: the IPv6 socket
 * needs the addon anyway). The NA's Router flag is keepalived's: set when IPv6 forwarding is on
 * for the interface, read again at most every 5 s. Why: native-notes/garp.md. Needs CAP_NET_RAW.
 */
import { readFile } from './fs-async.js';
import { err, ok, type Result } from '../result.js';
import { background } from '../background.js';
import { emitGarp } from '../wire/arp.js';
import { emitUnsolicitedNa } from '../wire/ndisc.js';
import { run } from './exec.js';
import { familyOf, parseIpAddress, type Ipv4Address, type Ipv6Address } from '../wire/address.js';
import { loadPacketAddon, type PacketAddon } from './packet-addon.js';
import { checkIfname } from './validate.js';
import { readIfindex } from './vrrp-socket.js';

export interface GarpError {
  readonly kind: 'no-addon' | 'invalid' | 'open-failed' | 'send-failed' | 'closed';
  readonly detail: string;
}

function loadAddon(): Result<PacketAddon, GarpError> {
  const r = loadPacketAddon();
  return r.ok ? r : err({ kind: 'no-addon', detail: `GARP: ${r.error.detail}` });
}

/** What the daemon uses: one sender per interface, whatever the mechanism. */
export interface GarpSender {
  readonly ifname: string;
  readonly mac: string;
  readonly mechanism: 'af-packet' | 'arping';
  /** `count` gratuitous ARPs (IPv4 `vip`) or unsolicited NAs (IPv6 `vip`); with af-packet all at once. */
  send(vip: string, count?: number): Promise<Result<number, GarpError>>;
  /** send() without the promise, where sending is synchronous (the addon). */
  sendNow?(vip: string, count?: number): Result<number, GarpError>;
  /** Builds the frames for `vips` ahead (a backup, before it takes over); an invalid one is left for send() to report. */
  prepare?(vips: readonly string[]): void;
  close(): void;
}

/** Sends gratuitous ARPs through the AF_PACKET addon, synchronously, frames built by us. */
export class PacketGarpSender implements GarpSender {
  readonly mechanism = 'af-packet' as const;
  private fd: number | undefined;
  /** Frames by VIP (and NA Router flag): the same bytes every time (MAC and address fixed for this sender). */
  private readonly frames = new Map<string, Uint8Array>();
  sent = 0;
  sendErrors = 0;

  constructor(
    private readonly native: PacketAddon,
    fd: number,
    readonly ifname: string,
    readonly ifindex: number,
    readonly mac: string,
    /** IPv6 forwarding on `ifname`: the NA's Router flag (keepalived's rule). */
    private readonly forwarding: Ipv6Forwarding = new Ipv6Forwarding(ifname),
  ) {
    this.fd = fd;
  }

  /** `count` gratuitous ARP requests (IPv4) or unsolicited NAs (IPv6) for `vip`. */
  send(vip: string, count = 1): Promise<Result<number, GarpError>> {
    return Promise.resolve(this.sendNow(vip, count));
  }

  /** Synchronous form of send(): returns the frames sent. */
  sendNow(vip: string, count = 1): Result<number, GarpError> {
    const frame = this.frameFor(vip);
    if (!frame.ok) return frame;
    for (let i = 0; i < count; i++) {
      const r = this.sendFrame(frame.value);
      if (!r.ok) return r;
    }
    return ok(count);
  }

  prepare(vips: readonly string[]): void {
    for (const vip of vips) this.frameFor(vip);
  }

  /**
   * keepalived's frame for `vip`: a gratuitous ARP request, or an unsolicited NA from the VIP to
   * all-nodes; built once per VIP (and, for an NA, per Router flag, which follows forwarding).
   */
  private frameFor(vip: string): Result<Uint8Array, GarpError> {
    const v6 = vip.includes(':');
    const router = v6 && this.forwarding.value();
    const key = router ? `${vip} router` : vip;
    const cached = this.frames.get(key);
    if (cached !== undefined) return ok(cached);
    const ip = parseIpAddress(vip);
    if (!ip.ok) return err({ kind: 'invalid', detail: ip.error.detail });
    const a = ip.value;
    const frame = familyOf(a) === 'ipv6' ? emitUnsolicitedNa(this.mac, a as Ipv6Address, router) : emitGarp(this.mac, a as Ipv4Address);
    this.frames.set(key, frame);
    return ok(frame);
  }

  /** Sends a complete Ethernet frame (destination MAC in its first 6 bytes). */
  sendFrame(frame: Uint8Array): Result<number, GarpError> {
    if (this.fd === undefined) return err({ kind: 'closed', detail: `GARP socket on ${this.ifname} is closed` });
    try {
      const n = this.native.send(this.fd, this.ifindex, frame);
      this.sent++;
      return ok(n);
    } catch (e) {
      this.sendErrors++;
      return err({ kind: 'send-failed', detail: `GARP on ${this.ifname}: ${(e as Error).message}` });
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      this.native.close(fd);
    } catch {
      // nothing useful to do: the fd is gone either way
    }
  }
}

/**
 * Whether IPv6 forwarding is on for an interface (/proc/sys/net/ipv6/conf/IF/forwarding), as
 * keepalived reads it for the NA's Router flag: at most every 5 s, in the background, so sending
 * never waits for the file; until the first read completes, off.
 */
export class Ipv6Forwarding {
  #on = false;
  #readAt = -Infinity;

  constructor(
    private readonly ifname: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The last value read; starts a new read when it is older than 5 s. */
  value(): boolean {
    // refresh() catches its own errors: nothing can reach the handler.
    if (this.now() - this.#readAt >= 5000) background(this.refresh(), () => undefined);
    return this.#on;
  }

  /** Reads the sysctl now (an unreadable file counts as off). */
  async refresh(): Promise<boolean> {
    this.#readAt = this.now();
    try {
      this.#on = (await readFile(`/proc/sys/net/ipv6/conf/${this.ifname}/forwarding`, 'utf8')).trim() !== '0';
    } catch {
      this.#on = false;
    }
    return this.#on;
  }
}

/** The interface's MAC from /sys/class/net/IF/address. */
export async function readMac(ifname: string): Promise<Result<string, GarpError>> {
  const name = checkIfname(ifname);
  if (!name.ok) return err({ kind: 'invalid', detail: name.error.detail });
  try {
    const mac = (await readFile(`/sys/class/net/${ifname}/address`, 'utf8')).trim().toLowerCase();
    if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return ok(mac);
    return err({ kind: 'invalid', detail: `${ifname} has no Ethernet address (${mac})` });
  } catch {
    return err({ kind: 'invalid', detail: `no interface ${ifname}` });
  }
}

/**
 * Fallback when the addon is not built: iputils `arping -U -c COUNT -I IF VIP` (execFile). Its
 * frame is the same 42 bytes, but each arping run lasts COUNT seconds (one frame a second),
 * so a burst is spread out instead of sent at once. See native-notes/garp.md.
 */
export class ArpingGarpSender implements GarpSender {
  readonly mechanism = 'arping' as const;
  constructor(
    readonly ifname: string,
    readonly mac: string,
    private readonly arpingPath = 'arping',
  ) {}

  async send(vip: string, count = 1): Promise<Result<number, GarpError>> {
    const ip = parseIpAddress(vip, 'ipv4');
    if (!ip.ok) {
      const v6 = parseIpAddress(vip, 'ipv6').ok;
      return err({ kind: v6 ? 'no-addon' : 'invalid', detail: v6 ? `unsolicited NA for ${vip} needs the native addon (arping speaks ARP only)` : ip.error.detail });
    }
    const n = Math.max(1, Math.min(100, Math.floor(count)));
    const r = await run(this.arpingPath, ['-q', '-U', '-c', String(n), '-I', this.ifname, ip.value], { timeoutMs: (n + 2) * 1000 });
    return r.ok ? ok(n) : err({ kind: 'send-failed', detail: r.error.detail });
  }

  close(): void {}
}

/**
 * Opens a GARP sender for `ifname` (MAC and index read now; reopen if the interface is
 * recreated). `mechanism`: 'af-packet' (the addon, the default), 'arping', or 'auto' (the
 * addon when it loads, else arping).
 */
export async function openGarpSender(ifname: string, opts: { mechanism?: 'af-packet' | 'arping' | 'auto' } = {}): Promise<Result<GarpSender, GarpError>> {
  const mechanism = opts.mechanism ?? 'af-packet';
  if (mechanism === 'arping') return openArping(ifname);
  const native = loadAddon();
  if (!native.ok) return mechanism === 'auto' ? openArping(ifname) : native;
  const ifindex = await readIfindex(ifname);
  if (!ifindex.ok) return err({ kind: 'invalid', detail: ifindex.error.detail });
  const mac = await readMac(ifname);
  if (!mac.ok) return mac;
  let fd: number;
  try {
    fd = native.value.open();
  } catch (e) {
    const hint = /permitted/i.test((e as Error).message) ? ' (needs CAP_NET_RAW)' : '';
    return err({ kind: 'open-failed', detail: `${(e as Error).message}${hint}` });
  }
  const forwarding = new Ipv6Forwarding(ifname);
  await forwarding.refresh();
  return ok(new PacketGarpSender(native.value, fd, ifname, ifindex.value, mac.value, forwarding));
}

async function openArping(ifname: string): Promise<Result<GarpSender, GarpError>> {
  const mac = await readMac(ifname);
  return mac.ok ? ok(new ArpingGarpSender(ifname, mac.value)) : mac;
}
