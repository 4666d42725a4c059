/**
 * VRRP adverts as the wire saw them: `tcpdump -w` in a lab namespace (kernel timestamps,
 * nanosecond precision), the file read back at any time (a record still being written is left
 * for the next read), each frame decoded with the project's own wire codecs.
 */
import { readFileSync } from 'node:fs';
import { parsePcap, startTcpdump, type Tcpdump } from '../../src/lab/capture.js';
import type { LabHost } from '../../src/lab/netns.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_VRRP, parseIpv6Packet, parseVrrpDatagram, type RawDatagram } from '../../src/wire/index.js';

export interface SeenAdvert {
  /** Epoch milliseconds (kernel capture time). */
  readonly t: number;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
}

export class AdvertCapture {
  private constructor(private readonly dump: Tcpdump) {}

  /** Starts tcpdump on `host`'s eth0 for IP protocol 112 (not from `excludeSrc`); resolves once it listens. */
  static async start(host: LabHost, file: string, excludeSrc?: string, family: 'ipv4' | 'ipv6' = 'ipv4'): Promise<AdvertCapture> {
    const spawn = (cmd: string, args: readonly string[]) => host.spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const filter = [family === 'ipv6' ? 'ip6' : 'ip', 'proto', String(IPPROTO_VRRP), ...(excludeSrc ? ['and', 'not', 'src', 'host', excludeSrc] : [])];
    return new AdvertCapture(await startTcpdump(spawn, 'eth0', file, filter, 256));
  }

  get file(): string {
    return this.dump.file;
  }

  /** Every advert captured so far (a record still being written is left for the next read). */
  adverts(): SeenAdvert[] {
    return decodeAdverts(readFileSync(this.file));
  }

  stop(): Promise<void> {
    return this.dump.stop();
  }
}

/** Ethernet frames of a classic pcap -> VRRP adverts. */
export function decodeAdverts(buf: Buffer): SeenAdvert[] {
  return parsePcap(new Uint8Array(buf), { partial: true }).records.flatMap((r) => decodeFrame(r.data, r.time * 1000) ?? []);
}

function decodeFrame(frame: Uint8Array, t: number): SeenAdvert | undefined {
  const type = frame.length < ETH_HEADER_LEN ? 0 : ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) return undefined;
  const raw = type === ETHERTYPE_IPV4 ? { family: 'ipv4' as const, bytes: frame.subarray(ETH_HEADER_LEN) } : ipv6Raw(frame.subarray(ETH_HEADER_LEN));
  if (!raw) return undefined;
  const d = parseVrrpDatagram(raw);
  if (!d.ok) return undefined;
  return { t, src: d.value.ip.src, vrid: d.value.advert.vrid, priority: d.value.advert.priority };
}

/** An IPv6 frame as the raw IPv6 socket would deliver it (header fields beside the payload). */
function ipv6Raw(bytes: Uint8Array): RawDatagram | undefined {
  const p = parseIpv6Packet(bytes);
  if (!p.ok || p.value.header.nextHeader !== IPPROTO_VRRP) return undefined;
  const h = p.value.header;
  return { family: 'ipv6', payload: p.value.payload, src: h.src, dst: h.dst, hopLimit: h.hopLimit };
}
