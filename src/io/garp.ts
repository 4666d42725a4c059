/**
 * Gratuitous ARP (RFC 3768 §6.4.1/§6.4.2: a new master broadcasts one per VIP so neighbours
 * move the VIP to its MAC). Frames are keepalived 2.2.7's, byte for byte (src/wire/arp.ts),
 * sent whole through an AF_PACKET socket held by a small Node-API addon (native/packet);
 * iputils arping is the fallback. Why: native-notes/garp.md. Needs CAP_NET_RAW.
 */
import { readFile } from 'node:fs/promises';
import { err, ok, type Result } from '../result.js';
import { emitGarp } from '../wire/arp.js';
import { run } from './exec.js';
import { parseIpAddress } from '../wire/address.js';
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
  /** `count` gratuitous ARPs for `vip`; with af-packet all at once. */
  send(vip: string, count?: number): Promise<Result<number, GarpError>>;
  close(): void;
}

/** Sends gratuitous ARPs through the AF_PACKET addon, synchronously, frames built by us. */
export class PacketGarpSender implements GarpSender {
  readonly mechanism = 'af-packet' as const;
  private fd: number | undefined;
  /** Frames by VIP: the same bytes every time (MAC and address fixed for this sender). */
  private readonly frames = new Map<string, Uint8Array>();
  sent = 0;
  sendErrors = 0;

  constructor(
    private readonly native: PacketAddon,
    fd: number,
    readonly ifname: string,
    readonly ifindex: number,
    readonly mac: string,
  ) {
    this.fd = fd;
  }

  /** `count` gratuitous ARP requests for `vip` (sender = target = vip, target MAC broadcast). */
  send(vip: string, count = 1): Promise<Result<number, GarpError>> {
    return Promise.resolve(this.sendNow(vip, count));
  }

  /** Synchronous form of send(): returns the frames sent. */
  sendNow(vip: string, count = 1): Result<number, GarpError> {
    let frame = this.frames.get(vip);
    if (frame === undefined) {
      const ip = parseIpAddress(vip, 'ipv4');
      if (!ip.ok) return err({ kind: 'invalid', detail: ip.error.detail });
      frame = emitGarp(this.mac, ip.value);
      this.frames.set(vip, frame);
    }
    for (let i = 0; i < count; i++) {
      const r = this.sendFrame(frame);
      if (!r.ok) return r;
    }
    return ok(count);
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
    if (!ip.ok) return err({ kind: 'invalid', detail: ip.error.detail });
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
  return ok(new PacketGarpSender(native.value, fd, ifname, ifindex.value, mac.value));
}

async function openArping(ifname: string): Promise<Result<GarpSender, GarpError>> {
  const mac = await readMac(ifname);
  return mac.ok ? ok(new ArpingGarpSender(ifname, mac.value)) : mac;
}
