/**
 * Worker-thread entry of loadConfigOffThread (config-loader.ts): runs the pure loader with the
 * real filesystem host and hands the LoadResult back in parts, one per request of the main
 * thread (see config-loader.ts for why).
 *
 * First it lowers its own thread's scheduling priority (Linux nice is per thread): on a busy
 * machine the daemon's main thread, which sends the adverts, wins the CPU over a config load.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load.js';
import { fsSourceHost } from './config-files.js';
import { splitResult, type WorkerRequest } from './config-loader.js';

/** Nice value of the loader thread (0 normal, 19 lowest): behind the adverts, not starved. */
const LOADER_NICE = 10;

try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, LOADER_NICE);
} catch {
  // Not Linux, or no /proc: the load runs at the daemon's priority.
}
const req = workerData as WorkerRequest;
const messages = splitResult(loadConfig(req.path, fsSourceHost(req.host), req.options));
const sendNext = (): void => {
  const m = messages.shift();
  if (m !== undefined) parentPort?.postMessage(m);
};
parentPort?.on('message', sendNext);
sendNext();
