/**
 * vrrp_script NAME { ... } -> VrrpScript. Defaults from keepalived (vrrp_data.c / vrrp_track.h):
 * interval 1 s, timeout unset = the interval (vrrp_scheduler.c runs the child with
 * `timeout ? timeout : interval`), weight 0, rise 1, fall 1. keepalived 2.2.7 takes interval and
 * timeout as whole seconds; 2.3.2 and later take milliseconds ("0.5"), and so does vrrpd, saying
 * in `check` that 2.2.7 would ignore such a line.
 */
import { pos, type ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { VRRP_SCRIPT } from './keywords.js';
import { scriptUserOf } from './validate-global.js';
import type { NotifyCommand, ScriptCommand, ScriptUser, SourcePos, Stmt, Token } from './types.js';
import { shellAdvice, shellSyntaxIn, splitScriptWords } from '../track/script-words.js';

/** A script being read; `script` is undefined until the keyword is seen. */
export interface ScriptDraft {
  name: string;
  pos: SourcePos;
  script?: ScriptCommand;
  scriptToken?: Token;
  intervalMs: number;
  timeoutMs?: number;
  weight: number;
  reverse: boolean;
  rise: number;
  fall: number;
  user?: ScriptUser;
  initFail: boolean;
}

/** The largest interval and timeout keepalived takes: UINT_MAX / TIMER_HZ seconds. */
export const SCRIPT_SECONDS_MAX = 4294;

/**
 * A vrrp_script `interval` / `timeout`: seconds, fractions to the millisecond as keepalived
 * 2.3.2 reads them (read_decimal_unsigned_strvec, 3 digits); in ms. A fraction gets a note: 2.2.7
 * reads whole seconds only and ignores the line ("must be between 1 and 4294 - ignoring").
 */
function scriptSeconds(stmt: Stmt, a: ArgChecker): number | undefined {
  const kw = stmt.keyword.text;
  const t = a.one(stmt);
  const n = t && a.seconds(t, kw, 0.001, SCRIPT_SECONDS_MAX);
  if (n === undefined || t === undefined) return undefined;
  const ms = Math.round(n * 1000);
  if (Math.abs(ms - n * 1000) > 1e-6) a.diags.warning(t, `${kw} ${t.text} s has more than 3 decimals: rounded to ${ms / 1000} s (keepalived counts milliseconds)`);
  if (!Number.isInteger(n))
    a.diags.info(t, `a fractional ${kw} is a keepalived 2.3.2 feature: keepalived 2.2.7 ignores this line and uses ${kw === 'interval' ? '1 s' : 'the interval'}`, 'keepalived-version');
  return ms;
}

/** Weight range for scripts and track_script overrides (keepalived: -253..253). */
export const SCRIPT_WEIGHT_MAX = 253;

/** The vrrpd `check_tcp HOST:PORT` extension, or an exec command line. */
export function scriptCommandOf(command: string, at: Token, a: ArgChecker): ScriptCommand | undefined {
  const words = splitScriptWords(command);
  if (!words.ok) {
    a.diags.error(at, words.error.detail);
    return undefined;
  }
  const argv = words.value;
  if (argv[0] !== 'check_tcp') {
    warnShellSyntax('script', command, argv, at, a);
    return { kind: 'exec', command, argv };
  }
  const target = argv[1] ?? '';
  const m = /^(.+):(\d{1,5})$/.exec(target);
  const port = m ? Number(m[2]) : 0;
  if (!m || argv.length !== 2 || port < 1 || port > 65535) {
    a.diags.error(at, `check_tcp needs one HOST:PORT argument (port 1..65535), e.g. 'check_tcp 127.0.0.1:7443', not '${command}'`);
    return undefined;
  }
  const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1');
  a.diags.info(at, `'check_tcp ${target}' is a vrrpd extension (a TCP connect check); keepalived would try to run a program named 'check_tcp'`);
  return { kind: 'check_tcp', host, port };
}

/**
 * Scripts run without a shell (keepalived: execve of the first word). A line that only a shell
 * understands gets a warning that says how to write it; `run` still execs it as written.
 */
function warnShellSyntax(keyword: string, command: string, argv: readonly string[], at: Token, a: ArgChecker): void {
  const first = argv[0] ?? '';
  const syntax = /^[<>]/.test(first) ? { word: first, what: 'a redirection' } : shellSyntaxIn(argv);
  if (syntax !== undefined) {
    a.diags.warning(at, `'${syntax.word}' looks like ${syntax.what}, but the program receives it as a plain argument; ${shellAdvice(keyword, command)}`);
  }
}

/** `notify_* SCRIPT [USER [GROUP]]` (keepalived notify_script_init): the script's words and who runs it. */
export function notifyCommandOf(stmt: Stmt, a: ArgChecker): NotifyCommand | undefined {
  a.noBlock(stmt);
  const [cmd, user, group] = stmt.args;
  if (cmd === undefined) {
    a.diags.error(stmt.keyword, `'${stmt.keyword.text}' needs a script`);
    return undefined;
  }
  a.extra(stmt, 3);
  const words = splitScriptWords(cmd.text);
  if (!words.ok) {
    a.diags.error(cmd, words.error.detail);
    return undefined;
  }
  warnShellSyntax(stmt.keyword.text, cmd.text, words.value, cmd, a);
  const by = user === undefined ? undefined : group === undefined ? { user: user.text } : { user: user.text, group: group.text };
  return { command: cmd.text, argv: words.value, pos: pos(cmd), ...(by ? { user: by } : {}) };
}

const handlers = new Map<string, Handler<ScriptDraft>>([
  ['script', (s, d, a) => {
    const cmd = a.joined(s);
    const first = s.args[0];
    if (cmd === undefined || first === undefined) return;
    if (cmd.trim() === '') {
      a.diags.error(first, 'script is empty');
      return;
    }
    const c = scriptCommandOf(cmd, first, a);
    if (c) d.script = c;
    d.scriptToken = first;
  }],
  ['check_tcp', (s, d, a) => {
    // vrrpd extension keyword: `check_tcp HOST:PORT`, the same as `script "check_tcp HOST:PORT"`.
    const t = a.one(s, 'HOST:PORT');
    if (t === undefined) return;
    if (d.scriptToken !== undefined) {
      a.diags.error(s.keyword, `vrrp_script ${d.name} already has a check at ${d.scriptToken.line}:${d.scriptToken.col}; use either 'script' or 'check_tcp'`);
      return;
    }
    const c = scriptCommandOf(`check_tcp ${t.text}`, t, a);
    if (c) d.script = c;
    d.scriptToken = t;
  }],
  ['interval', (s, d, a) => { const ms = scriptSeconds(s, a); if (ms !== undefined) d.intervalMs = ms; }],
  ['timeout', (s, d, a) => { const ms = scriptSeconds(s, a); if (ms !== undefined) d.timeoutMs = ms; }],
  ['weight', (s, d, a) => {
    a.noBlock(s);
    const [t, flag] = s.args;
    if (t === undefined) {
      a.diags.error(s.keyword, "'weight' needs a value");
      return;
    }
    const n = a.int(t, 'weight', -SCRIPT_WEIGHT_MAX, SCRIPT_WEIGHT_MAX);
    if (n !== undefined) d.weight = n;
    if (flag !== undefined) {
      if (flag.text === 'reverse') d.reverse = true;
      else if (flag.text !== 'noreverse' && flag.text !== 'no_reverse')
        a.diags.error(flag, `expected 'reverse' after the weight, not '${flag.text}'`);
    }
    a.extra(s, 2);
  }],
  ['rise', (s, d, a) => { const t = a.one(s); const n = t && a.int(t, 'rise', 1, 1000000); if (n !== undefined) d.rise = n; }],
  ['fall', (s, d, a) => { const t = a.one(s); const n = t && a.int(t, 'fall', 1, 1000000); if (n !== undefined) d.fall = n; }],
  ['user', (s, d, a) => { const u = scriptUserOf(s, a); if (u) d.user = u; }],
  ['init_fail', (s, d, a) => { a.flag(s); d.initFail = true; }],
]);

/** The vrrp_script keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const SCRIPT_HANDLED: ReadonlySet<string> = new Set(handlers.keys());

export function validateScript(stmt: Stmt, a: ArgChecker): ScriptDraft | undefined {
  const name = stmt.args[0];
  if (name === undefined) {
    a.diags.error(stmt.keyword, 'vrrp_script needs a name');
    return undefined;
  }
  a.extra(stmt, 1);
  const block = a.block(stmt);
  if (block === undefined) return undefined;
  const d: ScriptDraft = {
    name: name.text,
    pos: pos(name),
    intervalMs: 1000,
    weight: 0,
    reverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
  };
  dispatch(block, { label: `vrrp_script ${name.text}`, section: 'vrrp_script', handlers, scalars: SCRIPT_HANDLED, table: VRRP_SCRIPT }, d, a);
  if (d.script === undefined && d.scriptToken === undefined)
    a.diags.error(name, `vrrp_script ${name.text} has no 'script' (or vrrpd's 'check_tcp')`);
  return d;
}
