/**
 * A small wrapper over `child_process.execFile`: an argument array (never a shell), a timeout,
 * and a Result instead of a thrown error. Every external command vrrpd runs goes through here.
 */
import { childProcess } from './child-process.js';
import { err, ok, type Result } from '../result.js';

/** What a finished command printed. */
export interface ExecOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Why a command did not succeed: it could not start, timed out, or exited non-zero. */
export interface ExecError {
  readonly kind: 'spawn-failed' | 'timeout' | 'exit-status';
  /** Exit status for 'exit-status'; undefined otherwise. */
  readonly code: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  /** One line for logs: the command and what went wrong. */
  readonly detail: string;
}

export interface ExecOptions {
  /** Kill the command after this many ms (SIGKILL). Default 5000. */
  readonly timeoutMs?: number;
  /** Largest stdout/stderr kept, in bytes. Default 4 MiB. */
  readonly maxBuffer?: number;
  /** Written to the command's stdin, which is then closed (e.g. `ip -batch -`). */
  readonly input?: string;
}

/** Runs `file` with `args` (no shell) and resolves to its output or a described failure. */
export function run(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<Result<ExecOutput, ExecError>> {
  const timeout = opts.timeoutMs ?? 5000;
  const line = [file, ...args].join(' ');
  return new Promise((resolve) => {
    try {
      const child = childProcess().execFile(
        file,
        [...args],
        { timeout, killSignal: 'SIGKILL', maxBuffer: opts.maxBuffer ?? 4 * 1024 * 1024, encoding: 'utf8', shell: false },
        (error, stdout, stderr) => {
          if (error === null) {
            resolve(ok({ stdout, stderr }));
            return;
          }
          const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
          if (typeof e.code === 'string') {
            resolve(err({ kind: 'spawn-failed', code: undefined, stdout, stderr, detail: `${line}: ${e.code} ${e.message}` }));
          } else if (e.killed === true) {
            resolve(err({ kind: 'timeout', code: undefined, stdout, stderr, detail: `${line}: timed out after ${timeout} ms` }));
          } else {
            const code = typeof e.code === 'number' ? e.code : undefined;
            const why = stderr.trim().split('\n')[0] ?? '';
            resolve(err({ kind: 'exit-status', code, stdout, stderr, detail: `${line}: exit ${code ?? '?'}: ${why}` }));
          }
        },
      );
      if (opts.input !== undefined) {
        // A command that exits without reading its input makes the write fail (EPIPE); its exit status says the rest.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(opts.input);
      }
    } catch (e) {
      // execFile throws synchronously on some arguments (a NUL byte) and on EAGAIN: a value too
      resolve(err({ kind: 'spawn-failed', code: undefined, stdout: '', stderr: '', detail: `${line}: ${(e as Error).message}` }));
    }
  });
}
