/**
 * Health tracking and notifications for the daemon: one ScriptDriver per vrrp_script in use,
 * the effective tracker list of each instance (track_script + track_interface), and notify
 * scripts run in order on every state change. keepalived's rules: a script that fails the
 * security check under `enable_script_security` is disabled (it then never moves the priority).
 */
import type { ScriptUser as ConfigScriptUser, VrrpdConfig, VrrpInstance, VrrpScript, VrrpSyncGroup } from '../config/types.js';
import { NotifyRunner, type NotifyScript, type NotifyScripts, type NotifyState } from '../io/notify-runner.js';
import type { CheckSpec } from '../io/script-runner.js';
import { checkScriptSecurity, defaultScriptUser, resolveScriptUser } from '../io/script-security.js';
import type { TrackerStatus } from '../protocol/types.js';
import { interfaceTrackerStatus } from '../track/interface-tracker.js';
import type { Now } from './clock.js';
import type { StateEvent } from './instance.js';
import type { Logger } from './log.js';
import { ScriptDriver } from './script-driver.js';

const STATE_FOR_NOTIFY: Partial<Record<StateEvent['to'], NotifyState>> = { MASTER: 'MASTER', BACKUP: 'BACKUP', FAULT: 'FAULT', INIT: 'STOP' };

export class Tracking {
  readonly #drivers = new Map<string, { driver: ScriptDriver; key: string }>();
  readonly #notify: NotifyRunner;
  readonly #log: Logger;
  readonly #now: Now;
  readonly #onChange: (script: string, detail: string) => void;

  constructor(deps: { now: Now; log: Logger; onScriptChange: (script: string, detail: string) => void }) {
    this.#log = deps.log;
    this.#now = deps.now;
    this.#onChange = deps.onScriptChange;
    this.#notify = new NotifyRunner({
      onDone: (d) => {
        const r = d.result;
        const ok = r.exitCode === 0 && r.error === undefined;
        this.#log[ok ? 'info' : 'warn'](
          { instance: d.event.name, state: d.event.state, script: d.command, exitCode: r.exitCode, timedOut: r.timedOut, error: r.error },
          `notify ${d.which} ${ok ? 'done' : 'failed'}`,
        );
      },
    });
  }

  /** Start drivers for every script the config's instances use; keep unchanged ones across reloads. */
  async apply(config: VrrpdConfig): Promise<void> {
    const used = new Set(config.instances.flatMap((i) => i.trackScripts.map((t) => t.name)));
    const wanted = config.scripts.filter((s) => used.has(s.name));
    const keys = new Map(wanted.map((s) => [s.name, JSON.stringify({ ...s, pos: undefined, g: config.global.scriptUser })]));
    for (const [name, d] of this.#drivers) {
      if (keys.get(name) !== d.key) {
        d.driver.stop();
        this.#drivers.delete(name);
      }
    }
    for (const script of wanted) {
      if (this.#drivers.has(script.name)) continue;
      const spec = await this.#checkSpec(script, config);
      if (!spec) continue;
      const driver = new ScriptDriver(script, spec, { now: this.#now, log: this.#log, onChange: this.#onChange });
      this.#drivers.set(script.name, { driver, key: keys.get(script.name)! });
      driver.start();
    }
  }

  /** Wait (at most `capMs`) for the first verdict of the scripts an instance uses with weight 0. */
  async settled(inst: VrrpInstance, capMs = 3000): Promise<void> {
    const pending = inst.trackScripts.map((t) => this.#drivers.get(t.name)?.driver.settled).filter((p) => p !== undefined);
    if (pending.length === 0) return;
    await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, capMs).unref())]);
  }

  /** The instance's trackers now: its scripts (with per-instance weight overrides) and interfaces. */
  statuses(inst: VrrpInstance, linkUp: (ifname: string) => boolean | undefined): TrackerStatus[] {
    const out: TrackerStatus[] = [];
    for (const ref of inst.trackScripts) {
      const d = this.#drivers.get(ref.name);
      if (d) out.push(d.driver.status({ weight: ref.weight, reverse: ref.reverse }));
    }
    for (const ref of inst.trackInterfaces) {
      out.push(interfaceTrackerStatus({ ifname: ref.name, weight: ref.weight ?? 0, reverse: ref.reverse ?? false }, linkUp(ref.name)));
    }
    return out;
  }

  /** Queue the instance's notify scripts for a state change (never blocks). */
  notify(inst: VrrpInstance, event: StateEvent, users: { uid?: number; gid?: number }): void {
    this.#queue('INSTANCE', inst, event, users);
  }

  /** Queue a sync group's notify scripts when one of its members leads a move. */
  notifyGroup(group: VrrpSyncGroup, event: StateEvent, users: { uid?: number; gid?: number }): void {
    this.#queue('GROUP', group, event, users);
  }

  #queue(scope: 'INSTANCE' | 'GROUP', owner: VrrpInstance | VrrpSyncGroup, event: StateEvent, users: { uid?: number; gid?: number }): void {
    const state = STATE_FOR_NOTIFY[event.to];
    if (!state) return;
    const script = (command: string | undefined): NotifyScript | undefined => (command ? { command, ...users } : undefined);
    const scripts: NotifyScripts = {
      master: script(owner.notifyMaster),
      backup: script(owner.notifyBackup),
      fault: script(owner.notifyFault),
      stop: script(owner.notifyStop),
      notify: script(owner.notify),
    };
    this.#notify.notify({ scope, name: owner.name, state, priority: event.priority }, scripts);
  }

  /** Wait for queued notify scripts (bounded by the caller). */
  idle(): Promise<void> {
    return this.#notify.idle();
  }

  stop(): void {
    for (const d of this.#drivers.values()) d.driver.stop();
    this.#drivers.clear();
  }

  /** Who runs a script: its `user`, else global `script_user`, else keepalived_script, else us. */
  async runAs(user: ConfigScriptUser | undefined): Promise<{ uid: number; gid: number } | string> {
    if (!user) return defaultScriptUser();
    const r = await resolveScriptUser(user.user, user.group);
    return r.ok ? r.value : r.error.detail;
  }

  async #checkSpec(script: VrrpScript, config: VrrpdConfig): Promise<CheckSpec | undefined> {
    if (script.script.kind === 'check_tcp') return { kind: 'tcp', target: { host: script.script.host, port: script.script.port } };
    const runAs = await this.runAs(script.user ?? config.global.scriptUser);
    if (typeof runAs === 'string') {
      this.#log.error({ script: script.name, detail: runAs }, `vrrp_script ${script.name} disabled: ${runAs}`);
      return undefined;
    }
    const sec = await checkScriptSecurity(script.script.command, runAs, config.global.enableScriptSecurity);
    if (!sec.ok) {
      this.#log.error({ script: script.name, path: sec.error.path, detail: sec.error.detail }, `vrrp_script ${script.name} disabled: ${sec.error.detail}`);
      return undefined;
    }
    if (sec.value.insecure) {
      this.#log.warn({ script: script.name, path: sec.value.insecure.path, detail: sec.value.insecure.detail }, `vrrp_script ${script.name} is unsafe to run as root (enable_script_security would refuse it)`);
    }
    return { kind: 'script', command: script.script.command, uid: runAs.uid, gid: runAs.gid };
  }
}
