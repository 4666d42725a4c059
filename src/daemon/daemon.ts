/**
 * The vrrpd process: configuration in, one Instance per vrrp_instance, one Iface per interface,
 * link monitoring, the status socket, reload and shutdown. Glue only: protocol decisions live in
 * the router, packet handling in io/.
 */
import type { Server } from 'node:net';
import { loadConfig } from '../config/load.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import type { LoadResult, SourceHost, VrrpdConfig, VrrpInstance } from '../config/types.js';
import { fsSourceHost } from '../io/config-files.js';
import { getInterfaceInfo } from '../io/interface-info.js';
import { addVip, delVip, removeStale, type VipSpec } from '../io/ip-addr.js';
import { LinkMonitor } from '../io/link-monitor.js';
import type { Registration } from '../io/vrrp-mux.js';
import { monotonicNow, type Now } from './clock.js';
import { advertDestinations, instanceKey, instanceSpec, sourceAddress, vipSpecs, virtualAddresses } from './build.js';
import { Iface } from './iface.js';
import { Instance, type StateEvent } from './instance.js';
import type { Logger } from './log.js';
import { prepareRunDir, writePrivateFile } from './runtime-dir.js';
import { serveStatus } from './status-server.js';
import { Tracking } from './tracking.js';
import { SyncGroups, type SyncOrder } from '../protocol/sync-group.js';

export interface DaemonOptions {
  readonly configPath: string;
  readonly configId?: string;
  readonly runDir: string;
  readonly log: Logger;
  readonly now?: Now;
  readonly host?: SourceHost;
  /** How often to retry an interface that could not be opened (ms). */
  readonly retryMs?: number;
}

/** One configured instance: running, or waiting for its interface. */
interface Slot {
  readonly conf: VrrpInstance;
  readonly key: string;
  instance: Instance<VipSpec> | undefined;
  registration: Registration | undefined;
  waiting: string | undefined;
}

const STOP_BUDGET_MS = 900;

export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  readonly #now: Now;
  #config: VrrpdConfig | undefined;
  readonly #ifaces = new Map<string, Iface>();
  readonly #slots = new Map<string, Slot>();
  readonly #links = new LinkMonitor();
  #status: Server | undefined;
  #retry: NodeJS.Timeout | undefined;
  readonly #stateListeners: ((e: StateEvent) => void)[] = [];
  readonly #tracking: Tracking;
  #notifyUser: { uid?: number; gid?: number } = {};
  #sync = new SyncGroups([]);

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.#now = opts.now ?? monotonicNow;
    this.#tracking = new Tracking({ now: this.#now, log: this.#log, onScriptChange: (script) => this.#scriptChanged(script) });
  }

  /** Read and validate the configuration, logging every diagnostic as file:line:col. */
  load(): LoadResult {
    const host = this.#opts.host ?? fsSourceHost({ interfacesDir: false });
    const result = loadConfig(this.#opts.configPath, host, this.#opts.configId ? { configId: this.#opts.configId } : {});
    for (const d of result.diagnostics) {
      const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warn' : 'info';
      this.#log[level]({ file: d.file, line: d.line, col: d.col }, formatDiagnostic(d));
    }
    return result;
  }

  /** Subscribe to every instance's state changes (notify scripts, tests). */
  onStateChange(listener: (e: StateEvent) => void): void {
    this.#stateListeners.push(listener);
  }

  /** Load the config and start everything; an error result means nothing was started. */
  async start(): Promise<{ ok: boolean; detail?: string }> {
    const loaded = this.load();
    if (!loaded.config) return { ok: false, detail: `configuration ${this.#opts.configPath} has errors` };
    const dir = await prepareRunDir(this.#opts.runDir);
    if (!dir.ok) return { ok: false, detail: dir.error };
    this.#config = loaded.config;
    this.#links.on('change', (ifname, up) => this.#onLink(ifname, up));
    this.#links.on('monitorError', (e) => this.#log.warn({ err: e.message }, 'link monitor problem'));
    await this.#links.start();
    await this.#applyTracking(loaded.config);
    for (const conf of loaded.config.instances) this.#slots.set(conf.name, this.#newSlot(loaded.config, conf));
    await Promise.all([...this.#slots.values()].map((s) => this.#bring(s)));
    this.#status = await serveStatus(this.#opts.runDir, () => this.snapshot());
    this.#armRetry();
    this.#log.info({ config: this.#opts.configPath, instances: this.#slots.size, runDir: this.#opts.runDir }, 'vrrpd started');
    return { ok: true };
  }

  /** SIGHUP: apply a new config; unchanged instances keep their state; a broken config changes nothing. */
  async reload(): Promise<boolean> {
    const loaded = this.load();
    if (!loaded.config) {
      this.#log.error({ config: this.#opts.configPath }, 'reload refused: the new configuration has errors; still running the old one');
      return false;
    }
    const next = loaded.config;
    const wanted = new Map(next.instances.map((c) => [c.name, instanceKey(next, c)]));
    const stopping = [...this.#slots.values()].filter((s) => wanted.get(s.conf.name) !== s.key);
    const before = new Set(this.#slots.keys());
    await Promise.all(stopping.map((s) => this.#stopSlot(s)));
    for (const s of stopping) this.#slots.delete(s.conf.name);
    this.#config = next;
    await this.#applyTracking(next);
    const starting = next.instances.filter((c) => !this.#slots.has(c.name));
    for (const conf of starting) this.#slots.set(conf.name, this.#newSlot(next, conf));
    await Promise.all(starting.map((c) => this.#bring(this.#slots.get(c.name)!)));
    this.#log.info(
      {
        kept: next.instances.length - starting.length,
        restarted: starting.filter((c) => before.has(c.name)).map((c) => c.name),
        added: starting.filter((c) => !before.has(c.name)).map((c) => c.name),
        removed: stopping.filter((s) => !wanted.has(s.conf.name)).map((s) => s.conf.name),
      },
      'configuration reloaded',
    );
    return true;
  }

  /** SIGTERM: masters hand over with priority 0 and remove their VIPs; bounded to under 1 s. */
  async stop(): Promise<void> {
    if (this.#retry) clearInterval(this.#retry);
    const all = Promise.all([...this.#slots.values()].map((s) => this.#stopSlot(s)));
    const budget = new Promise<'late'>((r) => setTimeout(() => r('late'), STOP_BUDGET_MS).unref());
    const finished = Promise.all([all, this.#tracking.idle()]);
    if ((await Promise.race([finished, budget])) === 'late') this.#log.error({}, 'shutdown took too long; exiting anyway');
    this.#tracking.stop();
    this.#links.stop();
    for (const i of this.#ifaces.values()) i.close();
    await new Promise<void>((r) => (this.#status ? this.#status.close(() => r()) : r()));
    this.#log.info({}, 'vrrpd stopped');
  }

  /** SIGUSR1: the state as JSON in the runtime directory (root only, no symlinks followed). */
  async dumpState(): Promise<void> {
    const r = await writePrivateFile(this.#opts.runDir, 'vrrpd.state.json', `${JSON.stringify(this.snapshot(), null, 2)}\n`);
    if (r.ok) this.#log.info({ file: r.value }, 'state dumped');
    else this.#log.error({ detail: r.error }, 'state dump failed');
  }

  /** What `vrrpd status` shows. */
  snapshot(): object {
    return {
      pid: process.pid,
      config: this.#opts.configPath,
      instances: [...this.#slots.values()].map((s) => ({
        ...(s.instance
          ? s.instance.snapshot()
          : { name: s.conf.name, vrid: s.conf.vrid, version: s.conf.version, family: s.conf.family, state: 'FAULT', basePriority: s.conf.priority, effectivePriority: s.conf.priority }),
        interface: s.conf.interface,
        vips: vipSpecs(s.conf).map((v) => v.address),
        ...(s.waiting ? { waiting: s.waiting } : {}),
      })),
      interfaces: Object.fromEntries([...this.#ifaces.values()].map((i) => [i.name, i.mux?.counters ?? { open: false }])),
    };
  }

  // --- internals ----------------------------------------------------------------------------

  #newSlot(config: VrrpdConfig, conf: VrrpInstance): Slot {
    return { conf, key: instanceKey(config, conf), instance: undefined, registration: undefined, waiting: 'starting' };
  }

  #iface(name: string): Iface {
    let i = this.#ifaces.get(name);
    if (!i) {
      i = new Iface(name, this.#log);
      this.#ifaces.set(name, i);
    }
    return i;
  }

  /** Open the slot's interface, clean up stale VIPs, and start its router. Failures leave it waiting. */
  async #bring(slot: Slot): Promise<void> {
    if (slot.instance || !this.#config) return;
    const conf = slot.conf;
    const iface = this.#iface(conf.interface);
    const global = this.#config.global;
    const opened = await iface.open(conf.family, { ipv4: global.vrrpMcastGroup4, ipv6: global.vrrpMcastGroup6 });
    if (!opened.ok) return this.#wait(slot, `interface ${conf.interface}: ${opened.error}`);
    const source = sourceAddress(conf, opened.value, virtualAddresses(this.#config));
    if (!source.ok) return this.#wait(slot, source.error);
    const src = source.value;
    const stale = await removeStale(conf.interface, vipSpecs(conf));
    if (!stale.ok) this.#log.warn({ instance: conf.name, detail: stale.error.detail }, 'could not check for stale virtual addresses');
    else if (stale.value.length > 0) this.#log.warn({ instance: conf.name, removed: stale.value }, 'removed virtual addresses left behind by an earlier run');
    await iface.refresh();
    const unicast = conf.unicastPeers.length > 0;
    const destinations = advertDestinations(conf, global);
    let registration: Registration | undefined;
    const instance = new Instance(instanceSpec(conf, src), {
      now: this.#now,
      log: this.#log,
      destinations,
      sendTo: (payload, dst) => registration?.sendTo(payload, dst) ?? Promise.resolve({ ok: false, error: { detail: 'not registered' } }),
      vipOps: { add: (v) => addVip(v), del: (v) => delVip(v), describe: (v) => `${v.address} dev ${v.dev}` },
      garp: (addresses, count) => iface.sendGarps(addresses, count),
    });
    const cfg = instance.router.config;
    const reg = iface.mux!.register(conf.name, {
      spec: { vrid: cfg.vrid, version: cfg.version, family: cfg.family, counters: instance.router.counters, ...(unicast ? { unicastPeers: conf.unicastPeers } : {}) },
      onAdvert: (rx) => instance.receive(rx),
      destinations,
      source: src,
    });
    if (!reg.ok) return this.#wait(slot, reg.error.detail);
    registration = reg.value;
    instance.onStateChange((e) => this.#memberMoved(conf, e));
    instance.onOwnFault((faulted, detail) => this.#applySync(this.#sync.onOwnFault(conf.name, faulted, detail)));
    for (const l of this.#stateListeners) instance.onStateChange(l);
    slot.instance = instance;
    slot.registration = registration;
    slot.waiting = undefined;
    // keepalived holds an instance back until its scripts have a first verdict (no spurious FAULT).
    await this.#tracking.settled(conf);
    instance.setLink(this.#links.isUp(conf.interface) ?? opened.value.running);
    instance.setTrackers(this.#tracking.statuses(conf, (i) => this.#links.isUp(i)));
    this.#applySync(this.#sync.resync(conf.name)); // the group may hold FAULT already
    instance.start();
  }

  #wait(slot: Slot, why: string): void {
    if (slot.waiting !== why) this.#log.warn({ instance: slot.conf.name, why }, 'instance waiting (FAULT) until this is resolved');
    slot.waiting = why;
  }

  async #stopSlot(slot: Slot): Promise<void> {
    const instance = slot.instance;
    slot.instance = undefined;
    if (!instance) return;
    await instance.stop();
    slot.registration?.unregister();
    slot.registration = undefined;
  }

  /** Retry instances whose interface was not usable. */
  #armRetry(): void {
    this.#retry = setInterval(() => {
      for (const s of this.#slots.values()) if (!s.instance) void this.#bring(s);
    }, this.#opts.retryMs ?? 2000);
    this.#retry.unref();
  }

  #onLink(ifname: string, up: boolean): void {
    this.#log.info({ ifname, up }, `link ${ifname} ${up ? 'up' : 'down'}`);
    if (up) void this.#reopenIfRecreated(ifname);
    for (const s of this.#slots.values()) {
      if (!s.instance) continue;
      if (s.conf.interface === ifname) s.instance.setLink(up);
      if (s.conf.trackInterfaces.some((t) => t.name === ifname)) this.#pushTrackers(s);
    }
  }

  /** Notify scripts, then keepalived's sync groups: the other members follow. */
  #memberMoved(conf: VrrpInstance, e: StateEvent): void {
    this.#tracking.notify(conf, e, this.#notifyUser);
    const group = this.#config?.syncGroups.find((g) => g.members.includes(conf.name));
    if (group && e.reason !== 'sync-group') this.#tracking.notifyGroup(group, e, this.#notifyUser);
    this.#applySync(this.#sync.onStateChange(conf.name, e.from, e.to, e.reason));
  }

  /** vrrp_sync_group orders to the members' instances (an instance not running yet gets them at its start). */
  #applySync(orders: readonly SyncOrder[]): void {
    for (const order of orders) this.#slots.get(order.member)?.instance?.sync(order.input);
  }

  /**
   * An interface deleted and created again has a new index: our socket, multicast membership and
   * GARP sender belong to the old one. Stop its instances, reopen, and start them again.
   */
  async #reopenIfRecreated(ifname: string): Promise<void> {
    const iface = this.#ifaces.get(ifname);
    if (!iface?.info) return;
    const now = await getInterfaceInfo(ifname);
    if (!now.ok || now.value.index === iface.info.index) return;
    this.#log.warn({ ifname, oldIndex: iface.info.index, newIndex: now.value.index }, `interface ${ifname} was recreated; reopening it`);
    const slots = [...this.#slots.values()].filter((s) => s.conf.interface === ifname);
    await Promise.all(slots.map((s) => this.#stopSlot(s)));
    iface.close();
    this.#ifaces.delete(ifname);
    for (const s of slots) s.waiting = `interface ${ifname} is being reopened`;
    await Promise.all(slots.map((s) => this.#bring(s)));
  }

  #scriptChanged(script: string): void {
    for (const s of this.#slots.values()) {
      if (s.conf.trackScripts.some((t) => t.name === script)) this.#pushTrackers(s);
    }
  }

  #pushTrackers(slot: Slot): void {
    slot.instance?.setTrackers(this.#tracking.statuses(slot.conf, (i) => this.#links.isUp(i)));
  }

  async #applyTracking(config: VrrpdConfig): Promise<void> {
    this.#sync = new SyncGroups(config.syncGroups);
    // A reload keeps running instances: the new coordinator learns their own faults and re-holds or releases them.
    const running = [...this.#slots.values()].flatMap((s) => (s.instance ? [{ name: s.conf.name, router: s.instance.router }] : []));
    for (const r of running) if (r.router.ownFaulted) this.#sync.onOwnFault(r.name, true, 'fault of its own (before the reload)');
    for (const r of running) this.#applySync(this.#sync.resync(r.name));
    await this.#tracking.apply(config);
    const user = await this.#tracking.runAs(config.global.scriptUser);
    this.#notifyUser = typeof user === 'string' ? {} : user;
    if (typeof user === 'string') this.#log.error({ detail: user }, 'script_user unusable; notify scripts run as ourselves');
  }
}
