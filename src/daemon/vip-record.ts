/**
 * What this daemon has put on interfaces: <run-dir>/vrrpd.vips.json. `vrrpd cleanup` (systemd's
 * ExecStopPost) and the next start remove what it lists, so a crashed daemon's VIPs go even when
 * the configuration can no longer be read or no longer names them.
 *
 * An address is recorded BEFORE `ip addr add` runs and forgotten AFTER `ip addr del` succeeded:
 * whatever happens in between, the record holds at least what is on the interfaces (an extra
 * entry is harmless: deleting an absent address succeeds). Each change rewrites the whole file
 * atomically (runtime-dir.ts writeFileAtomically); writes are serialised and coalesced.
 */
import type { VipSpec } from '../io/ip-addr.js';
import { ipAddrArgs } from '../io/ip-addr.js';
import { err, ok, type Result } from '../result.js';
import type { Logger } from './log.js';
import { readPrivateFile, writeFileAtomically } from './runtime-dir.js';
import type { VipOps } from './vip-keeper.js';

export const VIP_RECORD = 'vrrpd.vips.json';
/** Far more than any real configuration (each entry is under 200 bytes). */
const MAX_RECORD_BYTES = 1 << 20;

const keyOf = (v: VipSpec): string => `${v.address} dev ${v.dev}`;

export class VipRecord {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #vips = new Map<string, VipSpec>();
  #version = 0;
  #written = 0;
  #chain: Promise<void> = Promise.resolve();
  #failing = false;

  constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.#log = log;
  }

  /** Record `vips` (before they are added); resolves once the file says so (or could not be written). */
  async adding(vips: readonly VipSpec[]): Promise<void> {
    const fresh = vips.filter((v) => !this.#vips.has(keyOf(v)));
    if (fresh.length === 0) return;
    for (const v of fresh) this.#vips.set(keyOf(v), v);
    await this.#persist();
  }

  /** Forget `vips` (after they were removed). */
  async removed(vips: readonly VipSpec[]): Promise<void> {
    const gone = vips.filter((v) => this.#vips.delete(keyOf(v)));
    if (gone.length === 0) return;
    await this.#persist();
  }

  /** Start from an empty record (after the previous run's addresses were removed). */
  async reset(): Promise<void> {
    this.#vips.clear();
    await this.#persist();
  }

  /** `ops` with every address recorded before it is added and forgotten after a successful removal. */
  wrap(ops: VipOps<VipSpec>): VipOps<VipSpec> {
    return {
      describe: (v) => ops.describe(v),
      apply: async (state, vips) => {
        if (state === 'present') await this.adding(vips);
        const results = await ops.apply(state, vips);
        if (state === 'absent') await this.removed(vips.filter((_, i) => results[i]?.ok === true));
        return results;
      },
    };
  }

  #persist(): Promise<void> {
    const want = ++this.#version;
    this.#chain = this.#chain.then(async () => {
      if (this.#written >= want) return; // a later write already included this change
      const version = this.#version;
      const text = `${JSON.stringify({ pid: process.pid, vips: [...this.#vips.values()] }, null, 1)}\n`;
      const r = await writeFileAtomically(this.#dir, VIP_RECORD, text);
      this.#written = version;
      if (!r.ok && !this.#failing) this.#log.error({ detail: r.error }, 'cannot record the virtual addresses for `vrrpd cleanup`');
      else if (r.ok && this.#failing) this.#log.info({ file: r.value }, 'virtual addresses recorded again');
      this.#failing = !r.ok;
    });
    return this.#chain;
  }
}

/** The addresses a (dead) daemon recorded in `dir`; [] when it recorded none. */
export async function readVipRecord(dir: string): Promise<Result<VipSpec[], string>> {
  const text = await readPrivateFile(dir, VIP_RECORD, MAX_RECORD_BYTES);
  if (!text.ok) return text;
  if (text.value === 'absent') return ok([]);
  let body: unknown;
  try {
    body = JSON.parse(text.value);
  } catch {
    return err(`${dir}/${VIP_RECORD} is not JSON`);
  }
  const list = (body as { vips?: unknown }).vips;
  if (!Array.isArray(list)) return err(`${dir}/${VIP_RECORD} has no "vips" list`);
  const vips: VipSpec[] = [];
  for (const e of list as unknown[]) {
    const { address, dev } = (e ?? {}) as { address?: unknown; dev?: unknown };
    if (typeof address !== 'string' || typeof dev !== 'string') return err(`${dir}/${VIP_RECORD}: an entry is not {address, dev}`);
    const v = { address, dev };
    const valid = ipAddrArgs('del', v);
    if (!valid.ok) return err(`${dir}/${VIP_RECORD}: ${valid.error.detail}`);
    vips.push(v);
  }
  return ok(vips);
}

export interface RecordCleanup {
  readonly removed: readonly VipSpec[];
  readonly failed: readonly { readonly vip: VipSpec; readonly detail: string }[];
}

/** Remove every address the record in `dir` lists (idempotent: an absent address is fine). */
export async function removeRecordedVips(
  dir: string,
  del: (v: VipSpec) => Promise<Result<'removed' | 'absent', { readonly detail: string }>>,
): Promise<Result<RecordCleanup, string>> {
  const recorded = await readVipRecord(dir);
  if (!recorded.ok) return recorded;
  const removed: VipSpec[] = [];
  const failed: { vip: VipSpec; detail: string }[] = [];
  for (const vip of recorded.value) {
    const r = await del(vip);
    if (!r.ok) failed.push({ vip, detail: r.error.detail });
    else if (r.value === 'removed') removed.push(vip);
  }
  return ok({ removed, failed });
}
