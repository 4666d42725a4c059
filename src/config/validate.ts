/**
 * The top level: dispatches sections, reports top-level keywords vrrpd does not implement (once
 * each, from keywords.ts), and runs the checks that span sections: track_script references, the
 * address owner's weighted trackers, interfaces present on this host, duplicate VRIDs per
 * interface, and sync group membership.
 *
 * Which errors stop what (diagnostics.ts, DiagnosticClass): an error inside a vrrp_instance,
 * vrrp_script or vrrp_sync_group block, or in completing that instance, disables that section
 * alone: it is left out of the config, the rest runs (an instance tracking a disabled script runs
 * without it; a sync group runs without a disabled member). Every other error stops the whole
 * file: global_defs, a section without its name or block, two sections of one kind with one
 * name, two instances with one VRID on one interface, an instance in two sync groups (and, before
 * this, syntax, limits and unreadable files). The typed config is built when no error stops the file.
 */
import { ArgChecker } from './check-args.js';
import { didYouMean, type Diagnostics } from './diagnostics.js';
import { reportUnhandled } from './dispatch.js';
import { supportOf, TOP_LEVEL, type Support } from './keywords.js';
import { defaultGlobals, validateGlobal, type GlobalDraft } from './validate-global.js';
import { completeProtocol, validateInstance, type InstanceDraft } from './validate-instance.js';
import { validateScript, type ScriptDraft } from './validate-script.js';
import { validateSyncGroup, type SyncDraft } from './validate-sync.js';
import { validateTrackFile, validateTrackProcess, type TrackFileDraft, type TrackProcessDraft } from './validate-track.js';
import { checkRefs, refKinds, reportUnused } from './validate-refs.js';
import { applyGroupTracking, memberWeights, trackKinds } from './validate-sync-track.js';
import { finish } from './finish.js';
import type { DisabledSection, SectionRef, SourceHost, SourcePos, Stmt, VrrpdConfig } from './types.js';

/** The top-level keywords vrrpd handles (keywords.ts marks them supported; a test compares). */
export const TOP_HANDLED: ReadonlySet<string> = new Set(['global_defs', 'vrrp_script', 'vrrp_instance', 'vrrp_sync_group', 'track_file', 'vrrp_track_file', 'vrrp_track_process']);

export interface Drafts {
  global: GlobalDraft;
  scripts: ScriptDraft[];
  trackFiles: TrackFileDraft[];
  trackProcesses: TrackProcessDraft[];
  instances: InstanceDraft[];
  groups: SyncDraft[];
  /** Sections an error of their own disables. */
  broken: Set<InstanceDraft | ScriptDraft | SyncDraft>;
}

export interface Validated {
  /** Undefined when an error stops the whole file. */
  readonly config: VrrpdConfig | undefined;
  readonly disabled: readonly DisabledSection[];
}

export function validate(
  stmts: readonly Stmt[],
  files: readonly string[],
  configId: string,
  host: SourceHost,
  diags: Diagnostics,
): Validated {
  const a = new ArgChecker(diags);
  const drafts = collectSections(stmts, a);
  for (const inst of drafts.instances)
    if (diags.confine(ref('vrrp_instance', inst), () => completeProtocol(inst, drafts.global, a))) drafts.broken.add(inst);
  const named = namedObjects(drafts);
  checkTrackScripts(drafts, a);
  checkTrackObjects(drafts, a);
  checkInterfaces(drafts, host, a);
  checkDuplicateVrids(drafts, a);
  checkSyncGroups(drafts, host, a);
  reportUnusedObjects(drafts, named, a);
  if (diags.hasFatal) return { config: undefined, disabled: [] };
  const running = <T extends InstanceDraft | ScriptDraft | SyncDraft>(list: T[]): T[] => list.filter((x) => !drafts.broken.has(x));
  const disabled: DisabledSection[] = [
    ...drafts.instances.filter((i) => drafts.broken.has(i)).map((i) => ({ ...ref('vrrp_instance', i), pos: i.pos })),
    ...drafts.scripts.filter((s) => drafts.broken.has(s)).map((s) => ({ ...ref('vrrp_script', s), pos: s.pos })),
    ...drafts.groups.filter((g) => drafts.broken.has(g)).map((g) => ({ ...ref('vrrp_sync_group', g), pos: g.pos })),
  ].sort((x, y) => files.indexOf(x.pos.file) - files.indexOf(y.pos.file) || x.pos.line - y.pos.line || x.pos.col - y.pos.col);
  const kept = { ...drafts, scripts: running(drafts.scripts), instances: running(drafts.instances), groups: running(drafts.groups) };
  return { config: finish(kept, files, configId), disabled };
}

const ref = (section: SectionRef['section'], d: { name: string }): SectionRef => ({ section, name: d.name });

function collectSections(stmts: readonly Stmt[], a: ArgChecker): Drafts {
  const d: Drafts = { global: defaultGlobals(), scripts: [], trackFiles: [], trackProcesses: [], instances: [], groups: [], broken: new Set() };
  const ignored = new Map<string, { support: Support; stmts: Stmt[] }>();
  const seen = {
    scripts: new Map<string, ScriptDraft>(),
    files: new Map<string, TrackFileDraft>(),
    processes: new Map<string, TrackProcessDraft>(),
    instances: new Map<string, InstanceDraft>(),
    groups: new Map<string, SyncDraft>(),
  };
  for (const s of stmts) {
    const kw = s.keyword.text;
    const support = supportOf(TOP_LEVEL, kw);
    if (kw === 'global_defs') validateGlobal(s, d.global, a);
    else if (kw === 'vrrp_script') addSection(s, 'vrrp_script', validateScript, d.scripts, seen.scripts, d, a);
    else if (kw === 'vrrp_instance') addSection(s, 'vrrp_instance', validateInstance, d.instances, seen.instances, d, a);
    else if (kw === 'vrrp_sync_group') addSection(s, 'vrrp_sync_group', validateSyncGroup, d.groups, seen.groups, d, a);
    // A track_file or vrrp_track_process with an error stops the file (not confined yet).
    else if (kw === 'track_file' || kw === 'vrrp_track_file') addTracker(d.trackFiles, seen.files, validateTrackFile(s, a), 'track_file', a);
    else if (kw === 'vrrp_track_process') addTracker(d.trackProcesses, seen.processes, validateTrackProcess(s, a), 'vrrp_track_process', a);
    else if (support !== undefined) {
      const entry = ignored.get(kw);
      if (entry === undefined) ignored.set(kw, { support, stmts: [s] });
      else entry.stmts.push(s);
    } else a.diags.warning(s.keyword, () => `unknown keyword '${kw}' at top level${didYouMean(kw, Object.keys(TOP_LEVEL))}`, 'unknown-keyword');
  }
  for (const [, { support, stmts: list }] of ignored) {
    const first = list[0] as Stmt;
    reportUnhandled(first.keyword, 'top', support, a, list.length > 1 ? ` (${list.length} blocks)` : '');
  }
  return d;
}

/**
 * Validates one named section with its errors confined to it. A statement without its name or
 * block has nothing to disable: its errors stop the file.
 */
function addSection<T extends InstanceDraft | ScriptDraft | SyncDraft>(
  s: Stmt,
  section: SectionRef['section'],
  validate: (s: Stmt, a: ArgChecker) => T | undefined,
  list: T[],
  index: Map<string, T>,
  d: Drafts,
  a: ArgChecker,
): void {
  const name = s.args[0];
  if (name === undefined || s.block === undefined) {
    validate(s, a);
    return;
  }
  let item: T | undefined;
  const broken = a.diags.confine({ section, name: name.text }, () => {
    item = validate(s, a);
  });
  if (item !== undefined && addUnique(list, index, item, section, a) && broken) d.broken.add(item);
}

/** A tracker section (track_file, vrrp_track_process), unless validation refused it. */
function addTracker<T extends { name: string; pos: SourcePos }>(list: T[], index: Map<string, T>, item: T | undefined, what: string, a: ArgChecker): void {
  if (item !== undefined) addUnique(list, index, item, what, a);
}

/** Sections are looked up by name through `index` (a config may hold thousands: no linear scans). */
function addUnique<T extends { name: string; pos: SourcePos }>(list: T[], index: Map<string, T>, item: T, what: string, a: ArgChecker): boolean {
  const prev = index.get(item.name);
  if (prev !== undefined) {
    a.diags.error(item.pos, `${what} ${item.name} is already defined at ${prev.pos.file}:${prev.pos.line}`);
    return false;
  }
  index.set(item.name, item);
  list.push(item);
  return true;
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
        a.diags.warning(ref.pos, () => `vrrp_instance ${inst.name}: track_script '${ref.name}' names no vrrp_script; ignored${didYouMean(ref.name, names)}`);
        return false;
      }
      if (d.broken.has(script)) {
        // keepalived runs a script with a bad value on its default, or drops one without 'script'.
        a.diags.failover(ref.pos, `vrrp_instance ${inst.name}: vrrp_script ${ref.name} is disabled by its errors; this instance runs without it`);
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
    if (d.broken.has(inst)) continue;
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
  // A group tracking a disabled script runs without it (the script is left out of the config).
  const kinds = trackKinds({ ...d, scripts: d.scripts.filter((s) => !d.broken.has(s)) });
  for (const g of d.groups) {
    const members: typeof g.members = [];
    const drafts: InstanceDraft[] = [];
    for (const m of g.members) {
      const inst = instances.get(m.text);
      const other = owner.get(m.text);
      if (inst === undefined)
        a.diags.warning(m, () => `vrrp_sync_group ${g.name}: no vrrp_instance '${m.text}'; ignored${didYouMean(m.text, d.instances.map((i) => i.name))}`);
      else if (other !== undefined)
        a.diags.error(m, `vrrp_instance ${m.text} is already in vrrp_sync_group ${other.name}; an instance can be in one group only`);
      else if (d.broken.has(g)) owner.set(m.text, g);
      else if (d.broken.has(inst)) {
        owner.set(m.text, g);
        a.diags.failover(m, `vrrp_sync_group ${g.name}: vrrp_instance ${m.text} is disabled by its errors; the group runs without it`);
      } else {
        owner.set(m.text, g);
        members.push(m);
        drafts.push(inst);
        memberWeights(inst, g, kinds, a);
      }
    }
    g.members = members;
    if (members.length === 1 && !d.broken.has(g)) a.diags.warning(g.nameToken, `vrrp_sync_group ${g.name} has only one member; a sync group needs two or more to mean anything`);
    applyGroupTracking(g, drafts, kinds, host, a);
  }
}
