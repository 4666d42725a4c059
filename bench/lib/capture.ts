/**
 * VRRP adverts as the wire saw them: `tcpdump -w` in a lab namespace (kernel timestamps,
 * nanosecond precision), the file read back at any time (a record still being written is left
 * for the next read), each frame decoded with the project's own wire codecs.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { LabHost } from '../../src/lab/netns.js';
import { ETH_HEADER_LEN, ETHERTYPE_IPV4, IPPROTO_VRRP, parseAdvert, parseIpv4 } from '../../src/wire/index.js';

export interface SeenAdvert {
  /** Epoch milliseconds (kernel capture time). */
  readonly t: number;
  readonly src: string;
  readonly vrid: number;
  readonly priority: number;
}

export class AdvertCapture {
  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
  ) {}

  /** Starts tcpdump on `host`'s eth0 for IP protocol 112; resolves once it listens. */
  static async start(host: LabHost, file: string): Promise<AdvertCapture> {
    const args = ['-i', 'eth0', '-n', '-U', '--immediate-mode', '--time-stamp-precision', 'nano', '-Z', 'root', '-s', '256', '-w', file, 'ip proto 112'];
    const child = host.spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) {
          clearTimeout(t);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`tcpdump exited: ${stderr}`)));
    });
    return new AdvertCapture(child, file);
  }

  /** Every advert captured so far. */
  adverts(): SeenAdvert[] {
    return decodeAdverts(readFileSync(this.file));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  }
}

/** Classic pcap (either byte order, micro or nano), Ethernet frames -> VRRP adverts. */
export function decodeAdverts(buf: Buffer): SeenAdvert[] {
  if (buf.length < 24) return [];
  const magicLe = buf.readUInt32LE(0);
  const le = magicLe === 0xa1b2c3d4 || magicLe === 0xa1b23c4d;
  const magic = le ? magicLe : buf.readUInt32BE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a classic pcap file');
  const fracPerSec = magic === 0xa1b23c4d ? 1e9 : 1e6;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const out: SeenAdvert[] = [];
  for (let o = 24; o + 16 <= buf.length; ) {
    const incl = u32(o + 8);
    if (o + 16 + incl > buf.length) break;
    const t = u32(o) * 1000 + (u32(o + 4) / fracPerSec) * 1000;
    const seen = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset + o + 16, incl), t);
    if (seen) out.push(seen);
    o += 16 + incl;
  }
  return out;
}

function decodeFrame(frame: Uint8Array, t: number): SeenAdvert | undefined {
  if (frame.length < ETH_HEADER_LEN || ((frame[12] ?? 0) << 8 | (frame[13] ?? 0)) !== ETHERTYPE_IPV4) return undefined;
  const ip = parseIpv4(frame.subarray(ETH_HEADER_LEN));
  if (!ip.ok || ip.value.header.protocol !== IPPROTO_VRRP) return undefined;
  const adv = parseAdvert(ip.value.payload);
  if (!adv.ok) return undefined;
  return { t, src: ip.value.header.src, vrid: adv.value.vrid, priority: adv.value.priority };
}
