/**
 * Process events for track_process, from the kernel instead of a poll (native-notes/trackers.md):
 *
 * - The proc connector (NETLINK_CONNECTOR, CN_IDX_PROC), keepalived's source: every fork, exec,
 *   name change and exit on the host as it happens. It needs CAP_NET_ADMIN and exists only in the
 *   initial network namespace; its pids are the initial PID namespace's. So it is opened, and
 *   then proven: the kernel acknowledges the subscription, and renaming our own main thread (to
 *   its own name) must come back as an event carrying our own pid, which fails in a PID
 *   namespace of our own (a container without hostPID). When it cannot be used, why is said.
 * - pidfd (Linux 5.3): a descriptor that becomes readable when one process exits. Without the
 *   connector, the counted processes are watched this way, so a death is still seen at once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from '../result.js';
import { attempt, watchAddon, type ProcEvent, type WatchAddon } from './watch-addon.js';

/** How long the connector has to prove itself. */
const PROOF_MS = 1000;

export interface ProcConnectorHandlers {
  /** Events in the order the kernel sent them (only whole processes: threads are left out). */
  readonly events: (events: readonly ProcEvent[]) => void;
  /** The kernel dropped events (the socket's buffer was full): read everything again. */
  readonly lost: () => void;
  readonly bug: (e: unknown) => void;
}

/** The proc connector, subscribed and proven. */
export class ProcConnector {
  #closed = false;
  #sink: ((events: readonly ProcEvent[], lost: boolean) => void) | undefined;

  private constructor(
    private readonly addon: WatchAddon,
    private readonly fd: number,
    private readonly handle: object,
  ) {}

  /** Open, subscribe and prove it; an error says why it cannot be used here. */
  static async open(h: ProcConnectorHandlers): Promise<Result<ProcConnector, string>> {
    const addon = watchAddon();
    if (!addon.ok) return addon;
    const a = addon.value;
    const fd = attempt(() => a.procOpen());
    if (!fd.ok) return err(whyNot(fd.error.code, fd.error.detail));
    let c: ProcConnector | undefined;
    const handle = attempt(() =>
      a.watch(fd.value, () => {
        try {
          if (c !== undefined) c.#read();
        } catch (e) {
          h.bug(e);
        }
      }),
    );
    if (!handle.ok) {
      attempt(() => a.close(fd.value));
      return err(handle.error.detail);
    }
    c = new ProcConnector(a, fd.value, handle.value);
    const proof = await c.#prove();
    if (proof !== undefined) {
      c.close();
      return err(proof);
    }
    c.#sink = (events, lost) => {
      if (lost) h.lost();
      if (events.length > 0) h.events(events);
    };
    return ok(c);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.addon.unwatch(this.handle);
    attempt(() => this.addon.close(this.fd));
  }

  #read(): void {
    if (this.#closed) return;
    const r = this.addon.procRead(this.fd);
    // fork: a new process has pid == tgid (a new thread does not); exec, comm, exit: the main thread's.
    const whole = r.events.filter((e) => e.what === 'ack' || e.pid === e.tgid);
    this.#sink?.(whole, r.lost);
  }

  /** The kernel's acknowledgement, then our own rename seen with our own pid; undefined when proven. */
  async #prove(): Promise<string | undefined> {
    let acked = false;
    let ours = false;
    this.#sink = (events) => {
      for (const e of events) {
        if (e.what === 'ack') acked = true;
        if (e.what === 'comm' && e.tgid === process.pid) ours = true;
      }
    };
    const rename = attempt(() => {
      const comm = readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, '');
      writeFileSync('/proc/self/comm', comm);
    });
    if (!rename.ok) return `cannot prove the proc connector (renaming our own thread: ${rename.error.detail})`;
    const end = performance.now() + PROOF_MS;
    while (!(acked && ours) && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
    this.#sink = undefined;
    if (!acked) return 'the kernel never acknowledged the proc connector subscription (CONFIG_PROC_EVENTS off?)';
    if (!ours) return 'proc connector events carry the host\'s pids and vrrpd runs in a PID namespace of its own (a container without hostPID)';
    return undefined;
  }
}

function whyNot(code: string, detail: string): string {
  if (code === 'EPERM' || code === 'EACCES') return `no proc connector: vrrpd lacks CAP_NET_ADMIN (${detail})`;
  if (code === 'ECONNREFUSED') return 'no proc connector in this network namespace (the kernel offers it in the initial one only)';
  if (code === 'EPROTONOSUPPORT') return 'no proc connector in this kernel (CONFIG_PROC_EVENTS)';
  return `no proc connector: ${detail}`;
}

/**
 * Call `onExit` once when process `pid` exits (pidfd_open). An error when it cannot be watched:
 * ESRCH (already gone), ENOSYS (Linux before 5.3), no addon.
 */
export function watchExit(pid: number, onExit: () => void, bug: (e: unknown) => void): Result<() => void, { readonly code: string; readonly detail: string }> {
  const addon = watchAddon();
  if (!addon.ok) return err({ code: 'ENOSYS', detail: addon.error });
  const a = addon.value;
  const fd = attempt(() => a.pidfdOpen(pid));
  if (!fd.ok) return fd;
  let done = false;
  const stop = (): void => {
    if (done) return;
    done = true;
    a.unwatch(handle);
    attempt(() => a.close(fd.value));
  };
  const handle = a.watch(fd.value, () => {
    stop();
    try {
      onExit();
    } catch (e) {
      bug(e);
    }
  });
  return ok(stop);
}
