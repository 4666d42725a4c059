/**
 * Loading a keepalived.conf off the main thread, for a running daemon's reload (SIGHUP) and for
 * any caller that must not wait on the filesystem (cleanup, if it wants a deadline).
 *
 * The pure loader's limits (src/config/limits.ts) bound what any config costs, but not a file
 * system that hangs (NFS, FUSE) nor a bug. So the load runs in a worker thread: the caller's
 * event loop, and with it every advert timer, keeps running; the worker has its own heap,
 * capped by resourceLimits (a runaway load dies alone, ERR_WORKER_OUT_OF_MEMORY, without
 * taking the daemon's heap), and a wall-clock deadline after which it is terminated. The
 * result is the LoadResult, or why there is none.
 */
import { Worker } from 'node:worker_threads';
import { RELOAD_LIMITS } from '../config/limits.js';
import type { LoadOptions, LoadResult } from '../config/types.js';
import { err, ok, type Result } from '../result.js';
import type { FsSourceHostOptions } from './config-files.js';

/** What the worker gets (structured-cloned). */
export interface WorkerRequest {
  readonly path: string;
  readonly options: LoadOptions;
  readonly host: FsSourceHostOptions;
}

export interface OffThreadOptions {
  readonly options?: LoadOptions;
  readonly host?: FsSourceHostOptions;
  /** Default RELOAD_LIMITS.timeoutMs. */
  readonly timeoutMs?: number;
  /** The worker's old-generation heap; default RELOAD_LIMITS.heapMb. */
  readonly heapMb?: number;
  /** Aborting terminates the worker (the daemon stopping). */
  readonly signal?: AbortSignal;
}

/** Why an off-thread load gave no result. */
export interface OffThreadError {
  readonly kind: 'timeout' | 'out-of-memory' | 'aborted' | 'failed';
  readonly detail: string;
}

/** Runs loadConfig(path, fsSourceHost(host), options) in a worker thread, bounded in time and heap. */
export function loadConfigOffThread(path: string, o: OffThreadOptions = {}): Promise<Result<LoadResult, OffThreadError>> {
  const timeoutMs = o.timeoutMs ?? RELOAD_LIMITS.timeoutMs;
  const heapMb = o.heapMb ?? RELOAD_LIMITS.heapMb;
  const request: WorkerRequest = { path, options: o.options ?? {}, host: o.host ?? {} };
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./config-worker.js', import.meta.url), {
        workerData: request,
        resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
        stdout: true,
        stderr: true,
      });
    } catch (e) {
      resolve(err({ kind: 'failed', detail: `could not start the loader thread: ${(e as Error).message}` }));
      return;
    }
    let settled = false;
    const finish = (r: Result<LoadResult, OffThreadError>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(r);
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(err({ kind: 'timeout', detail: `loading took longer than ${timeoutMs} ms` })), timeoutMs);
    const onAbort = (): void => finish(err({ kind: 'aborted', detail: 'loading was cancelled' }));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    worker.unref();
    worker.once('message', (r: LoadResult) => finish(ok(r)));
    worker.once('error', (e: Error & { code?: string }) =>
      finish(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? err({ kind: 'out-of-memory', detail: `loading needed more than the ${heapMb} MB heap allowed` })
          : err({ kind: 'failed', detail: `${e.name}: ${e.message}` }),
      ),
    );
    worker.once('exit', (code) => finish(err({ kind: 'failed', detail: `the loader thread exited (code ${code}) without a result` })));
  });
}
