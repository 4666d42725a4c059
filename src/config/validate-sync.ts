/** vrrp_sync_group NAME { group { INSTANCE ... } notify_* ... }: members change state together. */
import { pos, type ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { VRRP_SYNC_GROUP } from './keywords.js';
import type { NotifyCommand, SourcePos, Stmt, Token } from './types.js';
import { notifyCommandOf } from './validate-script.js';

export interface SyncDraft {
  name: string;
  pos: SourcePos;
  nameToken: Token;
  members: Token[];
  trackingWeight: boolean;
  notifyMaster?: NotifyCommand;
  notifyBackup?: NotifyCommand;
  notifyFault?: NotifyCommand;
  notifyStop?: NotifyCommand;
  notify?: NotifyCommand;
}

const notifyOpt = (set: (d: SyncDraft, cmd: NotifyCommand) => void): Handler<SyncDraft> => (s, d, a) => {
  const cmd = notifyCommandOf(s, a);
  if (cmd) set(d, cmd);
};

const handlers = new Map<string, Handler<SyncDraft>>([
  ['group', (s, d, a) => {
    a.extra(s, 0);
    for (const m of a.block(s) ?? []) {
      a.noBlock(m);
      a.extra(m, 0);
      d.members.push(m.keyword);
    }
  }],
  ['notify_master', notifyOpt((d, c) => { d.notifyMaster = c; })],
  ['notify_backup', notifyOpt((d, c) => { d.notifyBackup = c; })],
  ['notify_fault', notifyOpt((d, c) => { d.notifyFault = c; })],
  ['notify_stop', notifyOpt((d, c) => { d.notifyStop = c; })],
  ['notify', notifyOpt((d, c) => { d.notify = c; })],
  ['smtp_alert', () => undefined], // keywords.ts says it is accepted and ignored
  ['sync_group_tracking_weight', (s, d, a) => { a.flag(s); d.trackingWeight = true; }],
]);

/** The vrrp_sync_group keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const SYNC_HANDLED: ReadonlySet<string> = new Set(handlers.keys());

export function validateSyncGroup(stmt: Stmt, a: ArgChecker): SyncDraft | undefined {
  const name = stmt.args[0];
  if (name === undefined) {
    a.diags.error(stmt.keyword, 'vrrp_sync_group needs a name');
    return undefined;
  }
  a.extra(stmt, 1);
  const block = a.block(stmt);
  if (block === undefined) return undefined;
  const d: SyncDraft = { name: name.text, pos: pos(name), nameToken: name, members: [], trackingWeight: false };
  dispatch(block, {
    label: `vrrp_sync_group ${name.text}`,
    section: 'vrrp_sync_group',
    handlers,
    scalars: new Set(['group', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify']),
    table: VRRP_SYNC_GROUP,
  }, d, a);
  if (!block.some((s) => s.keyword.text === 'group')) a.diags.error(name, `vrrp_sync_group ${name.text} has no 'group { ... }'`);
  return d;
}
