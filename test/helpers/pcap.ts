/** The pcap reader lives in src/lab/capture.ts (tests, benches and the lab share it). */
export { LINKTYPE_ETHERNET, parsePcap, readPcap, type PcapFile, type PcapRecord } from '../../src/lab/capture.js';
