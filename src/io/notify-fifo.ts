/**
 * A notify FIFO, keepalived's way (lib/notify.c fifo_open / fifo_close) with more care:
 *
 * - Created with mkfifo(1) (coreutils; Node has no mkfifo) mode 0644 when missing, owned by the
 *   configured user when vrrpd may chown; an existing one is used as it is.
 * - Opened O_RDWR | O_NONBLOCK | O_NOFOLLOW: opening never waits for a reader, a symlink is never
 *   followed, and as we hold a read end ourselves a reader that goes away costs no EPIPE; then
 *   fstat must show a FIFO (a regular file put there is refused, not written into).
 * - Each line is one write(2) of less than PIPE_BUF, so lines never interleave; a full pipe (no
 *   reader, or a slow one) drops the line (EAGAIN) and counts it: the daemon never waits. A line
 *   longer than PIPE_BUF (a name of kilobytes) is dropped and counted too.
 * - Closed by unlinking it first when we created it (a reader that reopens in a loop finds
 *   nothing), then closing.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import * as fs from './fs-async.js';
import { run } from './exec.js';
import { err, ok, type Result } from '../result.js';

/** Linux's atomic pipe write size. */
const PIPE_BUF = 4096;

export class NotifyFifoWriter {
  /** Lines dropped: the pipe was full (or the write failed). */
  dropped = 0;
  #closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly created: boolean,
  ) {}

  /** Create (when missing) and open the FIFO; `owner` is chowned to when we created it. */
  static async open(path: string, owner: { uid: number; gid: number } | undefined, warn: (msg: string) => void): Promise<Result<NotifyFifoWriter, string>> {
    const made = await run('mkfifo', ['-m', '0644', '--', path], { timeoutMs: 5000 });
    const created = made.ok;
    if (!made.ok && !/File exists/.test(made.error.stderr)) return err(`cannot create ${path}: ${made.error.stderr.trim() || made.error.detail}`);
    if (created && owner !== undefined) {
      await fs.lchown(path, owner.uid, owner.gid).catch((e: Error) => warn(`cannot give ${path} to uid ${owner.uid} gid ${owner.gid}: ${e.message}`));
    }
    let fd: number;
    try {
      // O_NONBLOCK: opening a FIFO never waits (and with O_RDWR it needs no reader).
      fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      if (created) await fs.unlink(path).catch(() => undefined);
      return err(`cannot open ${path}: ${(e as Error).message}`);
    }
    const st = fstatSync(fd);
    if (!st.isFIFO()) {
      closeFd(fd);
      return err(`${path} exists and is not a FIFO; refusing to write into it`);
    }
    return ok(new NotifyFifoWriter(path, fd, created));
  }

  /** Write one line (newline added); never blocks, never throws. */
  write(line: string): void {
    if (this.#closed) return;
    const bytes = Buffer.from(`${line}\n`);
    // Longer than PIPE_BUF, a write could be split and interleave with another's: dropped.
    if (bytes.length > PIPE_BUF) {
      this.dropped++;
      return;
    }
    try {
      writeSync(this.fd, bytes);
    } catch {
      this.dropped++;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.created) await fs.unlink(this.path).catch(() => undefined);
    closeFd(this.fd);
  }
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
