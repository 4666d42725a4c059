/**
 * What the interop suites read from their captures on the lab switch: the adverts each side sent
 * (switch clock, nanosecond stamps), and tshark's dissection of a capture.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { Lab } from '../helpers/netns.js';
import { readPcap, startTcpdump, type Tcpdump } from '../../src/lab/capture.js';
import { advertChecksumOk } from '../../src/wire/advert.js';
import { IPPROTO_VRRP, VRRP_MCAST_GROUP4 } from '../../src/wire/constants.js';
import { parseVrrpDatagram } from '../../src/wire/datagram.js';
import { parseIpv4Packet } from '../../src/wire/ipv4.js';

/** tshark is installed (the dissection test is skipped otherwise). */
export function tsharkMissing(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

/** tcpdump on switch port `port` (p0 = host 0, p1 = host 1) for VRRP sent by `src`. */
export function capturePort(lab: Lab, port: string, file: string, src: string): Promise<Tcpdump> {
  const inSwitch = (cmd: string, args: readonly string[]) => spawn('ip', ['netns', 'exec', lab.switchNs, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return startTcpdump(inSwitch, port, file, ['ip', 'proto', '112', 'and', 'src', 'host', src]);
}

/** One well-formed advert in a capture: when it crossed the switch (epoch s) and its priority. */
export interface CapturedAdvert {
  readonly t: number;
  readonly priority: number;
  readonly version: number;
}

/** The adverts in a capture (read while it runs), those with a verifying checksum only. */
export function advertsIn(file: string): CapturedAdvert[] {
  const out: CapturedAdvert[] = [];
  for (const r of readPcap(file, { partial: true }).records) {
    if (r.data.length < 14 || r.data[12] !== 0x08 || r.data[13] !== 0x00) continue;
    const d = parseVrrpDatagram({ family: 'ipv4', bytes: r.data.subarray(14) });
    if (d.ok) out.push({ t: r.time, priority: d.value.advert.priority, version: d.value.advert.version });
  }
  return out;
}

/**
 * Takeover as the RFC counts it, on the switch's clock: from the last advert of the master that
 * died to the new master's first advert after it (ms).
 */
export function takeoverMs(dead: readonly CapturedAdvert[], successor: readonly CapturedAdvert[]): number {
  const last = dead.at(-1);
  if (last === undefined) throw new Error('no advert from the master that died');
  const first = successor.find((a) => a.t > last.t);
  if (first === undefined) throw new Error('no advert from the new master after the old one went silent');
  return (first.t - last.t) * 1000;
}

/** tshark's view of each advert: ip.src, ip.dst, ip.ttl, vrrp.version, vrrp.type, vrrp.prio, checksum status, malformed, expert severity. */
export function tsharkRows(file: string): string[][] {
  const fields = ['ip.src', 'ip.dst', 'ip.ttl', 'vrrp.version', 'vrrp.type', 'vrrp.prio', 'vrrp.checksum.status', '_ws.malformed', '_ws.expert.severity'];
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split(','));
}

/**
 * How each VRRPv3 advert in a capture computed its checksum: 'rfc' (RFC 5798 §5.2.8, the real
 * destination), 'old' (as if sent to 224.0.0.18: keepalived's old unicast style) or 'bad'.
 */
export function checksumStyles(file: string): ('rfc' | 'old' | 'bad')[] {
  const out: ('rfc' | 'old' | 'bad')[] = [];
  for (const r of readPcap(file, { partial: true }).records) {
    const ip = parseIpv4Packet(r.data.subarray(14));
    if (!ip.ok || ip.value.header.protocol !== IPPROTO_VRRP) continue;
    const { src, dst } = ip.value.header;
    const vrrp = ip.value.payload;
    if (advertChecksumOk(vrrp, 3, { family: 'ipv4', src, dst })) out.push('rfc');
    else if (advertChecksumOk(vrrp, 3, { family: 'ipv4', src, dst: VRRP_MCAST_GROUP4 })) out.push('old');
    else out.push('bad');
  }
  return out;
}
