/**
 * A tiny reader for classic libpcap files (not pcapng): the global header (24 bytes) then
 * records of a 16-byte header and the captured bytes. Either byte order, micro- or nanosecond
 * timestamps. Test-only: throws on a malformed file.
 */
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

/** Parse classic pcap bytes. */
export function parsePcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < GLOBAL_HEADER_LEN) throw new Error(`pcap: ${bytes.length} bytes, no global header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { littleEndian, nanosecond } = magic(view.getUint32(0, false));
  const snapLen = view.getUint32(16, littleEndian);
  const linkType = view.getUint32(20, littleEndian);
  const records: PcapRecord[] = [];
  let at = GLOBAL_HEADER_LEN;
  while (at < bytes.length) {
    if (at + RECORD_HEADER_LEN > bytes.length) throw new Error(`pcap: record header cut at offset ${at}`);
    const sec = view.getUint32(at, littleEndian);
    const frac = view.getUint32(at + 4, littleEndian);
    const inclLen = view.getUint32(at + 8, littleEndian);
    const origLen = view.getUint32(at + 12, littleEndian);
    const start = at + RECORD_HEADER_LEN;
    if (start + inclLen > bytes.length) throw new Error(`pcap: record at offset ${at} runs past the end`);
    const time = sec + frac / (nanosecond ? 1e9 : 1e6);
    records.push({ time, origLen, data: bytes.slice(start, start + inclLen) });
    at = start + inclLen;
  }
  return { linkType, snapLen, nanosecond, records };
}

/** Read and parse a classic pcap file. */
export function readPcap(path: string): PcapFile {
  return parsePcap(new Uint8Array(readFileSync(path)));
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
