/**
 * The top level: dispatches sections, reports sections vrrpd does not implement (once each),
 * and runs the checks that span sections: track_script references, the address owner's
 * weighted trackers, interfaces present on this host, duplicate VRIDs per interface, and sync
 * group membership. Builds the typed config only when no error was found.
 */
import { ArgChecker } from './check-args.js';
import { didYouMean, type Diagnostics } from './diagnostics.js';
import { UNIMPLEMENTED_SECTIONS } from './keywords.js';
import { defaultGlobals, validateGlobal, type GlobalDraft } from './validate-global.js';
import { completeProtocol, validateInstance, type InstanceDraft } from './validate-instance.js';
import { validateScript, type ScriptDraft } from './validate-script.js';
import { validateSyncGroup, type SyncDraft } from './validate-sync.js';
import { validateTrackFile, validateTrackProcess, type TrackFileDraft, type TrackProcessDraft } from './validate-track.js';
import { checkRefs, refKinds, reportUnused } from './validate-refs.js';
import { applyGroupTracking, memberWeights, trackKinds } from './validate-sync-track.js';
import { finish } from './finish.js';
import type { SourceHost, SourcePos, Stmt, VrrpdConfig } from './types.js';

const SECTIONS = ['global_defs', 'vrrp_script', 'vrrp_instance', 'vrrp_sync_group', 'track_file', 'vrrp_track_file', 'vrrp_track_process'];

export interface Drafts {
  global: GlobalDraft;
  scripts: ScriptDraft[];
  trackFiles: TrackFileDraft[];
  trackProcesses: TrackProcessDraft[];
  instances: InstanceDraft[];
  groups: SyncDraft[];
}

export function validate(
  stmts: readonly Stmt[],
  files: readonly string[],
  configId: string,
  host: SourceHost,
  diags: Diagnostics,
): VrrpdConfig | undefined {
  const a = new ArgChecker(diags);
  const drafts = collectSections(stmts, a);
  for (const inst of drafts.instances) completeProtocol(inst, drafts.global, a);
  const named = namedObjects(drafts);
  checkTrackScripts(drafts, a);
  checkTrackObjects(drafts, a);
  checkInterfaces(drafts, host, a);
  checkDuplicateVrids(drafts, a);
  checkSyncGroups(drafts, host, a);
  reportUnusedObjects(drafts, named, a);
  if (diags.hasErrors) return undefined;
  return finish(drafts, files, configId);
}

function collectSections(stmts: readonly Stmt[], a: ArgChecker): Drafts {
  const d: Drafts = { global: defaultGlobals(), scripts: [], trackFiles: [], trackProcesses: [], instances: [], groups: [] };
  const ignored = new Map<string, Stmt[]>();
  const seen = {
    scripts: new Map<string, ScriptDraft>(),
    files: new Map<string, TrackFileDraft>(),
    processes: new Map<string, TrackProcessDraft>(),
    instances: new Map<string, InstanceDraft>(),
    groups: new Map<string, SyncDraft>(),
  };
  for (const s of stmts) {
    const kw = s.keyword.text;
    if (kw === 'global_defs') validateGlobal(s, d.global, a);
    else if (kw === 'vrrp_script') addUnique(d.scripts, seen.scripts, validateScript(s, a), 'vrrp_script', a);
    else if (kw === 'vrrp_instance') addUnique(d.instances, seen.instances, validateInstance(s, a), 'vrrp_instance', a);
    else if (kw === 'vrrp_sync_group') addUnique(d.groups, seen.groups, validateSyncGroup(s, a), 'vrrp_sync_group', a);
    else if (kw === 'track_file' || kw === 'vrrp_track_file') addUnique(d.trackFiles, seen.files, validateTrackFile(s, a), 'track_file', a);
    else if (kw === 'vrrp_track_process') addUnique(d.trackProcesses, seen.processes, validateTrackProcess(s, a), 'vrrp_track_process', a);
    else if (UNIMPLEMENTED_SECTIONS.has(kw)) {
      const list = ignored.get(kw);
      if (list === undefined) ignored.set(kw, [s]);
      else list.push(s);
    } else a.diags.warning(s.keyword, `unknown keyword '${kw}' at top level${didYouMean(kw, [...SECTIONS, ...UNIMPLEMENTED_SECTIONS.keys()])}`, 'unknown-keyword');
  }
  for (const [kw, list] of ignored) {
    const first = list[0] as Stmt;
    const more = list.length > 1 ? ` (${list.length} blocks)` : '';
    a.diags.warning(first.keyword, `'${kw}' (${UNIMPLEMENTED_SECTIONS.get(kw)}) is not implemented by vrrpd; ignored${more}`);
  }
  return d;
}

/** Sections are looked up by name through `index` (a config may hold thousands: no linear scans). */
function addUnique<T extends { name: string; pos: SourcePos }>(
  list: T[],
  index: Map<string, T>,
  item: T | undefined,
  what: string,
  a: ArgChecker,
): void {
  if (item === undefined) return;
  const prev = index.get(item.name);
  if (prev !== undefined) {
    a.diags.error(item.pos, `${what} ${item.name} is already defined at ${prev.pos.file}:${prev.pos.line}`);
    return;
  }
  index.set(item.name, item);
  list.push(item);
}

/** Effective weight of a tracked script: the override, else the script's own. */
function weightOf(ref: { weight?: number }, script: ScriptDraft | undefined): number {
  return ref.weight ?? script?.weight ?? 0;
}

function checkTrackScripts(d: Drafts, a: ArgChecker): void {
  const names = d.scripts.map((s) => s.name);
  const byName = new Map(d.scripts.map((s) => [s.name, s]));
  for (const inst of d.instances) {
    inst.trackScripts = inst.trackScripts.filter((ref) => {
      const script = byName.get(ref.name);
      if (script === undefined) {
        a.diags.warning(ref.pos, `vrrp_instance ${inst.name}: track_script '${ref.name}' names no vrrp_script; ignored${didYouMean(ref.name, names)}`);
        return false;
      }
      if (inst.priority === 255 && weightOf(ref, script) !== 0) {
        a.diags.warning(ref.pos, `vrrp_instance ${inst.name}: tracked script '${ref.name}' has a weight but priority 255 (address owner) never changes; ignored`);
        return false;
      }
      return true;
    });
  }
}

/** track_file and track_process references of the instances (validate-refs.ts). */
function checkTrackObjects(d: Drafts, a: ArgChecker): void {
  for (const kind of refKinds(d.trackFiles, d.trackProcesses)) for (const inst of d.instances) checkRefs(kind, inst, a);
}

type Named = Record<'trackScripts' | 'trackFiles' | 'trackProcesses', Set<string>>;

/** The names instances and sync groups list, before any rule drops a reference. */
function namedObjects(d: Drafts): Named {
  const owners = [...d.instances, ...d.groups];
  const names = (field: keyof Named) => new Set(owners.flatMap((o) => o[field].map((r) => r.name)));
  return { trackScripts: names('trackScripts'), trackFiles: names('trackFiles'), trackProcesses: names('trackProcesses') };
}

/** Objects no instance or sync group names: keepalived never runs them. */
function reportUnusedObjects(d: Drafts, named: Named, a: ArgChecker): void {
  for (const s of d.scripts)
    if (!named.trackScripts.has(s.name)) a.diags.info(s.pos, `vrrp_script ${s.name} is not tracked by any vrrp_instance, so it never runs`);
  for (const kind of refKinds(d.trackFiles, d.trackProcesses)) reportUnused(kind, named[kind.field], a, kind.field === 'trackFiles' ? d.trackFiles : d.trackProcesses);
}

function checkInterfaces(d: Drafts, host: SourceHost, a: ArgChecker): void {
  const exists = host.interfaceExists?.bind(host);
  if (exists === undefined) return;
  for (const inst of d.instances) {
    if (inst.interface !== undefined && inst.interfaceToken !== undefined && !exists(inst.interface))
      a.diags.warning(inst.interfaceToken, `interface '${inst.interface}' does not exist on this machine; vrrp_instance ${inst.name} will wait in FAULT until it appears`);
    for (const ref of inst.trackInterfaces)
      if (!exists(ref.name)) a.diags.warning(ref.pos, `tracked interface '${ref.name}' does not exist on this machine; it counts as down until it appears`);
  }
}

/**
 * keepalived refuses two instances with one VRID and one family on one interface (unless unicast
 * with disjoint peers). The same VRID for IPv4 and IPv6 is fine (dual stack): they are two
 * virtual routers (RFC 5798 §7.3 gives them different MACs).
 */
function checkDuplicateVrids(d: Drafts, a: ArgChecker): void {
  // Per VRID and interface: the multicast instance, and which instance each unicast peer belongs to.
  const seen = new Map<string, { multicast?: InstanceDraft; peers: Map<string, InstanceDraft> }>();
  for (const inst of d.instances) {
    if (inst.vrid === undefined || inst.interface === undefined) continue;
    const family = inst.family ?? 'ipv4';
    const key = `${inst.vrid}/${inst.interface}/${family}`;
    let same = seen.get(key);
    if (same === undefined) seen.set(key, (same = { peers: new Map() }));
    const clash = inst.unicastPeers.length === 0 ? same.multicast : inst.unicastPeers.map((p) => same.peers.get(p)).find((o) => o !== undefined);
    if (clash !== undefined)
      a.diags.error(inst.vridToken ?? inst.nameToken, `vrrp_instance ${inst.name} and vrrp_instance ${clash.name} (${clash.pos.file}:${clash.pos.line}) both use VRID ${inst.vrid} for ${family === 'ipv6' ? 'IPv6' : 'IPv4'} on interface ${inst.interface}`);
    if (inst.unicastPeers.length === 0) same.multicast ??= inst;
    for (const p of inst.unicastPeers) if (!same.peers.has(p)) same.peers.set(p, inst);
  }
}

function checkSyncGroups(d: Drafts, host: SourceHost, a: ArgChecker): void {
  const owner = new Map<string, SyncDraft>();
  const instances = new Map(d.instances.map((i) => [i.name, i]));
  const kinds = trackKinds(d);
  for (const g of d.groups) {
    const members: typeof g.members = [];
    const drafts: InstanceDraft[] = [];
    for (const m of g.members) {
      const inst = instances.get(m.text);
      const other = owner.get(m.text);
      if (inst === undefined)
        a.diags.warning(m, `vrrp_sync_group ${g.name}: no vrrp_instance '${m.text}'; ignored${didYouMean(m.text, d.instances.map((i) => i.name))}`);
      else if (other !== undefined)
        a.diags.error(m, `vrrp_instance ${m.text} is already in vrrp_sync_group ${other.name}; an instance can be in one group only`);
      else {
        owner.set(m.text, g);
        members.push(m);
        drafts.push(inst);
        memberWeights(inst, g, kinds, a);
      }
    }
    g.members = members;
    if (members.length === 1) a.diags.warning(g.nameToken, `vrrp_sync_group ${g.name} has only one member; a sync group needs two or more to mean anything`);
    applyGroupTracking(g, drafts, kinds, host, a);
  }
}
