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
 *
 * Receiving a message costs the receiving thread its deserialisation: a LoadResult of 12 000
 * instances takes a few hundred ms, 500 instances ~15 ms, enough to make an advert late. So
 * the worker hands the result over in parts (PART_ITEMS instances, scripts, groups,
 * diagnostics or disabled sections each), each sent when the main thread asks for the next one from a setImmediate:
 * timers run between parts, and no part costs more than a millisecond or two.
 *
 * The thread's memory does not all go with it: the pages of the node binary its bootstrap read
 * stay mapped, and its malloc arena keeps what its heap freed. The addon hands both back once
 * it has exited (markMemory before, releaseMemory after; native/packet/memory.c).
 *
 * node:worker_threads is imported on the first load, not with this module: a daemon that is
 * never reloaded does not load it (docs/performance.md, "Fewer built-in modules").
 */
import type { Worker } from 'node:worker_threads';
import { RELOAD_LIMITS } from '../config/limits.js';
import type { LoadOptions, LoadResult } from '../config/types.js';
import { err, ok, type Result } from '../result.js';
import type { FsSourceHostOptions } from './config-files.js';
import { loadPacketAddon, type MemoryMark } from './packet-addon.js';

/** Items per part (an instance deserialises in ~30 us on this machine). */
const PART_ITEMS = 50;

type ArrayField = 'diagnostics' | 'disabled' | 'instances' | 'scripts' | 'syncGroups';

/** Worker -> main: some items of one array of the result, or the rest of it (arrays empty) last. */
export type WorkerMessage =
  | { readonly kind: 'part'; readonly field: ArrayField; readonly items: readonly unknown[] }
  | { readonly kind: 'done'; readonly skeleton: LoadResult };

/** A LoadResult as the messages the worker sends, in order. */
export function splitResult(r: LoadResult): WorkerMessage[] {
  const out: WorkerMessage[] = [];
  const parts = (field: ArrayField, items: readonly unknown[]): void => {
    for (let i = 0; i < items.length; i += PART_ITEMS) out.push({ kind: 'part', field, items: items.slice(i, i + PART_ITEMS) });
  };
  parts('diagnostics', r.diagnostics);
  parts('disabled', r.disabled);
  if (r.config !== undefined) {
    parts('instances', r.config.instances);
    parts('scripts', r.config.scripts);
    parts('syncGroups', r.config.syncGroups);
  }
  const config = r.config === undefined ? undefined : { ...r.config, instances: [], scripts: [], syncGroups: [] };
  out.push({ kind: 'done', skeleton: { ...r, diagnostics: [], disabled: [], config } });
  return out;
}

/** Collects the worker's messages back into the LoadResult. */
class ResultAssembler {
  readonly #arrays: Record<ArrayField, unknown[]> = { diagnostics: [], disabled: [], instances: [], scripts: [], syncGroups: [] };

  add(field: ArrayField, items: readonly unknown[]): void {
    const into = this.#arrays[field];
    for (const item of items) into.push(item);
  }

  finish(skeleton: LoadResult): LoadResult {
    const a = this.#arrays as Pick<LoadResult, 'diagnostics' | 'disabled'> & Record<'instances' | 'scripts' | 'syncGroups', never[]>;
    const config = skeleton.config === undefined ? undefined : { ...skeleton.config, instances: a.instances, scripts: a.scripts, syncGroups: a.syncGroups };
    return { ...skeleton, diagnostics: a.diagnostics, disabled: a.disabled, config };
  }
}

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
export async function loadConfigOffThread(path: string, o: OffThreadOptions = {}): Promise<Result<LoadResult, OffThreadError>> {
  const { Worker } = await import('node:worker_threads');
  return runWorker(Worker, path, o);
}

function runWorker(Thread: typeof Worker, path: string, o: OffThreadOptions): Promise<Result<LoadResult, OffThreadError>> {
  const timeoutMs = o.timeoutMs ?? RELOAD_LIMITS.timeoutMs;
  const heapMb = o.heapMb ?? RELOAD_LIMITS.heapMb;
  const request: WorkerRequest = { path, options: o.options ?? {}, host: o.host ?? {} };
  return new Promise((resolve) => {
    const mark = markMemory(); // before the thread exists: its bootstrap starts with it
    let worker: Worker;
    try {
      worker = new Thread(new URL('./config-worker.js', import.meta.url), {
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
      // terminate() rejects only if the thread is already gone: nothing left to stop.
      worker.terminate().catch(() => undefined);
    };
    const timer = setTimeout(() => finish(err({ kind: 'timeout', detail: `loading took longer than ${timeoutMs} ms` })), timeoutMs);
    const onAbort = (): void => finish(err({ kind: 'aborted', detail: 'loading was cancelled' }));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    worker.unref();
    const assembler = new ResultAssembler();
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'done') return finish(ok(assembler.finish(m.skeleton)));
      assembler.add(m.field, m.items);
      setImmediate(() => {
        if (!settled) worker.postMessage('next');
      });
    });
    worker.once('error', (e: Error & { code?: string }) =>
      finish(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? err({ kind: 'out-of-memory', detail: `loading needed more than the ${heapMb} MB heap allowed` })
          : err({ kind: 'failed', detail: `${e.name}: ${e.message}` }),
      ),
    );
    worker.once('exit', (code) => {
      releaseMemory(mark);
      finish(err({ kind: 'failed', detail: `the loader thread exited (code ${code}) without a result` }));
    });
  });
}

/** What is resident before the thread starts (memory.c), or null without the addon or /proc/self/pagemap. */
function markMemory(): MemoryMark | null {
  const a = loadPacketAddon();
  try {
    return a.ok ? (a.value.memoryMark?.() ?? null) : null;
  } catch {
    return null;
  }
}

/**
 * After the thread has exited: the file pages only it read and the free memory of its malloc
 * arena back to the kernel, on a pool thread (memory.c). Without this every first reload left
 * the daemon 2 MB larger for good (docs/performance.md, "A reload that leaves nothing behind").
 */
function releaseMemory(mark: MemoryMark | null): void {
  const a = loadPacketAddon();
  try {
    if (a.ok) a.value.memoryRelease?.(mark, () => undefined);
  } catch {
    // The work could not be queued: the memory stays mapped, as before the addon did this.
  }
}
