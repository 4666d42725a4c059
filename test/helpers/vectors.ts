/**
 * The keepalived 2.2.7 capture vectors: every frame's Ethernet bytes and tshark's decoding of it.
 * A copy lives in the repository (test/fixtures/vectors/keepalived-2.2.7/: vectors.json,
 * vectors-v3.json and the pcaps), so a plain clone passes `npm test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (also from the compiled copy in dist/test/helpers/, which the fuzz runner uses). */
export const REPO_ROOT = repoRoot(path.dirname(fileURLToPath(import.meta.url)));
export const VECTOR_DIR = path.resolve(REPO_ROOT, 'test', 'fixtures', 'vectors', 'keepalived-2.2.7');

/** tshark fields as strings, exactly as in vectors.json (absent when tshark did not print them). */
export interface DecodedFields {
  readonly eth_dst: string;
  readonly ip_src?: string;
  readonly ip_dst?: string;
  readonly ip_ttl?: string;
  readonly ip_proto?: string;
  readonly vrrp_version?: string;
  readonly vrrp_type?: string;
  readonly vrid?: string;
  readonly priority?: string;
  readonly addr_count?: string;
  readonly auth_type?: string;
  readonly adver_int?: string;
  readonly checksum?: string;
  readonly checksum_status?: string;
  readonly vrrp_addresses?: string;
  readonly auth_string?: string;
  readonly arp_opcode?: string;
  readonly arp_sender_mac?: string;
  readonly arp_sender_ip?: string;
  readonly arp_target_ip?: string;
  readonly arp_target_mac?: string;
  readonly eth_src?: string;
  readonly ip_dsfield?: string;
  /** VRRPv3 (vectors-v3.json). */
  readonly max_adver_int?: string;
  readonly reserved?: string;
  readonly ipv6_src?: string;
  readonly ipv6_dst?: string;
  readonly ipv6_hlim?: string;
  readonly ipv6_nxt?: string;
  readonly ipv6_tclass?: string;
  readonly ipv6_flow?: string;
  readonly icmpv6_type?: string;
  readonly icmpv6_code?: string;
  readonly icmpv6_checksum?: string;
  readonly icmpv6_checksum_status?: string;
  readonly icmpv6_opt_type?: string;
  readonly na_router?: string;
  readonly na_solicited?: string;
  readonly na_override?: string;
  readonly na_target?: string;
  readonly na_target_lladdr?: string;
}

export interface VectorFrame {
  readonly t: number;
  readonly ethernet_hex: string;
  readonly decoded: DecodedFields;
}

export interface Capture {
  readonly name: string;
  readonly pcap: string;
  readonly config: string;
  readonly what: string;
  readonly frames: readonly VectorFrame[];
}

export interface Vectors {
  readonly source: string;
  readonly captures: readonly Capture[];
}

/** Load vectors.json. */
export function loadVectors(): Vectors {
  return JSON.parse(readFileSync(path.join(VECTOR_DIR, 'vectors.json'), 'utf8')) as Vectors;
}

/** Load vectors-v3.json (VRRPv3 over IPv4 and IPv6, unicast, use_vmac, strict mode) with its notes. */
export function loadVectorsV3(): Vectors & { readonly notes: readonly string[] } {
  return JSON.parse(readFileSync(path.join(VECTOR_DIR, 'vectors-v3.json'), 'utf8')) as Vectors & { readonly notes: readonly string[] };
}

/** Hex string -> bytes. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`bad hex: ${hex}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** Bytes -> lower-case hex string. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The Ethernet II header of a frame and its payload (test-only: no VLAN tags). */
export function splitEthernet(frame: Uint8Array): { dst: Uint8Array; src: Uint8Array; ethertype: number; payload: Uint8Array } {
  if (frame.length < 14) throw new Error(`Ethernet frame of ${frame.length} bytes`);
  return {
    dst: frame.subarray(0, 6),
    src: frame.subarray(6, 12),
    ethertype: ((frame[12] ?? 0) << 8) | (frame[13] ?? 0),
    payload: frame.subarray(14),
  };
}

/** Every VRRP-carrying frame (IPv4, ethertype 0x0800) of every capture, with its capture name. */
export function ipFrames(v: Vectors): { capture: string; index: number; frame: VectorFrame }[] {
  return v.captures.flatMap((c) =>
    c.frames
      .map((frame, index) => ({ capture: c.name, index, frame }))
      .filter(({ frame }) => frame.ethernet_hex.slice(24, 28) === '0800'),
  );
}

function repoRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'test', 'fixtures', 'vectors'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}
