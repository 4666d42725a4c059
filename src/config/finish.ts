/** Drafts (already checked) -> the readonly, normalised VrrpdConfig. */
import type { Drafts } from './validate.js';
import type { ScriptDraft } from './validate-script.js';
import type { InstanceDraft } from './validate-instance.js';
import { SPLIT_BRAIN_DEFAULTS } from '../protocol/types.js';
import { finishTrackFile, finishTrackProcess } from './validate-track.js';
import type { GlobalDefs, VrrpInstance, VrrpScript, VrrpSyncGroup, VrrpdConfig } from './types.js';

export function finish(d: Drafts, files: readonly string[], configId: string): VrrpdConfig {
  const global: GlobalDefs = { ...d.global };
  const scripts = d.scripts.flatMap((s) => finishScript(s));
  const groupOf = new Map<string, string>();
  const syncGroups: VrrpSyncGroup[] = d.groups.map((g) => {
    for (const m of g.members) groupOf.set(m.text, g.name);
    return stripUndefined({
      name: g.name,
      pos: g.pos,
      members: g.members.map((m) => m.text),
      trackScripts: g.trackScripts,
      trackInterfaces: g.trackInterfaces,
      trackFiles: g.trackFiles,
      trackProcesses: g.trackProcesses,
      notifyMaster: g.notifyMaster,
      notifyBackup: g.notifyBackup,
      notifyFault: g.notifyFault,
      notifyStop: g.notifyStop,
      notify: g.notify,
      notifyPriorityChanges: g.notifyPriorityChanges,
    });
  });
  const groupPriorityChanges = new Map(d.groups.map((g) => [g.name, g.notifyPriorityChanges]));
  const instances = d.instances.map((i) => {
    const group = groupOf.get(i.name);
    // keepalived vrrp.c: the instance's own setting, else its sync group's, else the global one.
    const changes = i.notifyPriorityChanges ?? (group === undefined ? undefined : groupPriorityChanges.get(group)) ?? global.vrrpNotifyPriorityChanges;
    return finishInstance(i, global, group, changes);
  });
  const trackFiles = d.trackFiles.flatMap(finishTrackFile);
  const trackProcesses = d.trackProcesses.flatMap(finishTrackProcess);
  return { files: [...files], configId, global, scripts, trackFiles, trackProcesses, instances, syncGroups };
}

function finishScript(s: ScriptDraft): VrrpScript[] {
  if (s.script === undefined) return [];
  return [
    stripUndefined({
      name: s.name,
      pos: s.pos,
      script: s.script,
      intervalMs: s.intervalMs,
      timeoutMs: s.timeoutMs ?? s.intervalMs,
      weight: s.weight,
      reverse: s.reverse,
      rise: s.rise,
      fall: s.fall,
      user: s.user,
      initFail: s.initFail,
    }),
  ];
}

function finishInstance(i: InstanceDraft, g: GlobalDefs, syncGroup: string | undefined, notifyPriorityChanges: boolean): VrrpInstance {
  return stripUndefined({
    name: i.name,
    pos: i.pos,
    state: i.state,
    interface: i.interface ?? '',
    vrid: i.vrid ?? 0,
    priority: i.priority,
    priorityExplicit: i.priorityToken !== undefined,
    version: i.version ?? g.vrrpVersion,
    family: i.family ?? 'ipv4',
    adverIntervalCs: i.adverIntervalCs,
    acceptMode: i.acceptMode,
    oldUnicastChecksum: i.oldUnicastChecksum,
    auth: i.auth.type === 'PASS' && i.auth.pass !== undefined ? { type: 1, pass: i.auth.pass.slice(0, 8) } : { type: 0 },
    vips: exact(i.vips),
    vipsExcluded: exact(i.vipsExcluded),
    nopreempt: i.nopreempt,
    preemptDelayMs: i.preemptDelayMs,
    trackScripts: exact(i.trackScripts),
    trackInterfaces: exact(i.trackInterfaces),
    trackFiles: exact(i.trackFiles),
    trackProcesses: exact(i.trackProcesses),
    notifyMaster: i.notifyMaster,
    notifyBackup: i.notifyBackup,
    notifyFault: i.notifyFault,
    notifyStop: i.notifyStop,
    notify: i.notify,
    notifyPriorityChanges,
    unicastSrcIp: i.unicastSrcIp,
    unicastPeers: exact(i.unicastPeers),
    mcastSrcIp: i.mcastSrcIp,
    garp: {
      masterDelayMs: i.garp.masterDelayMs ?? g.garpMasterDelayMs,
      masterRepeat: i.garp.masterRepeat ?? g.garpMasterRepeat,
      masterRefreshMs: i.garp.masterRefreshMs ?? g.garpMasterRefreshMs,
      masterRefreshRepeat: i.garp.masterRefreshRepeat ?? g.garpMasterRefreshRepeat,
    },
    strictMode: i.failover.strict,
    splitBrain: i.failover.splitBrain ?? SPLIT_BRAIN_DEFAULTS,
    vmac: i.failover.vmac,
    virtualRoutes: exact(i.failover.routes),
    virtualRules: exact(i.failover.rules),
    dontTrackPrimary: i.dontTrackPrimary,
    smtpAlert: i.smtpAlert,
    syncGroup,
  }) as VrrpInstance;
}

/** The empty list every instance's empty lists share (32 bytes each otherwise, ~8 per instance). */
const NONE: readonly never[] = Object.freeze([]);

/**
 * A list the draft pushed to, copied with no spare room (V8 gives an array's first push room for
 * 17 elements, 152 bytes), or the shared empty list: an instance keeps its lists for its lifetime.
 */
function exact<T>(list: readonly T[]): readonly T[] {
  return list.length === 0 ? NONE : list.slice();
}

/**
 * A copy without the keys whose value is undefined, so optional fields are absent rather than
 * undefined. A copy, not `delete`: V8 turns an object that loses a property into a hash table
 * (dictionary mode), 1.6 KB instead of ~0.3 for an instance the daemon keeps for its lifetime
 * (docs/performance.md, "Fewer bytes per instance").
 */
function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
