/**
 * The checks that tie an instance's `track_file { NAME [weight N] }` and `track_process { ... }`
 * references to the objects they name, with keepalived 2.2.7's rules (vrrp_track.c
 * alloc_track_process, track_file.c vrrp_alloc_track_file, vrrp.c vrrp_complete_instance): a name
 * that is defined nowhere or named twice is ignored; an address owner (priority 255) keeps a
 * track_file only unweighted (the default weight 1 becomes 0, another weight drops it); an object
 * nobody tracks never runs.
 */
import type { ArgChecker } from './check-args.js';
import { didYouMean } from './diagnostics.js';
import type { TrackRef } from './types.js';
import type { InstanceDraft } from './validate-instance.js';
import type { TrackFileDraft, TrackProcessDraft } from './validate-track.js';

/** One kind of reference, as the checks need it. */
export interface RefKind {
  /** The instance keyword: track_file, track_process. */
  readonly keyword: string;
  /** The section that defines the objects: track_file, vrrp_track_process. */
  readonly section: string;
  readonly field: 'trackFiles' | 'trackProcesses';
  readonly defined: ReadonlyMap<string, { readonly weight: number; readonly reverse: boolean; readonly pos: { readonly line: number } }>;
}

export function refKinds(files: readonly TrackFileDraft[], processes: readonly TrackProcessDraft[]): RefKind[] {
  return [
    { keyword: 'track_file', section: 'track_file', field: 'trackFiles', defined: new Map(files.map((f) => [f.name, f])) },
    { keyword: 'track_process', section: 'vrrp_track_process', field: 'trackProcesses', defined: new Map(processes.map((p) => [p.name, p])) },
  ];
}

/** The weight a reference gives its object: its own, else the object's. */
export function refWeight(ref: TrackRef, kind: RefKind): number {
  return ref.weight ?? kind.defined.get(ref.name)?.weight ?? 0;
}

/** Unknown and duplicate references, the address owner's weights. */
export function checkRefs(kind: RefKind, inst: InstanceDraft, a: ArgChecker): void {
  const seen = new Set<string>();
  const who = `vrrp_instance ${inst.name}`;
  inst[kind.field] = inst[kind.field].flatMap((ref): TrackRef[] => {
    if (!kind.defined.has(ref.name)) {
      a.diags.warning(ref.pos, () => `${who}: ${kind.keyword} '${ref.name}' names no ${kind.section}; ignored${didYouMean(ref.name, kind.defined.keys())}`);
      return [];
    }
    if (seen.has(ref.name)) {
      a.diags.warning(ref.pos, `${who}: ${kind.keyword} '${ref.name}' is listed twice; the second is ignored (as keepalived does)`);
      return [];
    }
    seen.add(ref.name);
    return [ownerRule(kind, inst, ref, a)].flatMap((r) => (r ? [r] : []));
  });
}

/** keepalived's address owner: weights never move priority 255 (vrrp_complete_instance). */
function ownerRule(kind: RefKind, inst: InstanceDraft, ref: TrackRef, a: ArgChecker): TrackRef | undefined {
  const w = refWeight(ref, kind);
  if (inst.priority !== 255 || w === 0) return ref;
  const who = `vrrp_instance ${inst.name}`;
  if (kind.field === 'trackProcesses') {
    a.diags.warning(ref.pos, `${who}: ${kind.keyword} '${ref.name}' has weight ${w}, which never moves priority 255 (address owner); only weight 0 (FAULT without quorum) has an effect`);
    return ref;
  }
  if (w === 1) {
    a.diags.warning(ref.pos, `${who}: ${kind.keyword} '${ref.name}' on an address owner (priority 255): its default weight 1 is taken as weight 0 (a non-zero value means FAULT), as keepalived does; write 'weight 0'`);
    return { ...ref, weight: 0 };
  }
  a.diags.warning(ref.pos, `${who}: ${kind.keyword} '${ref.name}' has weight ${w} but priority 255 (address owner) never changes; ignored, as keepalived does`);
  return undefined;
}

/** An object no instance (or sync group) tracks: keepalived never reads or watches it. */
export function reportUnused(kind: RefKind, used: ReadonlySet<string>, a: ArgChecker, objects: readonly { name: string; pos: { file: string; line: number; col: number } }[]): void {
  const what = kind.field === 'trackFiles' ? 'read' : 'watched';
  for (const o of objects) if (!used.has(o.name)) a.diags.info(o.pos, `${kind.section} ${o.name} is not tracked by any vrrp_instance or vrrp_sync_group, so it is never ${what}`);
}
