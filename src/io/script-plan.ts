/**
 * From a configured script (its words and its user) to what exactly will be exec'ed, or why it
 * will not run. The same planning serves `vrrpd check` (as diagnostics) and the daemon (which
 * runs only what was planned), so both say the same thing about every script:
 *
 * 1. the user: the script's own `user`, else `script_user`, else keepalived_script if it exists,
 *    else vrrpd's own; an unknown user or group disables the script (keepalived: "ignoring");
 * 2. whether vrrpd can run a script as that user with no capability (script-launcher.ts);
 * 3. the program: the first word, a path (relative paths are taken from `/`, the scripts' working
 *    directory) or else a name searched in SCRIPT_PATH as keepalived does (with a warning); never
 *    a shell;
 * 4. `enable_script_security`, for every script vrrpd runs (check, notify and sync group notify);
 * 5. the environment it gets (SCRIPT_PATH and the user's HOME/USER/LOGNAME, nothing of ours).
 */
import { resolve } from 'node:path';
import type { NotifyCommand, ScriptUser as ConfigScriptUser, SourcePos, VrrpdConfig } from '../config/types.js';
import { err, ok, type Result } from '../result.js';
import { shellAdvice, splitScriptWords } from '../track/script-words.js';
import type { NotifyScope, NotifyWhich } from './notify-runner.js';
import type { Launcher, ScriptHost } from './script-launcher.js';
import { checkScriptSecurity, defaultScriptUser, findInPath, resolveScriptUser, type AccountFiles, type ScriptUser } from './script-security.js';

/** The PATH scripts get, and where a bare program name is looked up. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Exactly how one script runs. */
export interface ScriptPlan {
  /** Absolute path of the program. */
  readonly file: string;
  readonly args: readonly string[];
  readonly uid: number;
  readonly gid: number;
  /** The whole environment of the script. */
  readonly env: Readonly<Record<string, string>>;
  /** "name (uid:gid)" for logs. */
  readonly user: string;
}

export interface Planned {
  readonly plan: ScriptPlan;
  /** Warnings about a script that runs anyway (PATH search, unsafe without enable_script_security). */
  readonly notes: readonly string[];
}

export interface PlanContext {
  /** global_defs script_user. */
  readonly scriptUser: ConfigScriptUser | undefined;
  readonly enableScriptSecurity: boolean;
  readonly launcher: Launcher;
  /** Our own uid/gid (the default script user when keepalived_script does not exist). */
  readonly self: { readonly uid: number; readonly gid: number };
  readonly accounts?: AccountFiles;
}

/** The environment a script runs with (README, "Scripts"). */
export function scriptEnv(user: ScriptUser): Record<string, string> {
  return { PATH: SCRIPT_PATH, HOME: user.home ?? '/', ...(user.name !== undefined ? { USER: user.name, LOGNAME: user.name } : {}) };
}

/** Who a script (or a notify FIFO) belongs to: its own user, else script_user, else keepalived's default. */
export async function whoRuns(user: ConfigScriptUser | undefined, ctx: PlanContext): Promise<Result<ScriptUser, string>> {
  const configured = user ?? ctx.scriptUser;
  if (configured === undefined) return ok(await defaultScriptUser(ctx.accounts, ctx.self));
  const r = await resolveScriptUser(configured.user, configured.group, ctx.accounts);
  return r.ok ? r : err(r.error.detail);
}

async function program(first: string, keyword: string, command: string, runAs: ScriptUser): Promise<Result<{ file: string; note?: string }, string>> {
  if (first.startsWith('<') || first.startsWith('>')) return err(`'${first}' is a shell redirection, not a program; ${shellAdvice(keyword, command)}`);
  if (first.includes('/')) return ok({ file: resolve('/', first) });
  const found = await findInPath(first, runAs, SCRIPT_PATH);
  if (found === undefined) return err(`'${first}' is not a program in ${SCRIPT_PATH}; ${shellAdvice(keyword, command)}`);
  return ok({ file: found, note: `'${first}' was found by PATH search at ${found}; write the full path` });
}

/** Plan one script; an error says why it is disabled. `keyword` is how the config names it (for advice). */
export async function planScript(argv: readonly string[], user: ConfigScriptUser | undefined, keyword: string, ctx: PlanContext): Promise<Result<Planned, string>> {
  const who = await whoRuns(user, ctx);
  return who.ok ? planAs(argv, who.value, keyword, ctx) : who;
}

/** Plan one script run as `runAs`. */
async function planAs(argv: readonly string[], runAs: ScriptUser, keyword: string, ctx: PlanContext): Promise<Result<Planned, string>> {
  const command = argv.join(' ');
  if (argv.some((w) => w.includes('\0'))) return err('an argument contains a NUL byte');
  const first = argv[0];
  if (first === undefined || first === '') return err('the script is empty');
  const userText = `${runAs.name ?? 'uid'} (${runAs.uid}:${runAs.gid})`;
  const refusal = ctx.launcher.refusal(runAs.uid, runAs.gid, userText);
  if (refusal !== undefined) return err(refusal);
  const prog = await program(first, keyword, command, runAs);
  if (!prog.ok) return prog;
  const notes = prog.value.note !== undefined ? [prog.value.note] : [];
  const sec = await checkScriptSecurity(prog.value.file, runAs, ctx.enableScriptSecurity);
  if (!sec.ok) return err(sec.error.kind === 'insecure' ? `${sec.error.detail} (enable_script_security)` : sec.error.detail);
  if (sec.value.insecure) notes.push(`unsafe to run as ${userText}: ${sec.value.insecure.detail} (enable_script_security would refuse it)`);
  const plan: ScriptPlan = { file: prog.value.file, args: argv.slice(1), uid: runAs.uid, gid: runAs.gid, env: scriptEnv(runAs), user: userText };
  return ok({ plan, notes });
}

/** Plan a script line run as ourselves without enable_script_security (tests and benches). */
export async function planCommand(command: string, host: ScriptHost): Promise<Result<Planned, string>> {
  const words = splitScriptWords(command);
  if (!words.ok) return err(words.error.detail);
  const self = { uid: host.self.uid, gid: host.self.gid };
  return planAs(words.value, { ...self, name: undefined }, 'script', { scriptUser: undefined, enableScriptSecurity: false, launcher: host.launcher, self });
}

/** Every script a configuration names, where it is named, and how it would run. */
export interface ConfigScript {
  /** "vrrp_script chk", "notify_master of vrrp_instance VI_1", ... */
  readonly what: string;
  readonly pos: SourcePos;
  readonly command: string;
  readonly result: Result<Planned, string>;
}

/** A notify script of an instance or sync group: whose, and for which state change. */
export interface ConfigNotify extends ConfigScript {
  readonly scope: NotifyScope;
  readonly owner: string;
  readonly which: NotifyWhich;
}

const NOTIFY_KEYS = [
  ['notifyMaster', 'notify_master', 'master'],
  ['notifyBackup', 'notify_backup', 'backup'],
  ['notifyFault', 'notify_fault', 'fault'],
  ['notifyStop', 'notify_stop', 'stop'],
  ['notify', 'notify', 'notify'],
] as const;

type NotifyOwner = { readonly name: string } & { readonly [K in (typeof NOTIFY_KEYS)[number][0]]?: NotifyCommand };

/** Plans the notify scripts of every instance and sync group. */
export async function planNotifyScripts(config: VrrpdConfig, ctx: PlanContext): Promise<ConfigNotify[]> {
  const owners: (readonly [NotifyScope, NotifyOwner])[] = [...config.instances.map((o) => ['INSTANCE', o] as const), ...config.syncGroups.map((o) => ['GROUP', o] as const)];
  const out: ConfigNotify[] = [];
  for (const [scope, o] of owners) {
    for (const [key, keyword, which] of NOTIFY_KEYS) {
      const cmd = o[key];
      if (cmd === undefined) continue;
      const what = `${keyword} of ${scope === 'INSTANCE' ? 'vrrp_instance' : 'vrrp_sync_group'} ${o.name}`;
      const result = await planScript(cmd.argv, cmd.user, keyword, ctx);
      out.push({ what, pos: cmd.pos, command: cmd.command, scope, owner: o.name, which, result });
    }
  }
  return out;
}

/** A FIFO's reader script (`notify_fifo_script`, `vrrp_notify_fifo_script`), with the FIFO it reads. */
export interface ConfigFifoScript extends ConfigScript {
  readonly which: 'notifyFifo' | 'vrrpNotifyFifo';
  readonly fifo: string;
}

/** Plans the notify FIFOs' reader scripts. */
export async function planFifoScripts(config: VrrpdConfig, ctx: PlanContext): Promise<ConfigFifoScript[]> {
  const out: ConfigFifoScript[] = [];
  for (const [which, keyword] of [['notifyFifo', 'notify_fifo_script'], ['vrrpNotifyFifo', 'vrrp_notify_fifo_script']] as const) {
    const f = config.global[which];
    const cmd = f?.script;
    if (f === undefined || cmd === undefined) continue;
    out.push({ what: keyword, pos: cmd.pos, command: cmd.command, which, fifo: f.path, result: await planScript(cmd.argv, cmd.user, keyword, ctx) });
  }
  return out;
}

/** Plans every script of `config` (for `vrrpd check`). */
export async function planConfigScripts(config: VrrpdConfig, ctx: PlanContext): Promise<ConfigScript[]> {
  const out: ConfigScript[] = [];
  for (const s of config.scripts) {
    if (s.script.kind !== 'exec') continue;
    out.push({ what: `vrrp_script ${s.name}`, pos: s.pos, command: s.script.command, result: await planScript(s.script.argv, s.user, 'script', ctx) });
  }
  return [...out, ...(await planNotifyScripts(config, ctx)), ...(await planFifoScripts(config, ctx))];
}
