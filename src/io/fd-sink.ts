/**
 * Where vrrpd's log lines (and the CLI's output) go: a file descriptor written synchronously,
 * whose failures are counted, never thrown and never retried.
 *
 * Losing stdout is ordinary for a daemon (a pipe whose reader exited, journald restarting): the
 * first EPIPE (or any error but EAGAIN) marks the sink broken and every later line is dropped at
 * the cost of a counter. A full non-blocking pipe (EAGAIN) drops that one line. So a log call can
 * never spin, throw, or keep the process from exiting. SIGPIPE is ignored by Node, so a write to
 * a closed pipe is an EPIPE error here, not a signal.
 */
import { writeSync } from 'node:fs';

export class FdSink {
  readonly #fd: number;
  /** Set at the first fatal write error (e.g. "EPIPE"): nothing is written any more. */
  #broken: string | undefined;
  /** Lines dropped so far (broken sink, or a full pipe). */
  dropped = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Why the sink gave up, or undefined while it works. */
  get broken(): string | undefined {
    return this.#broken;
  }

  /** Write `text` (whole lines); never throws. */
  write(text: string): boolean {
    if (this.#broken !== undefined) {
      this.dropped++;
      return true;
    }
    const bytes = Buffer.from(text, 'utf8');
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(this.#fd, bytes, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      this.dropped++;
      if (code !== 'EAGAIN') this.#broken = code;
    }
    return true;
  }
}

/** stdout and stderr as sinks (one each per process: the CLI and the logger share them). */
export const stdoutSink = new FdSink(1);
export const stderrSink = new FdSink(2);
