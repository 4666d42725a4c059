/**
 * The vrrpd process: configuration in, one Instance per vrrp_instance, one Iface per interface,
 * link monitoring, the status socket, reload and shutdown. Glue only: protocol decisions live in
 * the router, packet handling in io/. The daemon keeps the order of the steps; the steps live
 * beside it: config-source.ts (loading), slot.ts (one configured instance: its wiring, its stop),
 * interfaces.ts (opening and reopening interfaces), reload.ts (what a reload does to each
 * instance), snapshot.ts (status facts, statistics, dumps).
 */
import type { DisabledSection, LoadResult, VrrpdConfig, VrrpInstance } from '../config/types.js';
import { netlinkBatcher } from '../io/addr-netlink.js';
import { vipPath } from '../io/ip-addr.js';
import { NETLINK_FAULT_ENV } from '../io/rtnl-socket.js';
import { acquireRunLock, type RunLock } from '../io/run-lock.js';
import { stdoutSink } from '../io/fd-sink.js';
import { background, describeError } from '../background.js';
import { LinkMonitor } from '../io/link-monitor.js';
import { betweenTimerTiers, monotonicNow, takeoverAddresses, timerMechanism, timersQuiet, type Now } from './clock.js';
import { advertDestinations, needsDropRule, virtualAddresses } from './build.js';
import { configuredRecord, HOST_OPS, recordedOf, type HostEntry } from './host-entry.js';
import type { VipOps } from './vip-keeper.js';
import { Interfaces } from './interfaces.js';
import type { StateEvent } from './instance.js';
import type { Logger } from './log.js';
import { applyScheduling } from './process-scheduling.js';
import { prepareRunDir } from './runtime-dir.js';
import { serveStatus, type StatusServer } from './status-server.js';
import { HostRecord } from './vip-record.js';
import { HostSetup } from './host-setup.js';
import { AddressWatch } from './address-watch.js';
import { newSlot, removeStaleVips, stopSlot, waitFor, wireInstance, type Slot } from './slot.js';
import { loadForReload, loadOnThread, type ConfigSourceOptions } from './config-source.js';
import { buildStatus } from './status.js';
import { advertTrainsWanted, startAdvertTrain } from '../io/advert-trains.js';
import { slotFacts, withProcessStats, writeDump, type DaemonStats } from './snapshot.js';
import { statisticsOf, type DaemonStatus } from '../status/model.js';
import { VRRPD_VERSION } from './version.js';
import type { ListenAddress } from '../config/listen-address.js';
import { instanceLabels, scriptLabels } from '../status/metrics.js';
import { MetricsEndpoint } from './metrics.js';
import { Tracking } from './tracking.js';
import { warmKinds, warmTakeoverPath } from './warm-up.js';
import { logReloaded, planSlots, settleSlot, updateSlot } from './reload.js';
import { Notifications } from './notifications.js';
import { STOP_SCRIPT_MS } from '../io/notify-runner.js';
import { systemScriptHost, type ScriptHost } from '../io/script-launcher.js';
import { SyncGroups, type SyncOrder } from '../protocol/sync-group.js';
import type { TrackerKindName } from '../track/tracker.js';

export interface DaemonOptions extends ConfigSourceOptions {
  readonly runDir: string;
  readonly log: Logger;
  readonly now?: Now;
  /** How often to retry an interface that could not be opened (ms). */
  readonly retryMs?: number;
  /** `--metrics ADDR:PORT`: serve Prometheus metrics there (wins over `vrrpd_metrics`). */
  readonly metrics?: ListenAddress;
}

const STOP_BUDGET_MS = 900;

/** `work`, or 'late' after `ms`. */
function within(work: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([work, new Promise<'late'>((r) => setTimeout(() => r('late'), ms).unref())]);
}

export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #now: Now;
  #config: VrrpdConfig | undefined;
  /** Sections the running configuration left out for their own errors (the status lists them). */
  #disabled: readonly DisabledSection[] = [];
  readonly #ifaces: Interfaces;
  readonly #slots = new Map<string, Slot>();
  readonly #links = new LinkMonitor();
  /** Address changes: source addresses follow, VIPs removed behind our back come back (address-watch.ts). */
  readonly #addresses: AddressWatch;
  #status: StatusServer | undefined;
  #lock: RunLock | undefined;
  readonly #record: HostRecord;
  /** The host's address operations, recorded in the run directory: one wrapper for every instance (it holds nothing of one). */
  #vipOps: VipOps<HostEntry> | undefined = undefined;
  /** What the daemon sets up on the host besides the VIPs: nftables table, macvlans (host-setup.ts). */
  readonly #host: HostSetup;
  /** When start() ran (vrrp_startup_delay counts from it). */
  #startedAt = 0;
  #retry: NodeJS.Timeout | undefined;
  readonly #stateListeners: ((e: StateEvent) => void)[] = [];
  readonly #tracking: Tracking;
  readonly #notifications: Notifications;
  #sync = new SyncGroups([]);
  /** Aborted by stop(): a reload's load in flight is ended and its result dropped. */
  readonly #stopping = new AbortController();
  #reloading: Promise<boolean> | undefined;
  #reloadAgain = false;
  readonly #startedMono: number;
  readonly #metrics: MetricsEndpoint;

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#now = opts.now ?? monotonicNow;
    this.#startedMono = this.#now();
    this.#metrics = new MetricsEndpoint(() => this.snapshot(), this.#log);
    let host: Promise<ScriptHost> | undefined;
    const scriptHost = (): Promise<ScriptHost> => (host ??= systemScriptHost(() => timersQuiet()));
    this.#notifications = new Notifications({ log: this.#log, host: scriptHost });
    this.#tracking = new Tracking({
      now: this.#now,
      log: this.#log,
      host: scriptHost,
      links: this.#links,
      runDir: opts.runDir,
      onChange: (kind, name) => this.#contain(`a ${kind} change`, () => this.#trackerChanged(kind, name)),
      onCheck: (script, last) => this.#metrics.observe('checkDuration', scriptLabels(script), last.durationMs / 1000),
    });
    this.#record = new HostRecord(opts.runDir, this.#log);
    this.#host = new HostSetup(this.#record, this.#log);
    this.#ifaces = new Interfaces({ log: this.#log, config: () => this.#config, host: this.#host });
    this.#addresses = new AddressWatch({
      links: this.#links,
      log: this.#log,
      slots: () => this.#slots.values(),
      iface: (name) => this.#ifaces.get(name),
      virtual: () => (this.#config ? virtualAddresses(this.#config) : new Set()),
      bring: (slot) => {
        const s = this.#slots.get(slot.conf.name);
        if (s && !s.instance) this.#startInBackground(s);
      },
    });
  }

  /** Read and validate the configuration on this thread, logging its diagnostics (config-source.ts). */
  load(): LoadResult {
    return loadOnThread(this.#opts, this.#log);
  }

  /** Subscribe to every instance's state changes (notify scripts, tests). */
  onStateChange(listener: (e: StateEvent) => void): void {
    this.#stateListeners.push(listener);
  }

  /**
   * Load the config and start everything; an error result means nothing was started. A section
   * disabled by its own errors is left out and the rest starts (config/validate.ts says which
   * errors stop the file).
   */
  async start(): Promise<{ ok: boolean; detail?: string }> {
    const loaded = this.load();
    if (!loaded.config) return { ok: false, detail: `configuration ${this.#opts.configPath} has errors` };
    const dir = await prepareRunDir(this.#opts.runDir);
    if (!dir.ok) return { ok: false, detail: dir.error };
    // One daemon per runtime directory: before any VIP, socket or status file is touched.
    const lock = await acquireRunLock(this.#opts.runDir);
    if (!lock.ok) return { ok: false, detail: lock.error };
    this.#lock = lock.value;
    this.#startedAt = this.#now();
    await this.#host.removePrevious(this.#opts.runDir);
    this.#config = loaded.config;
    this.#disabled = loaded.disabled;
    await this.#record.configure(configuredRecord(loaded.config)); // before any address: a takeover then writes nothing
    await this.#host.ensureFirewall(loaded.config);
    this.#applyPriority(loaded.config);
    this.#links.on('change', (ifname, up) => this.#contain(`link ${ifname} change`, () => this.#onLink(ifname, up)));
    this.#links.on('monitorError', (e) => this.#log.warn({ err: e.message }, 'link monitor problem'));
    await this.#links.start();
    await this.#applyTracking(loaded.config);
    // A timer batch's addresses (a mass takeover) go to the kernel before its log lines and listeners.
    betweenTimerTiers(() => netlinkBatcher().flushNow());
    // The addresses of the takeovers whose adverts the queue sent itself go at once, before any instance steps.
    takeoverAddresses((requests) => netlinkBatcher().sendAhead(requests));
    // The bin compiles lazily: a scratch takeover compiles the MASTER path now, not at the first real one.
    for (const run of await warmTakeoverPath(warmKinds(loaded.config.instances))) {
      if (run.failed !== undefined) this.#log.warn({ version: run.kind.version, family: run.kind.family, detail: run.failed }, 'bug: the start-up warm-up failed; the first takeover compiles its code');
    }
    for (const conf of loaded.config.instances) this.#slots.set(conf.name, newSlot(conf));
    await Promise.all([...this.#slots.values()].map((s) => this.#bring(s)));
    this.#status = await serveStatus(
      this.#opts.runDir,
      () => this.snapshot(),
      (detail) => this.#log.warn({ detail }, 'status socket: cannot accept a client'),
    );
    await this.#metrics.apply(this.#opts.metrics ?? loaded.config.global.vrrpdMetrics);
    this.#armRetry();
    const timers = timerMechanism();
    if (timers.kind !== 'timerfd') this.#log.warn({ detail: timers.detail }, 'no kernel timer: timers run on setTimeout, up to ~1 ms late');
    const vips = vipPath();
    if (vips.kind !== 'netlink') this.#log.warn({ detail: vips.detail }, 'no rtnetlink in the native addon: virtual addresses change through `ip -batch`, a fork per batch (slower takeover)');
    if (process.env[NETLINK_FAULT_ENV]) this.#log.warn({ file: process.env[NETLINK_FAULT_ENV] }, `${NETLINK_FAULT_ENV} is set: address changes fail on demand (a test hook)`);
    this.#log.info({ config: this.#opts.configPath, instances: this.#slots.size, runDir: this.#opts.runDir, timers: timers.kind, vips: vips.kind }, 'vrrpd started');
    return { ok: true };
  }

  /**
   * SIGHUP: apply a new config; unchanged instances keep their state; a file with an error that
   * stops it changes nothing; an instance disabled by its own errors stops (handing over, like a
   * removed one) and the others are applied. A SIGHUP during a reload is coalesced: one more
   * reload runs when this one is done.
   */
  reload(): Promise<boolean> {
    if (this.#reloading !== undefined) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    const run = async (): Promise<boolean> => {
      let applied: boolean;
      do {
        this.#reloadAgain = false;
        applied = await this.#reloadOnce();
      } while (this.#reloadAgain && !this.#stopping.signal.aborted);
      return applied;
    };
    this.#reloading = run().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #reloadOnce(): Promise<boolean> {
    const loaded = await loadForReload(this.#opts, this.#log, this.#stopping.signal);
    if (this.#stopping.signal.aborted || loaded === undefined) return false;
    if (!loaded.config) {
      this.#log.error({ config: this.#opts.configPath }, 'reload refused: the new configuration has errors; still running the old one');
      return false;
    }
    const prev = this.#config!;
    const next = loaded.config;
    const { confs, plans, stopping, kept } = planSlots(this.#slots.values(), prev, next);
    const before = new Set(this.#slots.keys());
    await Promise.all(stopping.map((s) => stopSlot(s, this.#notifications)));
    for (const s of stopping) this.#slots.delete(s.conf.name);
    this.#config = next;
    this.#disabled = loaded.disabled;
    await this.#record.configure(configuredRecord(next));
    await this.#host.ensureFirewall(next);
    this.#applyPriority(next);
    for (const s of kept) {
      s.conf = confs.get(s.conf.name)!;
      s.settling = s.instance !== undefined;
    }
    await this.#applyTracking(next);
    for (const s of kept) this.#contain(`reloading ${s.conf.name}`, () => updateSlot(s, next, this.#ifaces));
    const starting = next.instances.filter((c) => !this.#slots.has(c.name));
    for (const conf of starting) this.#slots.set(conf.name, newSlot(conf));
    await Promise.all([...starting.map((c) => this.#bring(this.#slots.get(c.name)!)), ...kept.map((s) => settleSlot(s, this.#tracking))]);
    if (next.global.fifoWriteStatesOnReload) this.#notifications.states(next, (name) => this.#slots.get(name)?.instance?.facts().router);
    await this.#metrics.apply(this.#opts.metrics ?? next.global.vrrpdMetrics);
    logReloaded(this.#log, { confs, plans, stopping, kept }, { before, starting, disabled: loaded.disabled });
    return true;
  }

  /**
   * SIGTERM: masters hand over with priority 0 and remove their VIPs, bounded to under 1 s; then,
   * as keepalived does, the STOP notify scripts (running ones were sent SIGTERM first), each
   * killed after 1 s.
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    if (this.#retry) clearInterval(this.#retry);
    this.#notifications.shutdown();
    const all = Promise.all([...this.#slots.values()].map((s) => stopSlot(s, this.#notifications)));
    if ((await within(all, STOP_BUDGET_MS)) === 'late') this.#log.error({}, 'shutdown took too long; exiting anyway');
    for (const g of this.#config?.syncGroups ?? []) this.#notifications.group(g, 'INIT');
    if ((await within(this.#notifications.idle(), STOP_SCRIPT_MS + 100)) === 'late') this.#log.warn({}, 'notify scripts still running at exit');
    await this.#notifications.close();
    this.#tracking.stop();
    this.#addresses.stop();
    this.#links.stop();
    this.#ifaces.closeAll();
    await this.#host.undo();
    await this.#status?.close();
    await this.#metrics.close();
    this.#lock?.close();
    this.#log.info({}, 'vrrpd stopped');
  }

  /** SIGUSR1: the state as JSON in the runtime directory (root only, no symlinks followed). */
  async dumpState(): Promise<void> {
    await writeDump(this.#opts.runDir, this.#log, 'vrrpd.state.json', () => this.snapshot(), 'state');
  }

  /** SIGUSR2 (keepalived's statistics signal): the counters as JSON beside the state dump. */
  async dumpStats(): Promise<void> {
    await writeDump(this.#opts.runDir, this.#log, 'vrrpd.stats.json', () => this.stats(), 'statistics');
  }

  /**
   * What SIGUSR2 dumps: every counter of the status model (its statistics part), each instance's
   * protocol-timer lateness, the process's memory (bytes), and when it was taken.
   */
  stats(): DaemonStats {
    return withProcessStats(statisticsOf(this.snapshot()), this.#slots.values());
  }

  /** The status model (src/status/model.ts): what `vrrpd status`, the dumps and the metrics show. */
  snapshot(): DaemonStatus {
    const metrics = this.#metrics.facts();
    return buildStatus({
      at: { mono: this.#now(), wall: Date.now() },
      process: {
        pid: process.pid,
        version: VRRPD_VERSION,
        node: process.versions.node,
        config: this.#opts.configPath,
        ...(this.#opts.configId ? { configId: this.#opts.configId } : {}),
        runDir: this.#opts.runDir,
        startedMono: this.#startedMono,
        ...(metrics ? { metrics } : {}),
        log: { linesDropped: stdoutSink.dropped, ...(stdoutSink.broken ? { lost: stdoutSink.broken } : {}) },
      },
      // Before the interfaces: an instance's facts catch up what its advert train sent, sockets' counters included.
      slots: [...this.#slots.values()].map((s) => slotFacts(s, this.#tracking)),
      interfaces: [...this.#ifaces.values()].map((i) => ({ name: i.name, counters: i.mux?.counters, io: i.socketCounters })),
      objects: this.#tracking.objects(),
      disabled: this.#disabled,
    });
  }

  // --- internals ----------------------------------------------------------------------------

  /** global_defs' scheduling (vrrp_rt_priority, vrrp_priority; process-scheduling.ts). */
  #applyPriority(config: VrrpdConfig): void {
    applyScheduling(config.global, this.#log);
  }

  /** A bug in one handler is logged and contained: the other instances and their timers go on. */
  #contain(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.#bug(what, e);
    }
  }

  #bug(what: string, e: unknown): void {
    this.#log.error({ err: describeError(e) }, `bug: handling ${what} threw; contained`);
  }

  /** Open the slot's interface, clean up stale VIPs, and start its router (once at a time). Failures leave it waiting. */
  #bring(slot: Slot): Promise<void> {
    if (slot.instance || slot.held || !this.#config) return Promise.resolve();
    slot.bringing ??= this.#bringNow(slot).finally(() => (slot.bringing = undefined));
    return slot.bringing;
  }

  async #bringNow(slot: Slot): Promise<void> {
    if (slot.instance || !this.#config) return;
    const conf = slot.conf;
    if (needsDropRule(conf)) {
      const problem = await this.#host.ensureFirewall(this.#config);
      if (problem) return waitFor(slot, this.#log, problem);
    }
    const global = this.#config.global;
    const opened = await this.#ifaces.openFor(conf);
    if (!opened.ok) return waitFor(slot, this.#log, opened.error);
    const { iface, src } = opened.value;
    await removeStaleVips(conf, [...this.#slots.values()].filter((s) => s !== slot), this.#log);
    if (iface.name !== '') await iface.refresh();
    const targets = { destinations: advertDestinations(conf, global), group: this.#config.global.vrrpMcastGroup4 };
    let labels: ReturnType<typeof instanceLabels> | undefined; // built at the first observation, not at every timer
    const wired = wireInstance(conf, src, iface, targets, {
      now: this.#now,
      log: this.#log,
      vipOps: (this.#vipOps ??= this.#record.wrap(HOST_OPS, recordedOf)),
      garp: (addresses, count) => this.#ifaces.garpByDevice(slot.conf)(addresses, count), // a reload may move a VIP to another dev
      onTimer: (lateMs) => {
        // Every timer fire: without metrics, not even the division (its heap number is garbage, no JIT).
        if (this.#metrics.recording) this.#metrics.observe('timerLateness', (labels ??= instanceLabels(conf)), lateMs / 1000);
      },
      startTrain: advertTrainsWanted(process.env) ? startAdvertTrain : undefined,
    });
    if (!wired.ok) return waitFor(slot, this.#log, wired.error);
    const { instance, registration, sender } = wired.value;
    // slot.conf, not conf: a reload may change the notify scripts of an instance it keeps.
    instance.onStateChange((e) => this.#contain(`${conf.name} -> ${e.to}`, () => this.#memberMoved(slot.conf, e)));
    instance.onOwnFault((faulted, detail) => this.#contain(`${conf.name} own fault`, () => this.#applySync(this.#sync.onOwnFault(conf.name, faulted, detail))));
    instance.onPriorityChange((e) => this.#contain(`${conf.name} priority`, () => this.#notifications.priority(slot.conf, e.state, e.to)));
    for (const l of this.#stateListeners) instance.onStateChange((e) => this.#contain(`${conf.name} -> ${e.to}`, () => l(e)));
    slot.instance = instance;
    slot.registration = registration;
    slot.sender = sender;
    slot.waiting = undefined;
    // keepalived holds an instance back until its scripts have a first verdict (no spurious FAULT).
    await this.#tracking.settled(conf);
    instance.setLink(conf.interface === '' ? true : (this.#links.isUp(conf.interface) ?? opened.value.running));
    instance.setTrackers(this.#tracking.statuses(conf));
    this.#applySync(this.#sync.resync(conf.name)); // the group may hold FAULT already
    // keepalived vrrp_startup_delay: no instance leaves BACKUP before it has passed since start.
    instance.start(Math.max(0, this.#startedAt + this.#config.global.vrrpStartupDelayMs - this.#now()));
  }

  /** Retry instances whose interface was not usable. */
  #armRetry(): void {
    this.#retry = setInterval(() => {
      // forEach, not for-of: an iterator result per slot per tick without a JIT (255 slots every 2 s).
      this.#slots.forEach((s) => {
        if (!s.instance) this.#startInBackground(s);
      });
    }, this.#opts.retryMs ?? 2000);
    this.#retry.unref();
  }

  /** Start `s` in the background (a failure is a contained bug). Its own method: a closure in the retry's loop would cost every slot a context at every tick, started or not. */
  #startInBackground(s: Slot): void {
    background(this.#bring(s), (e) => this.#bug(`starting ${s.conf.name}`, e));
  }

  #onLink(ifname: string, up: boolean): void {
    this.#log.info({ ifname, up }, `link ${ifname} ${up ? 'up' : 'down'}`);
    // A new index under the name: the instances are restarted on new sockets, not woken on the old.
    const known = this.#ifaces.get(ifname)?.info?.index;
    const recreated = up && known !== undefined && known !== this.#links.indexOf(ifname);
    if (up) {
      const on = { slots: () => this.#slots.values(), links: this.#links, stop: (s: Slot) => stopSlot(s, this.#notifications), bring: (s: Slot) => this.#bring(s) };
      background(this.#ifaces.reopenIfRecreated(ifname, on), (e) => this.#bug(`reopening ${ifname}`, e));
    }
    for (const s of this.#slots.values()) {
      if (s.instance && s.conf.interface === ifname && !recreated) s.instance.setLink(up);
    }
  }

  /** Notifications, then keepalived's sync groups: the other members follow. */
  #memberMoved(conf: VrrpInstance, e: StateEvent): void {
    const slot = this.#slots.get(conf.name);
    if (e.reason === 'shutdown' && slot) slot.stopped = e; // notified by stopSlot, once the addresses are gone
    else this.#notifications.instance(conf, e.to, e.priority);
    const group = this.#config?.syncGroups.find((g) => g.members.includes(conf.name));
    if (group && e.reason !== 'sync-group' && e.reason !== 'shutdown') this.#notifications.group(group, e.to);
    this.#applySync(this.#sync.onStateChange(conf.name, e.from, e.to, e.reason));
  }

  /** vrrp_sync_group orders to the members' instances (an instance not running yet gets them at its start). */
  #applySync(orders: readonly SyncOrder[]): void {
    for (const order of orders) this.#slots.get(order.member)?.instance?.sync(order.input);
  }

  /** A tracked object changed (a script's verdict, a tracked link, a file, a process count): update its instances. */
  #trackerChanged(kind: TrackerKindName, name: string): void {
    for (const s of this.#slots.values()) {
      if (s.instance && !s.settling && this.#tracking.tracks(s.conf, kind, name)) s.instance.setTrackers(this.#tracking.statuses(s.conf));
    }
  }

  async #applyTracking(config: VrrpdConfig): Promise<void> {
    this.#sync = new SyncGroups(config.syncGroups);
    // A reload keeps running instances: the new coordinator learns their own faults and re-holds or releases them.
    const running = [...this.#slots.values()].flatMap((s) => (s.instance ? [{ name: s.conf.name, router: s.instance.router }] : []));
    for (const r of running) if (r.router.ownFaulted) this.#sync.onOwnFault(r.name, true, 'fault of its own (before the reload)');
    for (const r of running) this.#applySync(this.#sync.resync(r.name));
    await this.#tracking.apply(config);
    await this.#notifications.apply(config);
  }
}
