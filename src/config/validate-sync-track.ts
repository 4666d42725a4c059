/**
 * Tracking in vrrp_sync_group, keepalived 2.2.7's way (vrrp.c: vrrp_complete_instance, then
 * sync_group_tracking_init):
 *
 * 1. A member's own weighted trackers, unless the group has `sync_group_tracking_weight`: a
 *    tracked interface's weight becomes 0; a weighted track_script is ignored; a track_file with
 *    the default weight 1 becomes weight 0 and one with another weight is ignored; a
 *    track_process keeps its weight (keepalived 2.2.7 does, though its manual says weight 0 must
 *    be set).
 * 2. The group's own track_script / track_interface / track_file / track_process apply to every
 *    member, with their weights (cleared to 0 when a member is an address owner). An object the
 *    member already tracks takes the group's weight, unless the member's is 0.
 */
import type { ArgChecker } from './check-args.js';
import { didYouMean } from './diagnostics.js';
import type { SourceHost, TrackRef } from './types.js';
import type { InstanceDraft } from './validate-instance.js';
import type { SyncDraft } from './validate-sync.js';

export type TrackField = 'trackScripts' | 'trackInterfaces' | 'trackFiles' | 'trackProcesses';

/** One kind of tracked object, as the sync group rules need it. */
export interface TrackKindSpec {
  readonly field: TrackField;
  readonly keyword: string;
  /** The defining section and its objects' own weights; undefined for interfaces (weight 0). */
  readonly defined?: { readonly section: string; readonly weights: ReadonlyMap<string, number> };
}

const weightOf = (ref: TrackRef, k: TrackKindSpec): number => ref.weight ?? k.defined?.weights.get(ref.name) ?? 0;

/** Rule 1: a member's own weighted trackers (see the module header). */
export function memberWeights(inst: InstanceDraft, g: SyncDraft, kinds: readonly TrackKindSpec[], a: ArgChecker): void {
  if (g.trackingWeight) return;
  const who = `vrrp_instance ${inst.name} is in vrrp_sync_group ${g.name}`;
  const fix = 'set weight 0 (a failure is FAULT for the whole group), or sync_group_tracking_weight in the group';
  for (const k of kinds) {
    inst[k.field] = inst[k.field].flatMap((ref): TrackRef[] => {
      const w = weightOf(ref, k);
      if (w === 0) return [ref];
      const what = `${k.keyword} '${ref.name}' (weight ${w})`;
      if (k.field === 'trackInterfaces' || (k.field === 'trackFiles' && w === 1)) {
        a.diags.warning(ref.pos, `${who}: ${what} is taken as weight 0 (a failure means FAULT), as keepalived does; ${fix}`);
        return [{ ...ref, weight: 0 }];
      }
      if (k.field === 'trackProcesses') {
        a.diags.info(ref.pos, `${who}: ${what} keeps its weight, as keepalived 2.2.7 does (its manual asks for weight 0 here)`);
        return [ref];
      }
      a.diags.warning(ref.pos, `${who}: ${what} is ignored, as keepalived ignores a weighted tracker of a sync group member: it neither moves the priority nor causes FAULT; ${fix}`);
      return [];
    });
  }
}

/** The group's references of one kind that name something: unknown and repeated names are warned about and left out. */
function groupRefs(g: SyncDraft, k: TrackKindSpec, host: SourceHost, a: ArgChecker): TrackRef[] {
  const seen = new Set<string>();
  const out: TrackRef[] = [];
  for (const ref of g[k.field]) {
    const known = k.defined === undefined || k.defined.weights.has(ref.name);
    const defined = k.defined;
    if (!known && defined !== undefined) {
      a.diags.warning(ref.pos, () => `vrrp_sync_group ${g.name}: ${k.keyword} '${ref.name}' names no ${defined.section}; ignored${didYouMean(ref.name, defined.weights.keys())}`);
      continue;
    }
    if (seen.has(ref.name)) {
      a.diags.warning(ref.pos, `vrrp_sync_group ${g.name}: ${k.keyword} '${ref.name}' is listed twice; the second is ignored`);
      continue;
    }
    seen.add(ref.name);
    if (k.field === 'trackInterfaces' && host.interfaceExists?.(ref.name) === false)
      a.diags.warning(ref.pos, `tracked interface '${ref.name}' does not exist on this machine; it counts as down until it appears`);
    out.push({ ...ref, group: g.name });
  }
  return out;
}

/** Rule 2: the group's trackers on every member. */
export function applyGroupTracking(g: SyncDraft, members: readonly InstanceDraft[], kinds: readonly TrackKindSpec[], host: SourceHost, a: ArgChecker): void {
  const owner = members.find((m) => m.priority === 255);
  for (const k of kinds) {
    const refs = groupRefs(g, k, host, a).map((ref) => {
      const w = weightOf(ref, k);
      if (owner === undefined || w === 0) return ref;
      a.diags.warning(ref.pos, `vrrp_sync_group ${g.name}: ${k.keyword} '${ref.name}' has weight ${w} but member ${owner.name} has priority 255 (address owner): weight cleared to 0, as keepalived does`);
      return { ...ref, weight: 0 };
    });
    g[k.field] = refs;
    for (const m of members) m[k.field] = merge(m, m[k.field], refs, k, a);
  }
}

function merge(m: InstanceDraft, own: readonly TrackRef[], group: readonly TrackRef[], k: TrackKindSpec, a: ArgChecker): TrackRef[] {
  const out = [...own];
  for (const ref of group) {
    const i = out.findIndex((r) => r.name === ref.name);
    if (i < 0) {
      out.push(ref);
      continue;
    }
    const mine = out[i] as TrackRef;
    const keep = weightOf(mine, k) === 0;
    a.diags.info(mine.pos, `vrrp_instance ${m.name}: ${k.keyword} '${ref.name}' is also tracked by its vrrp_sync_group ${ref.group ?? ''}; ${keep ? "the instance's weight 0 is kept" : "the group's weight is used"}, as keepalived does (track it in one place)`);
    out[i] = keep ? { ...mine, group: ref.group ?? '' } : { ...ref };
  }
  return out;
}

/** The kinds, with what each defining section says about weights. */
export function trackKinds(d: {
  scripts: readonly { name: string; weight: number }[];
  trackFiles: readonly { name: string; weight: number }[];
  trackProcesses: readonly { name: string; weight: number }[];
}): TrackKindSpec[] {
  const weights = (list: readonly { name: string; weight: number }[]) => new Map(list.map((o) => [o.name, o.weight]));
  return [
    { field: 'trackScripts', keyword: 'track_script', defined: { section: 'vrrp_script', weights: weights(d.scripts) } },
    { field: 'trackInterfaces', keyword: 'track_interface' },
    { field: 'trackFiles', keyword: 'track_file', defined: { section: 'track_file', weights: weights(d.trackFiles) } },
    { field: 'trackProcesses', keyword: 'track_process', defined: { section: 'vrrp_track_process', weights: weights(d.trackProcesses) } },
  ];
}

