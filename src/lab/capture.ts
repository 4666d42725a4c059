/**
 * Packet captures for the lab, the tests and the benches: tcpdump started in a namespace and
 * awaited until it listens, and a reader for the classic pcap files it writes (either byte
 * order, micro- or nanosecond timestamps). A record still being written at the end of a file is
 * left for the next read, so a capture can be read while it runs.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** LINKTYPE_ETHERNET. */
export const LINKTYPE_ETHERNET = 1;

export interface PcapRecord {
  /** Seconds + fraction since the epoch, as a float. */
  readonly time: number;
  /** Bytes on the wire (may exceed data.length when the snap length cut the frame). */
  readonly origLen: number;
  readonly data: Uint8Array;
}

export interface PcapFile {
  readonly linkType: number;
  readonly snapLen: number;
  readonly nanosecond: boolean;
  readonly records: readonly PcapRecord[];
}

const GLOBAL_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

/**
 * Parse classic pcap bytes. A cut last record is an error unless `partial` (a file still being
 * written); fewer bytes than the global header read as an empty capture when `partial`.
 */
export function parsePcap(bytes: Uint8Array, options: { partial?: boolean } = {}): PcapFile {
  const partial = options.partial ?? false;
  if (bytes.length < GLOBAL_HEADER_LEN) {
    if (partial) return { linkType: LINKTYPE_ETHERNET, snapLen: 0, nanosecond: false, records: [] };
    throw new Error(`pcap: ${bytes.length} bytes, no global header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { littleEndian, nanosecond } = magic(view.getUint32(0, false));
  const snapLen = view.getUint32(16, littleEndian);
  const linkType = view.getUint32(20, littleEndian);
  const records: PcapRecord[] = [];
  let at = GLOBAL_HEADER_LEN;
  while (at < bytes.length) {
    const start = at + RECORD_HEADER_LEN;
    const inclLen = start <= bytes.length ? view.getUint32(at + 8, littleEndian) : 0;
    if (start > bytes.length || start + inclLen > bytes.length) {
      if (partial) break;
      throw new Error(`pcap: record at offset ${at} runs past the end`);
    }
    const time = view.getUint32(at, littleEndian) + view.getUint32(at + 4, littleEndian) / (nanosecond ? 1e9 : 1e6);
    records.push({ time, origLen: view.getUint32(at + 12, littleEndian), data: bytes.slice(start, start + inclLen) });
    at = start + inclLen;
  }
  return { linkType, snapLen, nanosecond, records };
}

/** Read and parse a classic pcap file. */
export function readPcap(path: string, options: { partial?: boolean } = {}): PcapFile {
  return parsePcap(new Uint8Array(readFileSync(path)), options);
}

function magic(big: number): { littleEndian: boolean; nanosecond: boolean } {
  switch (big) {
    case 0xa1b2c3d4:
      return { littleEndian: false, nanosecond: false };
    case 0xd4c3b2a1:
      return { littleEndian: true, nanosecond: false };
    case 0xa1b23c4d:
      return { littleEndian: false, nanosecond: true };
    case 0x4d3cb2a1:
      return { littleEndian: true, nanosecond: true };
    default:
      throw new Error(`pcap: unknown magic 0x${big.toString(16)} (pcapng is not supported)`);
  }
}

/** A running tcpdump writing `file`. */
export interface Tcpdump {
  readonly file: string;
  /** SIGINT, wait up to 3 s for it to flush and exit, then SIGKILL. */
  stop(): Promise<void>;
}

/**
 * Start `tcpdump -i IFACE -w FILE FILTER...` through `spawn` (e.g. a lab host's, which runs it
 * in its namespace) and resolve once it is listening. Nanosecond timestamps, packet-buffered.
 */
export async function startTcpdump(
  spawn: (cmd: string, args: readonly string[]) => ChildProcess,
  iface: string,
  file: string,
  filter: readonly string[],
  snapLen = 2048,
): Promise<Tcpdump> {
  const args = ['-i', iface, '-n', '-U', '--immediate-mode', '--time-stamp-precision', 'nano', '-Z', 'root', '-s', String(snapLen), '-w', file, ...filter];
  const child = spawn('tcpdump', args);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', () => reject(new Error(`tcpdump exited: ${stderr}`)));
  });
  return {
    file,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
