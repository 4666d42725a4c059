/**
 * The track_interface kind: one object per interface some instance tracks, read from the shared
 * link monitor (netlink, within milliseconds). Link down with weight 0 means FAULT; with weight
 * N it moves the priority like a script (src/track/interface-tracker.ts).
 */
import { health, type Health, type Reading, type TrackerInfo } from '../../track/tracker.js';
import type { Now } from '../clock.js';
import type { KindRuntime, LinkView, TrackedObject, TrackerContext, TrackerKind } from './kind.js';

const healthOf = (up: boolean | undefined): Health => (up === undefined ? 'unknown' : up ? 'healthy' : 'failed');

class InterfaceWatch implements TrackedObject {
  readonly kind = 'track_interface' as const;
  /** The link monitor has read every link before trackers are created. */
  readonly settled = Promise.resolve();
  #sinceMs: number | undefined;
  readonly #listener: (ifname: string, up: boolean) => void;

  constructor(
    readonly name: string,
    private readonly links: LinkView,
    now: Now,
    changed: (detail: string) => void,
  ) {
    this.#listener = (ifname, up) => {
      if (ifname !== name) return;
      this.#sinceMs = now();
      changed(`link ${name} ${up ? 'up' : 'down'}`);
    };
    links.on('change', this.#listener);
  }

  reading(): Reading {
    return health(healthOf(this.links.isUp(this.name)));
  }

  info(): TrackerInfo {
    const up = this.links.isUp(this.name);
    return {
      kind: this.kind,
      name: this.name,
      health: healthOf(up),
      weight: 0,
      reverse: false,
      lastResult: up === undefined ? 'no such link' : up ? 'link up' : 'link down',
      ...(this.#sinceMs !== undefined ? { sinceMs: this.#sinceMs } : {}),
    };
  }

  stop(): void {
    this.links.off('change', this.#listener);
  }
}

export const interfaceKind: TrackerKind<string> = {
  kind: 'track_interface',
  wanted(config) {
    const names = new Set(config.instances.flatMap((i) => i.trackInterfaces.map((t) => t.name)));
    return [...names].map((n) => ({ name: n, key: n, config: n }));
  },
  refs: (inst) => inst.trackInterfaces,
  label: (name) => `interface ${name}`,
  runtime(ctx: TrackerContext): KindRuntime<string> {
    return {
      create: (w) => Promise.resolve(new InterfaceWatch(w.name, ctx.links, ctx.now, (detail) => ctx.changed('track_interface', w.name, detail))),
      stop() {},
    };
  },
};
