/**
 * vrrp_sync_group NAME { group { INSTANCE ... } track_* { ... } notify_* ... }: members change
 * state together; the group's trackers apply to every member (validate-sync-track.ts).
 */
import { pos, type ArgChecker } from './check-args.js';
import { dispatch, type Handler } from './dispatch.js';
import { VRRP_SYNC_GROUP } from './keywords.js';
import type { NotifyCommand, NotifyCommands, SourcePos, Stmt, Token, TrackerRefs, TrackRef } from './types.js';
import { trackRefOf } from './validate-lists.js';
import { notifyCommandOf } from './validate-script.js';
import { TRACK_WEIGHT_MAX } from './validate-track.js';
import { boolArg } from './validate-notify.js';

/** An instance's or a sync group's tracker references and notify scripts while they are read. */
export type TrackerRefsDraft = { -readonly [K in keyof TrackerRefs]: TrackRef[] };
export type NotifyCommandsDraft = { -readonly [K in keyof NotifyCommands]?: NotifyCommand };

export interface SyncDraft extends TrackerRefsDraft, NotifyCommandsDraft {
  name: string;
  pos: SourcePos;
  nameToken: Token;
  members: Token[];
  trackingWeight: boolean;
  notifyPriorityChanges?: boolean;
}

const NOTIFY_KEYWORDS: readonly (readonly [string, keyof NotifyCommandsDraft])[] = [
  ['notify_master', 'notifyMaster'],
  ['notify_backup', 'notifyBackup'],
  ['notify_fault', 'notifyFault'],
  ['notify_stop', 'notifyStop'],
  ['notify', 'notify'],
];

/** notify_master, notify_backup, notify_fault, notify_stop and notify: a handler each, for an instance or a sync group. */
export function notifyHandlers<D extends NotifyCommandsDraft>(): [string, Handler<D>][] {
  return NOTIFY_KEYWORDS.map(([keyword, field]): [string, Handler<D>] => [
    keyword,
    (s, d, a) => {
      const cmd = notifyCommandOf(s, a);
      if (cmd) d[field] = cmd;
    },
  ]);
}

const refs = (into: (d: SyncDraft) => TrackRef[], maxWeight?: number): Handler<SyncDraft> => (s, d, a) => {
  a.extra(s, 0);
  for (const entry of a.block(s) ?? []) {
    const r = trackRefOf(entry, a, maxWeight);
    if (r) into(d).push(r);
  }
};

const handlers = new Map<string, Handler<SyncDraft>>([
  ['track_script', refs((d) => d.trackScripts)],
  ['track_interface', refs((d) => d.trackInterfaces)],
  ['track_file', refs((d) => d.trackFiles, TRACK_WEIGHT_MAX)],
  ['track_process', refs((d) => d.trackProcesses, TRACK_WEIGHT_MAX)],
  ['group', (s, d, a) => {
    a.extra(s, 0);
    for (const m of a.block(s) ?? []) {
      a.noBlock(m);
      a.extra(m, 0);
      d.members.push(m.keyword);
    }
  }],
  ...notifyHandlers<SyncDraft>(),
  ['notify_priority_changes', (s, d, a) => { const v = boolArg(s, a); if (v !== undefined) d.notifyPriorityChanges = v; }],
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
  const d: SyncDraft = {
    name: name.text, pos: pos(name), nameToken: name, members: [], trackingWeight: false, trackScripts: [], trackInterfaces: [], trackFiles: [], trackProcesses: [],
  };
  dispatch(block, {
    label: `vrrp_sync_group ${name.text}`,
    section: 'vrrp_sync_group',
    handlers,
    scalars: new Set(['group', 'notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'notify_priority_changes']),
    table: VRRP_SYNC_GROUP,
  }, d, a);
  if (!block.some((s) => s.keyword.text === 'group')) a.diags.error(name, `vrrp_sync_group ${name.text} has no 'group { ... }'`);
  return d;
}
