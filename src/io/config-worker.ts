/**
 * Worker-thread entry of loadConfigOffThread (config-loader.ts): runs the pure loader with the
 * real filesystem host and posts the LoadResult (plain data) back. Nothing else.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/load.js';
import { fsSourceHost } from './config-files.js';
import type { WorkerRequest } from './config-loader.js';

const req = workerData as WorkerRequest;
parentPort?.postMessage(loadConfig(req.path, fsSourceHost(req.host), req.options));
