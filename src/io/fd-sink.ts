/**
 * Where vrrpd's log lines (and the CLI's output) go: a file descriptor written synchronously,
 * whose failures are counted, never thrown and never retried in a loop.
 *
 * Losing stdout is ordinary for a daemon (a pipe whose reader exited, journald restarting): the
 * first EPIPE (or any error but EAGAIN) marks the sink broken and every later line is dropped at
 * the cost of a counter. A full non-blocking pipe (EAGAIN, or a short write) is a reader that is
 * late, not gone: what did not fit waits in a bounded queue, in order, and is written again on a
 * timer; a line that would take the queue past its bound is dropped whole and counted (a line is
 * never torn). At exit the queue gets a last, time-bounded chance. So a log call can never spin,
 * throw, or keep the process from exiting. SIGPIPE is ignored by Node, so a write to a closed
 * pipe is an EPIPE error here, not a signal.
 *
 * The daemon's log holds its lines back (`hold`): they are written together SINK_HOLD_MS after the
 * first, or as soon as SINK_HOLD_MAX_BYTES are held, so a mass transition (255 state lines and
 * 255 address lines) costs a few writes instead of 510 system calls in the middle of the takeover
 * (docs/performance.md). What is held is written at exit (`process.exit`, a signal that stops the
 * daemon, the fatal handler's exit); a SIGKILL loses at most the last SINK_HOLD_MS of lines.
 */
import { writeSync } from 'node:fs';

/** What may wait for a slow reader: about 3000 log lines; beyond that, lines are dropped. */
export const SINK_QUEUE_MAX_BYTES = 1 << 20;
/** How soon a full pipe is tried again. */
export const SINK_RETRY_MS = 20;
/** How long exit waits for a slow reader to take what is queued. */
export const SINK_EXIT_FLUSH_MS = 500;
/** How long a held line may wait before it is written (`hold`). */
export const SINK_HOLD_MS = 10;
/** Held lines are written once this much is held (about 60 log lines). */
export const SINK_HOLD_MAX_BYTES = 16 * 1024;

/** The system calls the sink uses; tests replace them. */
export interface SinkIo {
  write(fd: number, bytes: Uint8Array, offset: number): number;
  retry(fn: () => void, ms: number): void;
  /** Blocks for `ms` (the exit flush only). */
  pause(ms: number): void;
  now(): number;
}

const systemIo: SinkIo = {
  write: (fd, bytes, offset) => writeSync(fd, bytes, offset),
  retry: (fn, ms) => setTimeout(fn, ms).unref(),
  pause: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
  now: () => performance.now(),
};

export class FdSink {
  readonly #fd: number;
  readonly #io: SinkIo;
  /** Set at the first fatal write error (e.g. "EPIPE"): nothing is written any more. */
  #broken: string | undefined;
  /** Lines (or the unwritten end of one) waiting for the reader, oldest first. */
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #retrying = false;
  /** Lines dropped so far (broken sink, or more than the queue holds). */
  dropped = 0;
  /** Lines held back (`hold`), not handed to the descriptor yet. */
  #held: string[] = [];
  #heldBytes = 0;
  /** 0: every line is written at once. */
  #holdMs = 0;
  #holdMaxBytes = SINK_HOLD_MAX_BYTES;
  #holdArmed = false;

  constructor(fd: number, io: SinkIo = systemIo) {
    this.#fd = fd;
    this.#io = io;
  }

  /** Why the sink gave up, or undefined while it works. */
  get broken(): string | undefined {
    return this.#broken;
  }

  /** Bytes waiting for a slow reader. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * From now on, hold lines back and write them together `ms` after the first one, or once
   * `maxBytes` are held (the daemon's log; see the module comment).
   */
  hold(ms = SINK_HOLD_MS, maxBytes = SINK_HOLD_MAX_BYTES): void {
    this.#holdMs = ms;
    this.#holdMaxBytes = maxBytes;
  }

  /** Bytes (UTF-16 units) held back by `hold`. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Write `text` (whole lines); never throws. */
  write(text: string): boolean {
    if (this.#broken !== undefined) {
      this.dropped += lineCount(text);
      return true;
    }
    if (this.#holdMs > 0) {
      this.#held.push(text);
      this.#heldBytes += text.length;
      if (this.#heldBytes >= this.#holdMaxBytes) this.flush();
      else if (!this.#holdArmed) {
        this.#holdArmed = true;
        this.#io.retry(() => {
          this.#holdArmed = false;
          this.flush();
        }, this.#holdMs);
      }
      return true;
    }
    this.#put(text);
    return true;
  }

  /** Hand what is held to the descriptor now (one write for all of it). */
  flush(): void {
    if (this.#held.length === 0) return;
    const text = this.#held.length === 1 ? this.#held[0]! : this.#held.join('');
    this.#held = [];
    this.#heldBytes = 0;
    if (this.#broken !== undefined) this.dropped += lineCount(text);
    else this.#put(text);
  }

  #put(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    if (this.#queue.length > 0) {
      this.#enqueue(bytes);
      return;
    }
    const done = this.#writeSome(bytes);
    if (done === undefined) this.dropped += lineCount(bytes);
    else if (done < bytes.length) {
      this.#queue.push(bytes.subarray(done)); // the rest of a line already begun: always kept
      this.#queuedBytes += bytes.length - done;
      this.#scheduleRetry();
    }
  }

  /** At exit: what is held, then give the queue up to `ms` to drain (a reader that is late but alive gets it all). */
  flushAtExit(ms = SINK_EXIT_FLUSH_MS): void {
    this.flush();
    const end = this.#io.now() + ms;
    while (this.#queue.length > 0 && this.#broken === undefined) {
      this.#drain();
      if (this.#queue.length === 0 || this.#io.now() >= end) break;
      this.#io.pause(5);
    }
  }

  #enqueue(bytes: Uint8Array): void {
    if (this.#queuedBytes + bytes.length > SINK_QUEUE_MAX_BYTES) {
      this.dropped += lineCount(bytes);
      return;
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
  }

  /** Bytes of `bytes` written before the pipe filled; undefined when the sink broke. */
  #writeSome(bytes: Uint8Array): number | undefined {
    let off = 0;
    try {
      while (off < bytes.length) off += this.#io.write(this.#fd, bytes, off);
      return off;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EAGAIN') return off;
      this.#broken = code;
      return undefined;
    }
  }

  /** Writes what the pipe takes now, oldest first. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const done = this.#writeSome(head);
      if (done === undefined) {
        this.dropped += this.#queue.reduce((n, b) => n + lineCount(b), 0); // broken: nothing queued will be written
        this.#queue.length = 0;
        this.#queuedBytes = 0;
        return;
      }
      if (done < head.length) {
        this.#queue[0] = head.subarray(done);
        this.#queuedBytes -= done;
        return;
      }
      this.#queue.shift();
      this.#queuedBytes -= head.length;
    }
  }

  #scheduleRetry(): void {
    if (this.#retrying) return;
    this.#retrying = true;
    this.#io.retry(() => {
      this.#retrying = false;
      this.#drain();
      if (this.#queue.length > 0) this.#scheduleRetry();
    }, SINK_RETRY_MS);
  }
}

/** The lines in `text` (each ends with a newline; an unterminated end counts as one). */
function lineCount(text: string | Uint8Array): number {
  let n = 0;
  if (typeof text === 'string') for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  else for (const b of text) if (b === 0x0a) n++;
  const last = typeof text === 'string' ? text.charCodeAt(text.length - 1) : text[text.length - 1];
  return last === 0x0a ? n : n + 1;
}

/** stdout and stderr as sinks (one each per process: the CLI and the logger share them). */
export const stdoutSink = new FdSink(1);
export const stderrSink = new FdSink(2);

process.on('exit', () => {
  stdoutSink.flushAtExit();
  stderrSink.flushAtExit();
});
