/**
 * VRRP adverts as the wire saw them: `tcpdump -w` in a lab namespace (kernel timestamps,
 * nanosecond precision), the file read back at any time (a record still being written is left
 * for the next read), each frame decoded with the project's own wire codecs.
 */
import { readFileSync } from 'node:fs';
import { parsePcap, startTcpdump, type Tcpdump } from '../../src/lab/capture.js';
import type { LabHost } from '../../src/lab/netns.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, IPPROTO_VRRP, parseVrrpDatagram } from '../../src/wire/index.js';

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
  static async start(host: LabHost, file: string, excludeSrc?: string): Promise<AdvertCapture> {
    const spawn = (cmd: string, args: readonly string[]) => host.spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const filter = ['ip', 'proto', String(IPPROTO_VRRP), ...(excludeSrc ? ['and', 'not', 'src', 'host', excludeSrc] : [])];
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
  if (frame.length < ETH_HEADER_LEN || ((frame[12] ?? 0) << 8 | (frame[13] ?? 0)) !== ETHERTYPE_IPV4) return undefined;
  const d = parseVrrpDatagram({ family: 'ipv4', bytes: frame.subarray(ETH_HEADER_LEN) });
  if (!d.ok) return undefined;
  return { t, src: d.value.ip.src, vrid: d.value.advert.vrid, priority: d.value.advert.priority };
}
