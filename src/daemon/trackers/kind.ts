/**
 * The tracker interface and what a tracker kind provides to the daemon. A kind (one file in this
 * directory, listed in registry.ts) says which objects a configuration asks for, which of them
 * an instance tracks and with what weight, and how one runs. Tracking (../tracking.ts) does the
 * rest for every kind alike: starting and stopping objects across reloads, turning readings into
 * the router's TrackerStatus, telling the daemon which instances to update when one changes.
 */
import type { TrackRef, VrrpdConfig, VrrpInstance } from '../../config/types.js';
import type { Reading, TrackerInfo, TrackerKindName } from '../../track/tracker.js';
import type { ScriptHost } from '../../io/script-launcher.js';
import type { Now } from '../clock.js';
import type { Logger } from '../log.js';

/** One tracked object at run time: one vrrp_script, one interface, one track_file, one vrrp_track_process. */
export interface TrackedObject {
  readonly kind: TrackerKindName;
  readonly name: string;
  /** The current reading; 'unknown' health (or value 0) until the first verdict. */
  reading(): Reading;
  /** What the status model shows: health, value, last result and duration, weight. */
  info(): TrackerInfo;
  /** Settles once the first verdict is in; instances wait for it (bounded) before they start. */
  readonly settled: Promise<void>;
  /** Stop watching: no more changes are reported, children are killed, watches closed. */
  stop(): void;
}

/** What the link monitor offers the interface kind. */
export interface LinkView {
  isUp(ifname: string): boolean | undefined;
  on(event: 'change', listener: (ifname: string, up: boolean) => void): unknown;
  off(event: 'change', listener: (ifname: string, up: boolean) => void): unknown;
}

/** What every kind may use while it runs. */
export interface TrackerContext {
  readonly now: Now;
  readonly log: Logger;
  /** Report a changed reading; the daemon updates every instance tracking (kind, name). */
  readonly changed: (kind: TrackerKindName, name: string, detail: string) => void;
  readonly links: LinkView;
  /** Who vrrpd is and how it starts scripts (created once, on first use). */
  readonly scriptHost: () => Promise<ScriptHost>;
  /** vrrpd's runtime directory: files there are never opened through a symlink. */
  readonly runDir: string;
  /** A contained bug in a callback of ours: logged, never fatal. */
  readonly bug: (what: string, e: unknown) => void;
}

/** An object a configuration asks for: `key` changes exactly when a reload must restart it. */
export interface Wanted<C> {
  readonly name: string;
  readonly key: string;
  readonly config: C;
}

/** A kind's run-time half, created once per daemon (it may hold what its objects share). */
export interface KindRuntime<C> {
  /** Start one object; undefined when it is disabled (the kind logged why). `reload`: not the daemon's first configuration. */
  create(wanted: Wanted<C>, config: VrrpdConfig, reload: boolean): Promise<TrackedObject | undefined>;
  /** Called after every apply with the objects now running (a shared watch may close). */
  settle?(running: readonly TrackedObject[]): void;
  stop(): void;
}

export interface TrackerKind<C = unknown> {
  readonly kind: TrackerKindName;
  /** The configured objects some instance tracks. */
  wanted(config: VrrpdConfig): Wanted<C>[];
  /** An instance's references to objects of this kind (its own and its sync group's). */
  refs(inst: VrrpInstance): readonly TrackRef[];
  /** The name the router and the logs use for one object ("chk_nginx", "interface eth1"). */
  label(name: string): string;
  runtime(ctx: TrackerContext): KindRuntime<C>;
}

/** A stable key for a configured object: its settings without source positions. */
export function keyOf(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) => (k === 'pos' ? undefined : v));
}
