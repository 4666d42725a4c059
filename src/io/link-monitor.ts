/**
 * Interface up/down events within milliseconds, from netlink via `ip -o monitor link`.
 *
 * The monitor is started first, then the current state is read with `ip -o link show`, so no
 * change falls between the two. Both run in the daemon's own network namespace (a child
 * inherits it; under `ip netns exec` that is the test namespace). If the monitor dies it is
 * restarted after `restartDelayMs` and the state is read again; differences are emitted.
 * Events: 'change' (ifname, up) only when an interface's state actually changes, and
 * 'monitorError' (Error) for monitor failures (named so an unheard one never throws).
 * The initial read sets states without events; read them with `isUp`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { parseLinkLine } from '../track/link-parse.js';
import { background } from '../background.js';

export interface LinkMonitorOptions {
  /** The `ip` binary; default 'ip' from PATH. */
  readonly ipPath?: string;
  /** Wait before restarting a dead monitor; default 200 ms. */
  readonly restartDelayMs?: number;
  /**
   * Watch a named namespace (`ip -n NAME`) instead of our own. For tests and tools: the daemon
   * leaves it unset so the monitor inherits the daemon's namespace.
   */
  readonly netns?: string;
}

export interface LinkMonitorEvents {
  change: [ifname: string, up: boolean];
  monitorError: [err: Error];
}

/** Read every link's state once (`ip -o link show`). */
export function readLinkStates(ipPath = 'ip', netns?: string): Promise<Map<string, boolean>> {
  const ns = netns === undefined ? [] : ['-n', netns];
  return new Promise((resolve, reject) => {
    execFile(ipPath, [...ns, '-o', 'link', 'show'], { maxBuffer: 4 * 1024 * 1024 }, (e, stdout) => {
      if (e) return reject(e);
      const states = new Map<string, boolean>();
      for (const line of stdout.split('\n')) {
        const r = parseLinkLine(line);
        if (r.ok && !r.value.deleted) states.set(r.value.ifname, r.value.up);
      }
      resolve(states);
    });
  });
}

/** Watches every interface; ask `isUp(ifname)` or listen for 'change'. */
export class LinkMonitor extends EventEmitter<LinkMonitorEvents> {
  private readonly ipPath: string;
  private readonly restartDelayMs: number;
  private readonly netns: string | undefined;
  private readonly states = new Map<string, boolean>();
  private child: ChildProcess | undefined;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  /** How many times the monitor process was (re)started. */
  starts = 0;

  constructor(opts: LinkMonitorOptions = {}) {
    super();
    this.ipPath = opts.ipPath ?? 'ip';
    this.restartDelayMs = opts.restartDelayMs ?? 200;
    this.netns = opts.netns;
  }

  /** Start monitoring; resolves once the initial state is known. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.launch();
  }

  /** Stop the monitor process; no more events. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  /** Last known state; undefined for an interface never seen (or deleted). */
  isUp(ifname: string): boolean | undefined {
    return this.states.get(ifname);
  }

  /** The monitor's pid (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    this.starts++;
    const ns = this.netns === undefined ? [] : ['-n', this.netns];
    let child: ChildProcess;
    try {
      child = spawn(this.ipPath, [...ns, '-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (e) {
      this.emit('monitorError', e instanceof Error ? e : new Error(String(e)));
      this.restartLater();
      return;
    }
    this.child = child;
    child.once('error', (e) => this.emit('monitorError', e));
    child.once('exit', () => this.onExit(child));
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    try {
      const now = await readLinkStates(this.ipPath, this.netns);
      const first = this.starts === 1;
      for (const [name, up] of now) this.set(name, up, !first);
      for (const name of [...this.states.keys()]) if (!now.has(name)) this.forget(name);
    } catch (e) {
      this.emit('monitorError', e instanceof Error ? e : new Error(String(e)));
    }
  }

  private onExit(child: ChildProcess): void {
    if (this.child !== child) return;
    this.child = undefined;
    if (this.stopped) return;
    this.emit('monitorError', new Error('ip monitor exited; restarting'));
    this.restartLater();
  }

  /** launch() never rejects: a failed start is reported and retried. */
  private restartLater(): void {
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      if (!this.stopped) background(this.launch(), (e) => this.emit('monitorError', e instanceof Error ? e : new Error(String(e))));
    }, this.restartDelayMs);
  }

  private onLine(line: string): void {
    const r = parseLinkLine(line);
    if (!r.ok) return; // not a link record: ignore
    if (r.value.deleted) this.forget(r.value.ifname);
    else this.set(r.value.ifname, r.value.up);
  }

  private set(name: string, up: boolean, announceNew = true): void {
    const before = this.states.get(name);
    this.states.set(name, up);
    if (before !== up && (before !== undefined || announceNew)) this.emit('change', name, up);
  }

  private forget(name: string): void {
    const before = this.states.get(name);
    this.states.delete(name);
    if (before === true) this.emit('change', name, false);
  }
}
