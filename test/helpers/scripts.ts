/** Planned scripts for tests: a script line planned as the test process itself (no script_user). */
import { systemScriptHost, type ScriptHost } from '../../src/io/script-launcher.js';
import { planCommand, type ScriptPlan } from '../../src/io/script-plan.js';
import { runScript, type RunScriptOptions, type RunScriptResult } from '../../src/io/script-runner.js';

export const host: ScriptHost = await systemScriptHost();

/** The plan of `command`, or an exception saying why it has none. */
export async function plan(command: string): Promise<ScriptPlan> {
  const p = await planCommand(command, host);
  if (!p.ok) throw new Error(`${command}: ${p.error}`);
  return p.value.plan;
}

/** Plan `command` and run it. */
export async function run(command: string, opts: Omit<RunScriptOptions, 'plan' | 'launcher'>): Promise<RunScriptResult> {
  return runScript({ plan: await plan(command), launcher: host.launcher, ...opts });
}
