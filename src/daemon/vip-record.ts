/**
 * What this daemon has put on the host: <run-dir>/vrrpd.vips.json lists the virtual addresses, the
 * virtual routes and rules, the use_vmac macvlans and whether our nftables table (no_accept) is
 * there. `vrrpd cleanup` (systemd's ExecStopPost) and the next start remove what it lists, so a
 * crashed daemon's changes go even when the configuration can no longer be read or no longer
 * names them.
 *
 * An entry is recorded BEFORE it is added and forgotten AFTER its removal succeeded: whatever
 * happens in between, the record holds at least what is on the host (an extra entry is harmless:
 * deleting what is absent succeeds). The configured virtual addresses are recorded as a whole at
 * start and at each reload (`configure`) and stay recorded while configured, on the host or not,
 * so a takeover or a release writes nothing (a write before a mass takeover's addresses cost 4-25
 * ms of the event loop, docs/performance.md); `vrrpd cleanup` removes every configured address
 * anyway. Each change of the recorded set rewrites the whole file atomically (runtime-dir.ts
 * writeFileAtomically); writes are serialised and coalesced, and a write that failed is tried
 * again at the next call. Every entry read back is checked with the validator its command applies
 * before it is acted on.
 */
import type { VipSpec } from '../io/ip-addr.js';
import { ipAddrArgs } from '../io/ip-addr.js';
import { describeRoute, describeRule, ipRouteArgs, ipRuleArgs, type RouteSpec, type RuleSpec } from '../io/ip-route.js';
import { vmacAddArgs, type VmacSpec } from '../io/vmac.js';
import { err, ok, type Result } from '../result.js';
import type { Logger } from './log.js';
import { readPrivateFile, writeFileAtomically } from './runtime-dir.js';
import type { VipOps } from './vip-keeper.js';

export const VIP_RECORD = 'vrrpd.vips.json';
/** Far more than any real configuration (each entry is under 300 bytes). */
const MAX_RECORD_BYTES = 1 << 20;

/** One thing the daemon put on the host. */
export type Recorded =
  | { readonly kind: 'addr'; readonly vip: VipSpec }
  | { readonly kind: 'route'; readonly route: RouteSpec }
  | { readonly kind: 'rule'; readonly rule: RuleSpec }
  | { readonly kind: 'link'; readonly link: VmacSpec }
  | { readonly kind: 'firewall' };

/** The record as read back. */
export interface RecordBody {
  readonly vips: readonly VipSpec[];
  readonly routes: readonly RouteSpec[];
  readonly rules: readonly RuleSpec[];
  readonly links: readonly VmacSpec[];
  readonly firewall: boolean;
}

const keyOf = (e: Recorded): string => {
  switch (e.kind) {
    case 'addr':
      return `addr ${e.vip.address} dev ${e.vip.dev}`;
    case 'route':
      return `route ${JSON.stringify(e.route)}`;
    case 'rule':
      return `rule ${JSON.stringify(e.rule)}`;
    case 'link':
      return `link ${e.link.ifname}`;
    case 'firewall':
      return 'firewall';
  }
};

export class HostRecord {
  readonly #dir: string;
  readonly #log: Logger;
  /** Entries that may be on the host: recorded before an add, forgotten after a removal. */
  readonly #placed = new Map<string, Recorded>();
  /** The configured entries (`configure`): recorded whether placed or not. */
  #configured = new Map<string, Recorded>();
  #version = 0;
  #written = 0;
  #chain: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.#log = log;
  }

  /** Record `entries` (before they are added); resolves once the file says so (or could not be written). */
  async adding(entries: readonly Recorded[]): Promise<void> {
    await this.#recordBeforeAdd(entries);
  }

  /**
   * `adding`, but undefined when there is nothing to wait for: every entry recorded already (a
   * takeover of configured addresses) and the file written with it, no write failing or in flight.
   * The add then goes at once, in the batch being gathered (no promise hop per instance).
   */
  #recordBeforeAdd(entries: readonly Recorded[]): Promise<void> | undefined {
    let grew = false;
    for (const e of entries) {
      const k = keyOf(e);
      grew ||= !this.#recorded(k);
      this.#placed.set(k, e);
    }
    if (!grew && !this.#failing && this.#written >= this.#version) return undefined;
    return this.#sync(grew);
  }

  /** Whether an add of `entries` would go at once (#recordBeforeAdd undefined), without recording anything. */
  #addWouldGo(entries: readonly Recorded[]): boolean {
    if (this.#failing || this.#written < this.#version) return false;
    for (const e of entries) if (!this.#recorded(keyOf(e))) return false;
    return true;
  }

  /** Forget `entries` (after they were removed); a configured entry stays recorded. */
  async removed(entries: readonly Recorded[]): Promise<void> {
    let shrank = false;
    for (const e of entries) {
      const k = keyOf(e);
      if (this.#placed.delete(k) && !this.#configured.has(k)) shrank = true;
    }
    await this.#sync(shrank);
  }

  /**
   * The configuration's entries (at start, at each reload): recorded from now on whether they are
   * on the host or not; those a new configuration drops stay recorded while they may be placed.
   */
  async configure(entries: readonly Recorded[]): Promise<void> {
    const next = new Map(entries.map((e) => [keyOf(e), e]));
    const changed = [...next.keys()].some((k) => !this.#recorded(k)) || [...this.#configured.keys()].some((k) => !next.has(k) && !this.#placed.has(k));
    this.#configured = next;
    await this.#sync(changed);
  }

  /** Start from an empty record (after the previous run's changes were removed). */
  async reset(): Promise<void> {
    this.#placed.clear();
    this.#configured.clear();
    await this.#persist();
  }

  #recorded(key: string): boolean {
    return this.#placed.has(key) || this.#configured.has(key);
  }

  /** Rewrite the file when the recorded set `changed`, or when its last write failed; else wait for any write in flight. */
  #sync(changed: boolean): Promise<void> {
    return changed || this.#failing ? this.#persist() : this.#chain;
  }

  /**
   * `ops` with every item recorded before it is added and forgotten after a successful removal;
   * `of` says what an item is (undefined: not recorded).
   */
  wrap<V>(ops: VipOps<V>, of: (v: V) => Recorded | undefined = (v) => ({ kind: 'addr', vip: v as VipSpec })): VipOps<V> {
    const recorded = (vs: readonly V[]): Recorded[] => vs.flatMap((v) => of(v) ?? []);
    return {
      describe: (v) => ops.describe(v),
      ...(ops.prepare ? { prepare: (vs: readonly V[]) => ops.prepare?.(vs) } : {}),
      // Ahead of the record only what an add would not wait for: every entry recorded, the file written.
      ...(ops.ahead ? { ahead: (vs: readonly V[]) => (this.#addWouldGo(recorded(vs)) ? ops.ahead?.(vs) : undefined) } : {}),
      apply: (state, vs) => {
        if (state === 'present') {
          const written = this.#recordBeforeAdd(recorded(vs));
          return written === undefined ? ops.apply(state, vs) : written.then(() => ops.apply(state, vs));
        }
        return ops.apply(state, vs).then(async (results) => {
          await this.removed(recorded(vs.filter((_, i) => results[i]?.ok === true)));
          return results;
        });
      },
    };
  }

  #body(): RecordBody {
    const all = [...new Map([...this.#configured, ...this.#placed]).values()];
    return {
      vips: all.flatMap((e) => (e.kind === 'addr' ? [e.vip] : [])),
      routes: all.flatMap((e) => (e.kind === 'route' ? [e.route] : [])),
      rules: all.flatMap((e) => (e.kind === 'rule' ? [e.rule] : [])),
      links: all.flatMap((e) => (e.kind === 'link' ? [e.link] : [])),
      firewall: all.some((e) => e.kind === 'firewall'),
    };
  }

  #persist(): Promise<void> {
    const want = ++this.#version;
    this.#chain = this.#chain.then(async () => {
      if (this.#written >= want) return; // a later write already included this change
      const version = this.#version;
      const text = `${JSON.stringify({ pid: process.pid, ...this.#body() }, null, 1)}\n`;
      const r = await writeFileAtomically(this.#dir, VIP_RECORD, text);
      this.#written = version;
      if (!r.ok && !this.#failing) this.#log.error({ detail: r.error }, 'cannot record what vrrpd added to the host for `vrrpd cleanup`');
      else if (r.ok && this.#failing) this.#log.info({ file: r.value }, 'what vrrpd added to the host is recorded again');
      this.#failing = !r.ok;
    });
    return this.#chain;
  }
}

/** The record a (dead) daemon left in `dir`; empty when it recorded nothing. Refused whole when an entry is not what the daemon writes. */
export async function readHostRecord(dir: string): Promise<Result<RecordBody, string>> {
  const empty: RecordBody = { vips: [], routes: [], rules: [], links: [], firewall: false };
  const text = await readPrivateFile(dir, VIP_RECORD, MAX_RECORD_BYTES);
  if (!text.ok) return text;
  if (text.value === 'absent') return ok(empty);
  let body: unknown;
  try {
    body = JSON.parse(text.value);
  } catch {
    return err(`${dir}/${VIP_RECORD} is not JSON`);
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (!Array.isArray(b['vips'])) return err(`${dir}/${VIP_RECORD} has no "vips" list`);
  const where = `${dir}/${VIP_RECORD}`;
  const list = (name: string): unknown[] => (Array.isArray(b[name]) ? (b[name] as unknown[]) : []);
  const vips: VipSpec[] = [];
  for (const e of list('vips')) {
    const { address, dev } = (e ?? {}) as { address?: unknown; dev?: unknown };
    if (typeof address !== 'string' || typeof dev !== 'string') return err(`${where}: an entry is not {address, dev}`);
    const v = { address, dev };
    const valid = ipAddrArgs('del', v);
    if (!valid.ok) return err(`${where}: ${valid.error.detail}`);
    vips.push(v);
  }
  const routes = checked(list('routes') as RouteSpec[], (r) => ipRouteArgs('del', r));
  const rules = checked(list('rules') as RuleSpec[], (r) => ipRuleArgs('del', r));
  const links = checked(list('links') as VmacSpec[], (l) => vmacAddArgs(l));
  for (const c of [routes, rules, links]) if (!c.ok) return err(`${where}: ${c.error}`);
  return ok({ vips, routes: routes.ok ? routes.value : [], rules: rules.ok ? rules.value : [], links: links.ok ? links.value : [], firewall: b['firewall'] === true });
}

/** Entries from JSON, each passed through the argument builder its command uses (which throws on nothing and checks every field). */
function checked<T>(items: T[], valid: (t: T) => Result<unknown, { detail: string }>): Result<T[], string> {
  for (const t of items) {
    if (typeof t !== 'object' || t === null) return err('an entry is not an object');
    let r: Result<unknown, { detail: string }>;
    try {
      r = valid(t);
    } catch {
      return err('an entry is malformed');
    }
    if (!r.ok) return err(r.error.detail);
  }
  return ok(items);
}

/** The addresses a (dead) daemon recorded in `dir`; [] when it recorded none. */
export async function readVipRecord(dir: string): Promise<Result<VipSpec[], string>> {
  const r = await readHostRecord(dir);
  return r.ok ? ok([...r.value.vips]) : r;
}

/** How to undo each kind of entry (idempotent: what is absent is fine). */
export interface UndoOps {
  vip(v: VipSpec): Promise<Result<'removed' | 'absent', { readonly detail: string }>>;
  route(r: RouteSpec): Promise<Result<unknown, { readonly detail: string }>>;
  rule(r: RuleSpec): Promise<Result<unknown, { readonly detail: string }>>;
  link(l: VmacSpec): Promise<Result<unknown, { readonly detail: string }>>;
  firewall(): Promise<Result<unknown, { readonly detail: string }>>;
}

export interface RecordCleanup {
  /** The addresses removed. */
  readonly removedVips: readonly VipSpec[];
  /** Everything else removed, as "route ...", "rule ...", "nftables table ip vrrpd", "macvlan vrrp.51". */
  readonly removedOther: readonly string[];
  readonly failed: readonly { readonly what: string; readonly detail: string }[];
}

/** Undo everything the record in `dir` lists: rules, routes, addresses, the firewall table, the macvlans. */
export async function removeRecorded(dir: string, undo: UndoOps): Promise<Result<RecordCleanup, string>> {
  const recorded = await readHostRecord(dir);
  if (!recorded.ok) return recorded;
  const b = recorded.value;
  const removedOther: string[] = [];
  const removedVips: VipSpec[] = [];
  const failed: { what: string; detail: string }[] = [];
  const step = async (what: string, r: Promise<Result<unknown, { readonly detail: string }>>, vip?: VipSpec): Promise<void> => {
    const res = await r;
    if (!res.ok) failed.push({ what, detail: res.error.detail });
    else if (res.value !== 'absent' && res.value !== 'already') {
      if (vip) removedVips.push(vip);
      else removedOther.push(what);
    }
  };
  for (const r of b.rules) await step(`rule ${describeRule(r)}`, undo.rule(r));
  for (const r of b.routes) await step(`route ${describeRoute(r)}`, undo.route(r));
  for (const v of b.vips) await step(`${v.address} dev ${v.dev}`, undo.vip(v), v);
  if (b.firewall) await step('nftables table ip vrrpd', undo.firewall());
  for (const l of b.links) await step(`macvlan ${l.ifname}`, undo.link(l));
  return ok({ removedVips, removedOther, failed });
}
