/**
 * `ip -force -batch -` for address changes: every change submitted while a batch is being
 * prepared or run joins the next one, so the VIPs of all the instances that fall due together
 * cost one fork, and the fork waits for a gate (the daemon's: no timer about to fire). One batch
 * runs at a time per namespace (changes keep their submission order); `-force` runs every line
 * even after a failure, exits 1 if any failed, and names each failed line with iproute2's
 * "Command failed -:N" (N counting from 1). Any other ending (timeout, signal, could not start)
 * fails the whole batch: a line not reached must not read as done.
 */
import { err, ok, type Result } from '../result.js';
import { run } from './exec.js';

/** One line's failure: what `ip` printed for it. */
export interface BatchLineFailure {
  readonly detail: string;
  readonly stderr: string;
}

export interface IpBatchOptions {
  /** The `ip` binary; default "ip". */
  readonly ipPath?: string;
  /** Run as `ip -n NETNS ...`; default: our own namespace. Validated by the caller. */
  readonly netns?: string;
  readonly timeoutMs?: number;
  /** Awaited before each fork of `ip` (which blocks the loop): the daemon waits for its timers to be quiet. */
  readonly gate?: () => Promise<unknown>;
}

/** Failure messages by line number from `ip -force -batch -`'s stderr (exported for unit tests). */
export function parseBatchErrors(stderr: string): Map<number, string> {
  const failures = new Map<number, string>();
  let message: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed -:(\d+)\s*$/.exec(line);
    if (m === null) {
      if (line.trim() !== '') message.push(line.trim());
      continue;
    }
    failures.set(Number(m[1]), message.join('; '));
    message = [];
  }
  return failures;
}

interface Pending {
  readonly line: string;
  readonly resolve: (r: Result<true, BatchLineFailure>) => void;
}

/** Coalesces lines for one `ip` binary and namespace into batches. */
export class IpBatcher {
  #pending: Pending[] = [];
  #busy = false;
  /** Batches run so far (the bench and tests read it). */
  batches = 0;
  /** See IpBatchOptions.gate; the latest caller's wins. */
  gate: (() => Promise<unknown>) | undefined;

  constructor(private readonly opts: IpBatchOptions = {}) {
    this.gate = opts.gate;
  }

  /**
   * Runs `lines` (each a validated `ip` command without the leading `ip`, e.g. "addr add
   * 10.0.0.1/32 dev eth0") in the next batch; resolves with one outcome per line, in order.
   */
  submit(lines: readonly string[]): Promise<Result<true, BatchLineFailure>[]> {
    const outcomes = lines.map((line) => new Promise<Result<true, BatchLineFailure>>((resolve) => this.#pending.push({ line, resolve })));
    this.#kick();
    return Promise.all(outcomes);
  }

  /** A batch starts once the current turn of the event loop is over, so its other changes join it. */
  #kick(): void {
    if (this.#busy || this.#pending.length === 0) return;
    this.#busy = true;
    setImmediate(() => {
      this.#flush().catch(() => undefined); // #flush settles every line itself, even on a bug
    });
  }

  async #flush(): Promise<void> {
    await this.gate?.().catch(() => undefined);
    const batch = this.#pending;
    this.#pending = [];
    this.batches++;
    try {
      const ns = this.opts.netns === undefined ? [] : ['-n', this.opts.netns];
      const input = `${batch.map((p) => p.line).join('\n')}\n`;
      const r = await run(this.opts.ipPath ?? 'ip', [...ns, '-force', '-batch', '-'], { timeoutMs: this.opts.timeoutMs ?? 5000, input });
      const linesFailed = !r.ok && r.error.kind === 'exit-status' && r.error.code === 1;
      const failures = linesFailed ? parseBatchErrors(r.error.stderr) : new Map<number, string>();
      // No line named (bad namespace...) or no normal exit: the batch as a whole failed.
      const whole = !r.ok && failures.size === 0 ? { detail: r.error.detail, stderr: r.error.stderr } : undefined;
      batch.forEach((p, i) => {
        const message = failures.get(i + 1);
        if (whole !== undefined) p.resolve(err(whole));
        else if (message === undefined) p.resolve(ok(true));
        else p.resolve(err({ detail: `ip ${p.line}: ${message}`, stderr: message }));
      });
    } catch (e) {
      for (const p of batch) p.resolve(err({ detail: `ip batch failed: ${String(e)}`, stderr: '' }));
    } finally {
      this.#busy = false;
      this.#kick();
    }
  }
}
