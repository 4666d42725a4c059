/**
 * Notification keywords beyond the notify scripts: keepalived's notify FIFOs in global_defs
 * (`notify_fifo`, `vrrp_notify_fifo`, each with its `*_script` reader) and the priority-change
 * lines (`vrrp_notify_priority_changes`, and `notify_priority_changes` in instances and sync
 * groups). keepalived's rules (global_parser.c notify_fifo, notify_fifo_script): a FIFO takes
 * `FIFO [USER [GROUP]]`, its script `SCRIPT [USER [GROUP]]` and receives the FIFO's path as its last
 * argument; the FIFO names must all be different; a script without its FIFO never runs.
 */
import { pos, type ArgChecker } from './check-args.js';
import type { NotifyCommand, NotifyFifo, SourcePos, Stmt, Token } from './types.js';
import type { GlobalDraft } from './validate-global.js';
import { notifyCommandOf } from './validate-script.js';
import { parseBool } from './values.js';

type Which = 'notifyFifo' | 'vrrpNotifyFifo';

interface FifoParts {
  fifo?: { path: string; user?: { user: string; group?: string }; pos: SourcePos; token: Token };
  script?: { cmd: NotifyCommand; keyword: Token };
}

/** What the FIFO keywords of a global_defs said, until the block is complete. */
const pending = new WeakMap<GlobalDraft, Record<Which, FifoParts>>();

function parts(g: GlobalDraft, which: Which): FifoParts {
  let p = pending.get(g);
  if (!p) pending.set(g, (p = { notifyFifo: {}, vrrpNotifyFifo: {} }));
  return p[which];
}

/** `notify_fifo FIFO [USER [GROUP]]` / `vrrp_notify_fifo ...`. */
export function fifoHandler(which: Which): (s: Stmt, g: GlobalDraft, a: ArgChecker) => void {
  return (s, g, a) => {
    a.noBlock(s);
    const [path, user, group] = s.args;
    if (path === undefined) {
      a.diags.error(s.keyword, `'${s.keyword.text}' needs a FIFO name`);
      return;
    }
    a.extra(s, 3);
    let p = path.text;
    if (!p.startsWith('/')) {
      p = `/${p}`;
      a.diags.warning(path, `'${path.text}' is a relative path: vrrpd, like keepalived (whose working directory is /), uses ${p}; write the full path`);
    }
    const by = user === undefined ? undefined : group === undefined ? { user: user.text } : { user: user.text, group: group.text };
    parts(g, which).fifo = { path: p, pos: pos(path), token: path, ...(by ? { user: by } : {}) };
  };
}

/** `notify_fifo_script SCRIPT [USER [GROUP]]` / `vrrp_notify_fifo_script ...`. */
export function fifoScriptHandler(which: Which): (s: Stmt, g: GlobalDraft, a: ArgChecker) => void {
  return (s, g, a) => {
    const cmd = notifyCommandOf(s, a);
    if (cmd) parts(g, which).script = { cmd, keyword: s.keyword };
  };
}

/** `<BOOL>`, true when absent (keepalived's check_true_false). */
export function boolArg(s: Stmt, a: ArgChecker): boolean | undefined {
  a.noBlock(s);
  a.extra(s, 1);
  const t = s.args[0];
  if (t === undefined) return true;
  const v = parseBool(t.text);
  if (v === undefined) a.diags.error(t, `${s.keyword.text} must be on/off/true/false/yes/no, not '${t.text}'`);
  return v;
}

/** Once global_defs is read: each FIFO with its script; a script without its FIFO, or one FIFO named twice. */
export function completeFifos(g: GlobalDraft, a: ArgChecker): void {
  const p = pending.get(g);
  if (!p) return;
  for (const which of ['notifyFifo', 'vrrpNotifyFifo'] as const) {
    const { fifo, script } = p[which];
    if (script && !fifo) a.diags.warning(script.keyword, `'${script.keyword.text}' without '${which === 'notifyFifo' ? 'notify_fifo' : 'vrrp_notify_fifo'}' never runs (keepalived ignores it too)`);
    if (!fifo) continue;
    const f: NotifyFifo = { path: fifo.path, pos: fifo.pos, ...(fifo.user ? { user: fifo.user } : {}), ...(script ? { script: script.cmd } : {}) };
    g[which] = f;
  }
  const a1 = p.notifyFifo.fifo;
  const a2 = p.vrrpNotifyFifo.fifo;
  if (a1 && a2 && a1.path === a2.path) a.diags.error(a2.token, `vrrp_notify_fifo names the same FIFO as notify_fifo (${a1.path}); keepalived requires different names`);
}
