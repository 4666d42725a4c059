/**
 * Packet injector for the lab and the invalid-packet tests: crafts VRRP advertisements (v2 or v3,
 * IPv4) that are wrong in exactly one way (`craftInvalid`) or any way at all (`craftDatagram`), and sends
 * whole IPv4 datagrams (our own header, so any TTL or options) through an IP_HDRINCL raw socket.
 *
 * Linux fills in the IP header checksum and total length of an IP_HDRINCL datagram itself
 * (raw(7)), so those two cannot be forged here; everything else can.
 *
 * Crafting is pure and runs anywhere. Sending needs root and must run inside the namespace the
 * packets leave from: `node dist/src/lab/injector.js --agent` there reads one JSON command per
 * line on stdin (`send`, `flood`, `exit`, datagrams as hex) and answers one JSON line each.
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result } from '../result.js';
import { emitRawAdvert, type RawAdvertFields } from '../wire/advert-raw.js';
import { advertChecksum, authDataFromPassword } from '../wire/advert.js';
import { readIpv4, type Ipv4Address } from '../wire/address.js';
import { VRRP_MCAST_GROUP4 } from '../wire/constants.js';
import { emitIpv4, IPV4_FIELD, type Ipv4EmitFields } from '../wire/ipv4.js';
import { IPPROTO_IP, IP_HDRINCL, SOL_SOCKET, SO_BINDTODEVICE, ifnameOpt, intOpt } from '../io/sockopt.js';

/** One datagram to build: the advert's raw fields, IP header overrides, and an optional cut. */
export interface CraftSpec {
  readonly src: Ipv4Address;
  /** Default 224.0.0.18. */
  readonly dst?: Ipv4Address;
  readonly advert: RawAdvertFields;
  readonly ip?: Omit<Ipv4EmitFields, 'src' | 'dst'>;
  /** Keep only the first N bytes of the VRRP payload (a truncated advert with a consistent IP header). */
  readonly truncateTo?: number;
}

/** A whole IPv4 datagram carrying the crafted advert. */
export function craftDatagram(spec: CraftSpec): Uint8Array {
  const dst = spec.dst ?? VRRP_MCAST_GROUP4;
  const pseudo = { family: 'ipv4' as const, src: spec.src, dst };
  let payload = emitRawAdvert({ pseudo, ...spec.advert });
  if (spec.truncateTo !== undefined) {
    // Cut, then checksum what is left: the packet is short, not corrupt.
    payload = payload.slice(0, Math.max(0, spec.truncateTo));
    if (spec.advert.checksum === undefined && payload.length >= 8) {
      const sum = advertChecksum(payload, spec.advert.version === 3 ? 3 : 2, pseudo);
      payload[6] = sum >>> 8;
      payload[7] = sum & 0xff;
    }
  }
  return emitIpv4({ ...(spec.ip ?? {}), src: spec.src, dst }, payload);
}

/** What the target runs: a valid advert from `src` is built from these. */
export interface TargetProfile {
  readonly src: Ipv4Address;
  /** Default 224.0.0.18; a unicast address reaches one router only. */
  readonly dst?: Ipv4Address;
  /** The target's VRRP version; default 2. */
  readonly version?: 2 | 3;
  readonly vrid: number;
  /** Priority of the (otherwise valid) advert; default 50 (below a typical master: it changes nothing). */
  readonly priority?: number;
  /** PASS password (VRRPv2); undefined = auth type 0. */
  readonly password?: string;
  /** The target's advert_int in centiseconds. */
  readonly adverIntervalCs: number;
  readonly addresses: readonly Ipv4Address[];
}

/** Every single-fault advert the injector knows, plus `valid` (the control). */
export const INVALID_KINDS = [
  'valid',
  'ttl-254',
  'bad-checksum',
  'version-1',
  'version-mismatch',
  'type-2',
  'unknown-vrid',
  'auth-type-mismatch',
  'auth-type-ah',
  'auth-data-mismatch',
  'interval-mismatch',
  'count-mismatch',
  'count-zero',
  'address-list-mismatch',
  'truncated',
  'oversized',
  'ip-options',
  'priority-255',
] as const;
export type InvalidKind = (typeof INVALID_KINDS)[number];

/** The valid advert for a target, as a spec to bend. */
export function validSpec(t: TargetProfile): CraftSpec {
  const v3 = t.version === 3;
  return {
    src: t.src,
    ...(t.dst !== undefined ? { dst: t.dst } : {}),
    advert: {
      version: v3 ? 3 : 2,
      vrid: t.vrid,
      priority: t.priority ?? 50,
      ...(v3 ? {} : { authType: t.password === undefined ? 0 : 1, authData: authDataFromPassword(t.password) }),
      adverInt: v3 ? t.adverIntervalCs : t.adverIntervalCs / 100,
      addresses: t.addresses,
    },
  };
}

/**
 * An advert for `t` that is wrong in exactly the way `kind` names (RFC 3768 §7.1 / RFC 5798 §7.1
 * checks). The v2-only kinds (authentication, interval) are not available for a v3 target.
 */
export function craftInvalid(kind: InvalidKind, t: TargetProfile): Uint8Array {
  const base = validSpec(t);
  const a = base.advert;
  const v3 = t.version === 3;
  const withAdvert = (over: Partial<RawAdvertFields>): CraftSpec => ({ ...base, advert: { ...a, ...over } });
  const v2Only = (k: string): never => {
    throw new RangeError(`${k} applies to VRRPv2 targets only`);
  };
  const specs: Record<InvalidKind, () => CraftSpec> = {
    valid: () => base,
    'ttl-254': () => ({ ...base, ip: { ttl: 254 } }),
    'bad-checksum': () => withAdvert({ checksum: (checksumOf(base) + 1) & 0xffff }),
    'version-1': () => withAdvert({ version: 1 }),
    // The other version vrrpd speaks, well formed for it (v3 over a v2 instance and the reverse).
    'version-mismatch': () => withAdvert(v3 ? { version: 2, authType: 0, authData: new Uint8Array(8), adverInt: Math.max(1, Math.round(t.adverIntervalCs / 100)) } : { version: 3, authData: new Uint8Array(0), adverInt: t.adverIntervalCs }),
    'type-2': () => withAdvert({ type: 2 }),
    'unknown-vrid': () => withAdvert({ vrid: t.vrid === 1 ? 2 : t.vrid - 1 }),
    // PASS target: send auth type 0; no-auth target: send PASS.
    'auth-type-mismatch': () =>
      v3 ? v2Only(kind) : withAdvert(t.password === undefined ? { authType: 1, authData: authDataFromPassword('x') } : { authType: 0, authData: new Uint8Array(8) }),
    'auth-type-ah': () => (v3 ? v2Only(kind) : withAdvert({ authType: 2 })),
    'auth-data-mismatch': () => (v3 ? v2Only(kind) : withAdvert({ authType: 1, authData: authDataFromPassword(`${t.password ?? ''}!wrong`.slice(-8)) })),
    // v2: another interval is a mismatch (§7.1); v3 adopts the master's, so only 0 is refused.
    'interval-mismatch': () => withAdvert({ adverInt: v3 ? 0 : t.adverIntervalCs / 100 + 1 }),
    // Count says one address more than the packet carries (checksum still right).
    'count-mismatch': () => withAdvert({ count: t.addresses.length + 1 }),
    'count-zero': () => withAdvert({ count: 0 }),
    'address-list-mismatch': () => withAdvert({ addresses: t.addresses.map((ip) => bumpLastOctet(ip)) }),
    'truncated': () => ({ ...base, truncateTo: 8 + 4 * t.addresses.length + (v3 ? -2 : 4) }),
    'oversized': () => withAdvert({ trailer: new Uint8Array(12).fill(0xee) }),
    // Four NOPs: IHL 6. Well formed; RFC 3768 §7.1 has no rule against options.
    'ip-options': () => ({ ...base, ip: { options: Uint8Array.of(1, 1, 1, 1) } }),
    'priority-255': () => withAdvert({ priority: 255 }),
  };
  return craftDatagram(specs[kind]());
}

/** The right checksum of a spec's advert (v3: over its datagram's pseudo-header). */
function checksumOf(spec: CraftSpec): number {
  const bytes = emitRawAdvert({ pseudo: { family: 'ipv4', src: spec.src, dst: spec.dst ?? VRRP_MCAST_GROUP4 }, ...spec.advert });
  return ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0);
}

function bumpLastOctet(ip: Ipv4Address): Ipv4Address {
  const parts = ip.split('.');
  const last = Number(parts[3] ?? 0);
  parts[3] = String(last >= 250 ? last - 1 : last + 1);
  return parts.join('.') as Ipv4Address;
}

// --- sending ----------------------------------------------------------------------------------

interface RawSocket {
  setOption(level: number, option: number, value: Buffer, length: number): void;
  send(b: Buffer, offset: number, length: number, address: string, cb: (e: Error | null, n: number) => void): void;
  close(): void;
}

export interface InjectorError {
  readonly kind: 'socket' | 'send';
  readonly detail: string;
}

export interface FloodStats {
  readonly sent: number;
  readonly errors: number;
  readonly elapsedMs: number;
  /** Packets per second actually reached. */
  readonly rate: number;
}

/**
 * The sockets with sends in flight, and how many. raw-socket's native object is only weakly held: an Injector
 * its caller has dropped could be collected with its sends still queued, and their callbacks
 * would never come.
 */
const sending = new Map<RawSocket, number>();

/** An IP_HDRINCL raw socket bound to one interface. */
export class Injector {
  private constructor(private readonly sock: RawSocket) {}

  /** Opens the socket (root, inside the namespace the packets leave from). */
  static open(ifname = 'eth0'): Result<Injector, InjectorError> {
    try {
      const raw = createRequire(import.meta.url)('raw-socket') as { createSocket(o: { protocol: number }): RawSocket };
      const sock = raw.createSocket({ protocol: 255 });
      const hdrincl = intOpt(1);
      sock.setOption(IPPROTO_IP, IP_HDRINCL, hdrincl, hdrincl.length);
      const dev = ifnameOpt(ifname);
      // Bound to the device: multicast leaves on it without a route.
      sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, dev, dev.length);
      return ok(new Injector(sock));
    } catch (e) {
      return err({ kind: 'socket', detail: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Sends one datagram to the destination its IP header names. */
  send(datagram: Uint8Array): Promise<Result<number, InjectorError>> {
    const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const dst = readIpv4(datagram, IPV4_FIELD.DST);
    const sock = this.sock;
    sending.set(sock, (sending.get(sock) ?? 0) + 1);
    return new Promise((resolve) =>
      sock.send(buf, 0, buf.length, dst, (e, n) => {
        const left = sending.get(sock)! - 1;
        if (left > 0) sending.set(sock, left);
        else sending.delete(sock);
        resolve(e ? err({ kind: 'send', detail: e.message }) : ok(n));
      }),
    );
  }

  /**
   * Sends `datagrams` round robin at `ratePerSec` for `durationMs`, paced against the clock
   * (bursts every millisecond or so), with at most `maxInFlight` sends queued at once.
   */
  async flood(datagrams: readonly Uint8Array[], ratePerSec: number, durationMs: number, maxInFlight = 512): Promise<FloodStats> {
    if (datagrams.length === 0) throw new RangeError('flood needs at least one datagram');
    const start = performance.now();
    let sent = 0;
    let errors = 0;
    let queued = 0;
    let inFlight = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= durationMs) break;
      const due = Math.floor((elapsed * ratePerSec) / 1000);
      while (queued < due && inFlight < maxInFlight) {
        const d = datagrams[queued % datagrams.length]!;
        queued++;
        inFlight++;
        this.send(d).then(
          (r) => {
            inFlight--;
            if (r.ok) sent++;
            else errors++;
          },
          () => {
            inFlight--;
            errors++;
          },
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 1));
    const elapsedMs = performance.now() - start;
    return { sent, errors, elapsedMs, rate: Math.round((sent * 1000) / elapsedMs) };
  }

  close(): void {
    this.sock.close();
  }
}

// --- agent: JSON lines on stdin, for callers outside the namespace -----------------------------

type AgentCommand =
  | { id?: number; op: 'send'; packets: string[]; repeat?: number; gapMs?: number }
  | { id?: number; op: 'flood'; packets: string[]; ratePerSec: number; durationMs: number }
  | { id?: number; op: 'exit' };

async function agentHandle(inj: Injector, c: AgentCommand): Promise<object> {
  switch (c.op) {
    case 'send': {
      const packets = c.packets.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
      let sent = 0;
      const errors: string[] = [];
      for (let i = 0; i < (c.repeat ?? 1); i++) {
        for (const p of packets) {
          const r = await inj.send(p);
          if (r.ok) sent++;
          else errors.push(r.error.detail);
        }
        if (c.gapMs) await new Promise((r) => setTimeout(r, c.gapMs));
      }
      return { ok: errors.length === 0, sent, errors };
    }
    case 'flood': {
      const packets = c.packets.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
      return { ok: true, ...(await inj.flood(packets, c.ratePerSec, c.durationMs)) };
    }
    case 'exit':
      return { ok: true };
    default:
      return { ok: false, error: `unknown op ${(c as { op: unknown }).op as string}` };
  }
}

/** Runs the JSON-lines agent on stdin/stdout until `exit` or end of input. */
export function runInjectorAgent(ifname = 'eth0'): void {
  const out = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
  const opened = Injector.open(ifname);
  if (!opened.ok) {
    out({ ev: 'error', error: opened.error.detail });
    process.exit(1);
  }
  const inj = opened.value;
  const rl = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(async () => {
      let c: AgentCommand;
      try {
        c = JSON.parse(line) as AgentCommand;
      } catch {
        return out({ ok: false, error: 'bad json' });
      }
      const r = await agentHandle(inj, c).catch((e: unknown) => ({ ok: false, error: String(e) }));
      out({ id: c.id, ...r });
      if (c.op === 'exit') {
        inj.close();
        process.exit(0);
      }
    });
  });
  rl.on('close', () => {
    const exit = (): void => {
      inj.close();
      process.exit(0);
    };
    chain.then(exit, exit);
  });
  out({ ev: 'ready', pid: process.pid });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--agent')) {
  const i = process.argv.indexOf('--ifname');
  runInjectorAgent(i >= 0 ? (process.argv[i + 1] ?? 'eth0') : 'eth0');
}
