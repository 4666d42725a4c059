/**
 * What the daemon tells the outside about state changes, keepalived's way (vrrp_notify.c):
 *
 * - notify scripts (`notify_master` ... and the generic `notify` with INSTANCE|GROUP, the name,
 *   the state and the priority; a group's priority is 0), planned once per configuration
 *   (io/script-plan.ts) and run in order (io/notify-runner.ts);
 * - the notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`): one line per change,
 *   `INSTANCE "VI_1" MASTER 100` / `GROUP "G" BACKUP 0`, and with `notify_priority_changes`
 *   `INSTANCE "VI_1" MASTER_PRIORITY 90` (BACKUP_PRIORITY in any other state) when the effective
 *   priority moves; each FIFO's reader script is started with the FIFO as its last argument and
 *   runs until the daemon stops;
 * - at shutdown: running scripts get SIGTERM, waiting ones are dropped, and each instance's STOP
 *   (the caller sends it once the instance's addresses are gone) and each group's get their
 *   scripts with one second each (io/notify-runner.ts).
 */
import type { NotifyFifo, VrrpdConfig, VrrpInstance, VrrpSyncGroup } from '../config/types.js';
import { describeError } from '../background.js';
import { NotifyFifoWriter } from '../io/notify-fifo.js';
import { NotifyRunner, type NotifyScope, type NotifyScripts, type NotifyState, type NotifyWhich } from '../io/notify-runner.js';
import type { Launcher, ScriptHost } from '../io/script-launcher.js';
import { planFifoScripts, planNotifyScripts, whoRuns, type PlanContext, type ScriptPlan } from '../io/script-plan.js';
import { runScript } from '../io/script-runner.js';
import type { RouterState } from '../protocol/types.js';
import type { Logger } from './log.js';
import { keyOf } from './trackers/kind.js';

const STATE_FOR_NOTIFY: Partial<Record<RouterState, NotifyState>> = { MASTER: 'MASTER', BACKUP: 'BACKUP', FAULT: 'FAULT', INIT: 'STOP' };

/** keepalived's FIFO line: `TYPE "NAME" STATE PRIORITY`. */
export function fifoLine(scope: NotifyScope, name: string, state: string, priority: number): string {
  return `${scope} "${name}" ${state} ${priority}`;
}

/** An open FIFO and its reader script. */
interface OpenFifo {
  readonly key: string;
  readonly writer: NotifyFifoWriter;
  readonly reader: AbortController | undefined;
}

export class Notifications {
  #runner: NotifyRunner | undefined;
  readonly #plans = new Map<string, NotifyScripts>();
  readonly #fifos = new Map<'notifyFifo' | 'vrrpNotifyFifo', OpenFifo>();
  readonly #log: Logger;
  readonly #host: () => Promise<ScriptHost>;

  constructor(deps: { readonly log: Logger; readonly host: () => Promise<ScriptHost> }) {
    this.#log = deps.log;
    this.#host = deps.host;
  }

  /** Plan every notify script; open (or keep) the FIFOs and start their readers. */
  async apply(config: VrrpdConfig): Promise<void> {
    const host = await this.#host();
    this.#runner ??= this.#newRunner(host.launcher);
    const g = config.global;
    const ctx: PlanContext = { scriptUser: g.scriptUser, enableScriptSecurity: g.enableScriptSecurity, launcher: host.launcher, self: host.self };
    await this.#planScripts(config, ctx);
    await this.#openFifos(config, ctx, host);
  }

  /** An instance changed state. */
  instance(inst: VrrpInstance, to: RouterState, priority: number): void {
    this.#emit('INSTANCE', inst.name, to, priority);
  }

  /** A sync group changed state; its scripts and lines carry priority 0, as keepalived's. */
  group(group: VrrpSyncGroup, to: RouterState): void {
    this.#emit('GROUP', group.name, to, 0);
  }

  /** An instance's effective priority moved: a FIFO line when it asks for them. */
  priority(inst: VrrpInstance, state: RouterState, priority: number): void {
    if (inst.notifyPriorityChanges) this.#write(fifoLine('INSTANCE', inst.name, state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', priority));
  }

  /**
   * fifo_write_vrrp_states_on_reload: every instance's state as it is (FAULT when not running),
   * and each sync group's (FAULT if a member is, MASTER if all are, else BACKUP), to the FIFOs only.
   */
  states(config: VrrpdConfig, running: (instance: string) => { readonly state: RouterState; readonly effectivePriority: number } | undefined): void {
    const stateOf = (name: string): RouterState => running(name)?.state ?? 'FAULT';
    for (const i of config.instances) this.#write(fifoLine('INSTANCE', i.name, STATE_FOR_NOTIFY[stateOf(i.name)] ?? 'FAULT', running(i.name)?.effectivePriority ?? i.priority));
    for (const g of config.syncGroups) {
      const states = g.members.map(stateOf);
      this.#write(fifoLine('GROUP', g.name, states.includes('FAULT') ? 'FAULT' : states.every((x) => x === 'MASTER') ? 'MASTER' : 'BACKUP', 0));
    }
  }

  /** Stopping: scripts running get SIGTERM, changes waiting are dropped (logged). */
  shutdown(): void {
    const dropped = this.#runner?.shutdown() ?? 0;
    if (dropped > 0) this.#log.warn({ dropped }, `${dropped} state changes' notify scripts not run: vrrpd is stopping`);
  }

  async idle(): Promise<void> {
    await this.#runner?.idle();
  }

  /** The FIFOs closed (and removed when we made them), their readers ended. */
  async close(): Promise<void> {
    for (const which of [...this.#fifos.keys()]) await this.#closeFifo(which);
  }

  #emit(scope: NotifyScope, name: string, to: RouterState, priority: number): void {
    const state = STATE_FOR_NOTIFY[to];
    if (!state) return;
    const scripts = this.#plans.get(`${scope}:${name}`);
    if (scripts) this.#runner?.notify({ scope, name, state, priority }, scripts);
    if (this.#fifos.size > 0) this.#write(fifoLine(scope, name, state, priority)); // no line built for no FIFO (255 per mass takeover)
  }

  #write(line: string): void {
    for (const f of this.#fifos.values()) f.writer.write(line);
  }

  #newRunner(launcher: Launcher): NotifyRunner {
    return new NotifyRunner({
      launcher,
      onDone: (d) => {
        const r = d.result;
        const ok = r.exitCode === 0 && r.error === undefined;
        this.#log[ok ? 'info' : 'warn'](
          { instance: d.event.name, state: d.event.state, script: d.plan.file, user: d.plan.user, exitCode: r.exitCode, timedOut: r.timedOut, error: r.error },
          `notify ${d.which} ${ok ? 'done' : 'failed'}`,
        );
      },
      onDropped: (e, waiting) => {
        this.#log.warn({ [e.scope === 'GROUP' ? 'group' : 'instance']: e.name, state: e.state, priority: e.priority, waiting }, `notify scripts for ${e.name} -> ${e.state} dropped: ${waiting} newer state changes are already waiting for their scripts`);
      },
    });
  }

  /** Plan the notify scripts of every instance and sync group; a disabled one is logged and left out. */
  async #planScripts(config: VrrpdConfig, ctx: PlanContext): Promise<void> {
    this.#plans.clear();
    for (const n of await planNotifyScripts(config, ctx)) {
      const key = `${n.scope}:${n.owner}`;
      const plans: { [K in NotifyWhich]?: ScriptPlan } = { ...this.#plans.get(key) };
      if (!n.result.ok) {
        this.#log.error({ script: n.command, detail: n.result.error }, `${n.what} disabled: ${n.result.error}`);
      } else {
        for (const note of n.result.value.notes) this.#log.warn({ script: n.command }, `${n.what}: ${note}`);
        plans[n.which] = n.result.value.plan;
      }
      this.#plans.set(key, plans);
    }
  }

  async #openFifos(config: VrrpdConfig, ctx: PlanContext, host: ScriptHost): Promise<void> {
    const readers = await planFifoScripts(config, ctx);
    for (const which of ['notifyFifo', 'vrrpNotifyFifo'] as const) {
      const want = config.global[which];
      const key = want ? keyOf({ want, u: config.global.scriptUser, sec: config.global.enableScriptSecurity }) : undefined;
      const open = this.#fifos.get(which);
      if (open?.key === key) continue;
      if (open) await this.#closeFifo(which);
      if (!want || !key) continue;
      await host.launcher.gate?.().catch(() => undefined); // mkfifo forks too
      const writer = await NotifyFifoWriter.open(want.path, await this.#owner(want, ctx), (msg) => this.#log.warn({ fifo: want.path }, msg));
      if (!writer.ok) {
        this.#log.error({ fifo: want.path }, `${which === 'notifyFifo' ? 'notify_fifo' : 'vrrp_notify_fifo'} not used: ${writer.error}`);
        continue;
      }
      const planned = readers.find((r) => r.which === which);
      let reader: AbortController | undefined;
      if (planned && !planned.result.ok) this.#log.error({ script: planned.command }, `${planned.what} disabled: ${planned.result.error}`);
      else if (planned?.result.ok) reader = this.#startReader(planned.what, planned.result.value.plan, host.launcher, want.path);
      this.#fifos.set(which, { key, writer: writer.value, reader });
      this.#log.info({ fifo: want.path, reader: planned?.command }, `notify lines go to the FIFO ${want.path}`);
    }
  }

  /** Who owns a FIFO we create: its USER [GROUP], else script_user, else the default script user (keepalived global_parser.c). */
  async #owner(f: NotifyFifo, ctx: PlanContext): Promise<{ uid: number; gid: number } | undefined> {
    const r = await whoRuns(f.user, ctx);
    if (!r.ok) this.#log.warn({ fifo: f.path, user: f.user?.user }, `the FIFO ${f.path} stays ${ctx.self.uid}:${ctx.self.gid}'s: ${r.error}`);
    return r.ok ? { uid: r.value.uid, gid: r.value.gid } : undefined;
  }

  /** The FIFO's reader, run until the daemon stops (not restarted when it exits, as keepalived). */
  #startReader(what: string, plan: ScriptPlan, launcher: Launcher, fifo: string): AbortController {
    const stop = new AbortController();
    runScript({ plan, launcher, timeoutMs: Infinity, extraArgs: [fifo], signal: stop.signal, abortGraceMs: 1000 }).then(
      (r) => {
        if (!stop.signal.aborted) this.#log.warn({ script: plan.file, exitCode: r.exitCode, signal: r.signal, error: r.error }, `${what} ended; it is not restarted (as keepalived)`);
      },
      (e: unknown) => this.#log.error({ err: describeError(e) }, `bug: ${what} runner threw`),
    );
    return stop;
  }

  async #closeFifo(which: 'notifyFifo' | 'vrrpNotifyFifo'): Promise<void> {
    const f = this.#fifos.get(which);
    if (!f) return;
    this.#fifos.delete(which);
    f.reader?.abort();
    await f.writer.close();
    if (f.writer.dropped > 0) this.#log.warn({ fifo: f.writer.path, dropped: f.writer.dropped }, `${f.writer.dropped} notify lines were dropped: the FIFO was full (no reader, or a slow one)`);
  }
}
