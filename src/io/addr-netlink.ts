/**
 * Address changes over rtnetlink, from the addon's socket (rtnl-socket.ts), instead of forking
 * `ip`. Every change submitted in one turn of the event loop joins one batch (sent at the loop's
 * check phase, or at once by flushNow); a batch goes to the kernel in chunks, one sendmsg each,
 * sized so that one takes about CALL_BUDGET_MS, and the loop runs its due timers and received
 * adverts whenever the chunks would hold it longer than that. Each request carries a sequence
 * number; its acknowledgement is its outcome: EEXIST on an add means already there, EADDRNOTAVAIL
 * / ENODEV / ENXIO on a delete already gone, any other errno (or no acknowledgement) a failure the
 * caller retries. Every request of a batch is settled together once its last chunk is in, so what
 * the callers do next (log lines) runs after the whole batch, not between its chunks, where it
 * would hold back the addresses still to go; gratuitous ARPs wait for whenIdle, after every batch.
 *
 * A request asks the kernel for what `ip addr add|del` (iproute2 6.1) asks it for, so nothing
 * changes on the host but the absence of the fork: IFA_LOCAL and IFA_ADDRESS = the address,
 * the prefix length, the interface's index; for an add also NLM_F_CREATE | NLM_F_EXCL, IFA_F_NODAD
 * for IPv6, the scope (given, or host for 127/8 and global otherwise, as `ip` defaults it),
 * IFA_LABEL, and IFA_BROADCAST (an address, or "+" / "-": the prefix's broadcast or network
 * address, only for prefixes of 30 bits or less, as `ip` computes them). keepalived's
 * vrrp_ipaddress.c sends the same, less IFA_ADDRESS on an IPv4 add.
 */
import { err, ok, type Result } from '../result.js';
import { addressBytes, familyOf, type Ipv4Address } from '../wire/address.js';
import { IFA_F_NODAD, joinPrepared, parseAcks, prepareAddrRequest, type Ack, type AddrRequest } from '../wire/rtnl.js';
import type { AddrOutcome, CheckedVip } from './ip-addr.js';
import { errnoName, errnoNumber, openRtnl, type RtnlSocket } from './rtnl-socket.js';

/**
 * How long one sendmsg may hold the event loop, ms. The kernel handles the requests inside the
 * call: 0.1-0.4 ms per IPv4 address and up to 1 ms per IPv6 address on the development VM
 * (native-notes/netlink.md), so a chunk is sized from the recent cost per request, within
 * [1, MAX_CHUNK]. Even MAX_CHUNK acks (~1 KB of receive buffer each) fit the socket's 1 MB buffer.
 * Chunks follow each other without a turn of the loop between them while they hold it no longer
 * than this together (at the recent cost per request).
 */
export const CALL_BUDGET_MS = 4;
/**
 * The same for a batch sent by flushNow: it runs just before a timer batch's log lines and
 * listeners, which hold the loop for longer than this at 255 instances; the addresses go first.
 */
export const FLUSH_NOW_BUDGET_MS = 12;
export const MAX_CHUNK = 64;
const FIRST_CHUNK = 8;
/**
 * The longest whenIdle holds its work, ms: a takeover's gratuitous ARPs wait for the other
 * instances' addresses of the same mass takeover (a few batches, tens of ms), not for ever.
 */
export const IDLE_WAIT_MAX_MS = 100;

/** Deletes that find nothing to delete: the address, or its interface, is already gone. */
const ABSENT = new Set(['EADDRNOTAVAIL', 'ENODEV', 'ENXIO']);

/** ifa_scope by name (iproute2's rt_scopes); numbers are taken as they are. */
const SCOPES: Readonly<Record<string, number>> = { global: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** The broadcast `ip addr` sends for "+" (all host bits set) or "-" (none); none past /30. */
function computedBroadcast(address: Ipv4Address, prefixLen: number, how: '+' | '-'): Ipv4Address | undefined {
  if (prefixLen > 30) return undefined;
  const b = addressBytes(address);
  for (let bit = prefixLen; bit < 32; bit++) {
    const mask = 0x80 >> (bit % 8);
    b[bit >> 3] = how === '+' ? b[bit >> 3]! | mask : b[bit >> 3]! & ~mask;
  }
  return b.join('.') as Ipv4Address;
}

/** The request for a checked VIP, less the interface index (exported for unit tests). */
export function addrRequestOf(c: CheckedVip): Omit<AddrRequest, 'ifindex'> {
  const base = { op: c.verb, address: c.address, prefixLen: c.prefixLen };
  if (c.verb === 'del') return { ...base, scope: 0, flags: 0 };
  const v4 = familyOf(c.address) === 'ipv4';
  const scope = c.scope !== undefined ? (SCOPES[c.scope] ?? Number(c.scope)) : v4 && c.address.startsWith('127.') ? SCOPES['host']! : 0;
  const brd = c.brd === undefined || !v4 ? undefined : c.brd === '+' || c.brd === '-' ? computedBroadcast(c.address as Ipv4Address, c.prefixLen, c.brd as '+' | '-') : (c.brd as Ipv4Address);
  return { ...base, scope, flags: v4 ? 0 : IFA_F_NODAD, ...(brd !== undefined ? { broadcast: brd } : {}), ...(c.label !== undefined ? { label: c.label } : {}) };
}

/** Each checked VIP's message, built once (its sequence number and interface index are filled in per send). */
const prepared = new WeakMap<CheckedVip, Uint8Array>();

/**
 * The rtnetlink message for `c`, built now if it was not yet: an instance's are built when it is
 * created or reconfigured (ip-addr.ts prepareAddresses), so a takeover only copies them. The
 * interface index is looked up at each send, so a recreated interface needs nothing rebuilt.
 */
export function preparedRequest(c: CheckedVip): Uint8Array {
  let m = prepared.get(c);
  if (m === undefined) prepared.set(c, (m = prepareAddrRequest(addrRequestOf(c))));
  return m;
}

/** What became of one request: acknowledged (errno 0), refused (an errno), or not known. */
export function outcomeOfAck(c: CheckedVip, ack: Ack | undefined, why?: string): AddrOutcome {
  const what = `${c.verb === 'add' ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${c.address}/${c.prefixLen} dev ${c.dev}`;
  if (ack === undefined) return err({ kind: 'command-failed', detail: `${what}: ${why ?? 'no acknowledgement from the kernel'}`, stderr: '' });
  if (ack.errno === 0) return ok(c.verb === 'add' ? 'added' : 'removed');
  const name = errnoName(ack.errno);
  if (c.verb === 'add' && name === 'EEXIST') return ok('present');
  if (c.verb === 'del' && ABSENT.has(name)) return ok('absent');
  return err({ kind: 'command-failed', detail: `${what}: ${name}${ack.message !== undefined ? ` (${ack.message})` : ''}`, stderr: ack.message ?? '' });
}

/**
 * A takeover's address additions on one interface, as prepared messages (preparedRequest), sent
 * ahead of the batch by NetlinkBatcher.sendAhead the moment the takeover's advert left.
 */
export interface AheadRequests {
  readonly dev: string;
  readonly messages: readonly Uint8Array[];
}

/** One caller's changes: one promise for all of them (a mass takeover's 255 callers make 255, not one per address and a Promise.all each). */
interface Submission {
  readonly outcomes: AddrOutcome[];
  readonly resolve: (o: AddrOutcome[]) => void;
}

/** One request: the `index`-th change of its submission. */
interface Pending {
  readonly vip: CheckedVip;
  readonly sub: Submission;
  readonly index: number;
}

/** Records request `p`'s outcome in its submission (settled with the batch, at the end). */
function record(p: Pending, o: AddrOutcome): void {
  p.sub.outcomes[p.index] = o;
}

/** Whether request `p` has its outcome. */
const decided = (p: Pending): boolean => p.sub.outcomes[p.index] !== undefined;

/** The loop's other callbacks (due timers, received adverts) run before the next chunk. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Resolves in a check phase that follows a poll phase not yet begun: from a poll callback the
 * first setImmediate runs in this turn's check phase, and the one queued there in the next turn's,
 * after that turn has read its timers and sockets.
 */
const afterNextPoll = (): Promise<void> => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

/** Coalesces the address changes for one namespace into batches of rtnetlink requests. */
export class NetlinkBatcher {
  #pending: Pending[] = [];
  /**
   * A batch is sending its chunks (at most one at a time). Once its last chunk is in, the next
   * batch may start while it waits to settle (#inFlight): a later timer batch's addresses do not
   * wait for the earlier batch's settling turn.
   */
  #sending = false;
  /** Batches started and not yet settled. */
  #inFlight = 0;
  /** whenIdle's callbacks, run when the last batch is settled and nothing waits (or at #idleTimer). */
  #idleWaiters: (() => void)[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  /** A batch is due at the next check phase (#kick) and has not started. */
  #queued = false;
  #seq = 0;
  #socket: RtnlSocket | undefined;
  /** Requests in the next sendmsg, from the kernel's recent cost per request (see CALL_BUDGET_MS). */
  #chunk = FIRST_CHUNK;
  #perRequestMs = CALL_BUDGET_MS / FIRST_CHUNK;
  /** Batches and sendmsg calls so far (the tests and the bench read them). */
  batches = 0;
  sends = 0;
  /** Requests sent ahead (sendAhead), and those of them the kernel refused or did not acknowledge. */
  aheadSent = 0;
  aheadFailed = 0;

  /**
   * `netns`: a named namespace (validated by the caller), where a socket is opened per batch;
   * `open`: how a socket is opened (tests give a fake kernel).
   */
  constructor(
    private readonly netns?: string,
    private readonly open: (netns?: string) => Result<RtnlSocket, { detail: string }> = openRtnl,
  ) {}

  /** Changes `vips` in the next batch; one outcome each, in order. The requests join the batch now, synchronously. */
  submit(vips: readonly CheckedVip[]): Promise<AddrOutcome[]> {
    if (vips.length === 0) return Promise.resolve([]);
    return new Promise<AddrOutcome[]>((resolve) => {
      const sub: Submission = { outcomes: new Array<AddrOutcome>(vips.length), resolve };
      for (let i = 0; i < vips.length; i++) this.#pending.push({ vip: vips[i]!, sub, index: i });
      this.#kick();
    });
  }

  /**
   * Sends `groups` now, in sendmsg calls of at most MAX_CHUNK requests, outside any batch: the
   * addresses of the takeovers whose adverts the deadline queue has just sent (DeadlineQueue.takeover).
   * Nothing waits on them: each instance then asks for the same addresses through its keeper and
   * the batch, and the kernel answers "already there" (EEXIST: `present`), so what the keeper
   * records, retries and logs is unchanged; a refusal here is only counted. Not in a named
   * namespace (its socket is per batch). Returns the requests sent.
   */
  sendAhead(groups: readonly AheadRequests[]): number {
    if (this.netns !== undefined) return 0;
    let socket = this.#socket;
    if (socket === undefined) {
      const opened = this.open(undefined);
      if (!opened.ok) return 0;
      this.#socket = socket = opened.value;
    }
    const indexes = new Map<string, number>();
    let messages: Uint8Array[] = [];
    let ifindexes: number[] = [];
    let sent = 0;
    const flush = (): void => {
      if (messages.length === 0) return;
      const firstSeq = (this.#seq + 1) >>> 0;
      this.#seq = (this.#seq + messages.length) >>> 0;
      const n = messages.length;
      let failed = n;
      try {
        const acks = parseAcks(socket.talk(joinPrepared(messages, ifindexes, firstSeq)));
        failed = 0;
        const seen = new Set<number>();
        for (const a of acks) {
          if (((a.seq - firstSeq) >>> 0) >= n) continue; // not one of these
          seen.add(a.seq);
          if (a.errno !== 0 && errnoName(a.errno) !== 'EEXIST') failed++;
        }
        failed += n - seen.size;
      } catch {
        // counted as failed; the keepers' own requests follow
      }
      this.aheadSent += n;
      this.aheadFailed += failed;
      sent += n;
      messages = [];
      ifindexes = [];
    };
    for (const g of groups) {
      let ifindex = indexes.get(g.dev);
      if (ifindex === undefined) {
        try {
          ifindex = socket.ifindex(g.dev);
        } catch {
          ifindex = 0;
        }
        indexes.set(g.dev, ifindex);
      }
      if (ifindex === 0) continue; // no such interface: the keeper's own request reports it
      for (const m of g.messages) {
        messages.push(m);
        ifindexes.push(ifindex);
        if (messages.length >= MAX_CHUNK) flush();
      }
    }
    flush();
    return sent;
  }

  /** Whether no request waits for a batch or is in one. */
  get idle(): boolean {
    return !this.#sending && !this.#queued && this.#inFlight === 0 && this.#pending.length === 0;
  }

  /**
   * Runs `work` once no request waits or is in flight (at once if none does), or after
   * `maxWaitMs` at the latest: what is sent after the addresses (gratuitous ARPs) waits for every
   * address already asked for, not only its own, and is never held longer than that.
   */
  whenIdle(work: () => void, maxWaitMs = IDLE_WAIT_MAX_MS): void {
    if (this.idle) return work();
    this.#idleWaiters.push(work);
    if (this.#idleTimer === undefined) {
      this.#idleTimer = setTimeout(() => this.#runIdle(), maxWaitMs);
      this.#idleTimer.unref?.();
    }
  }

  /**
   * Sends the requests submitted so far now, rather than at the loop's next check phase: the
   * daemon calls it once a timer batch has asked for its addresses (DeadlineQueue's first tier),
   * so they go before that batch's log lines and listeners. Nothing if a batch is still sending
   * its chunks (they wait for it, as always) or nothing waits; a batch whose chunks are all in and
   * which only waits to settle does not hold them back.
   */
  flushNow(): void {
    if (!this.#sending && this.#pending.length > 0) this.#start(FLUSH_NOW_BUDGET_MS, true);
  }

  /**
   * Sends the batch in chunks; the loop runs its other callbacks before a chunk that would make
   * those sent since it last did take more than `budgetMs`. `early`: started by flushNow, inside a
   * timer batch whose log lines and listeners follow at once; a batch sent whole there is settled
   * only after the loop has polled again, so that what its callers do next (their log lines, the
   * GARPs) does not join that work in one stretch that holds back timers fallen due meanwhile.
   */
  async #flush(budgetMs: number, early: boolean): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.batches++;
    // A socket in a named namespace would keep it alive after `ip netns del`: one per batch there.
    let opened: Result<RtnlSocket, { detail: string }> | undefined;
    let sending = true;
    try {
      opened = this.#socket !== undefined ? ok(this.#socket) : this.open(this.netns);
      if (opened.ok && this.netns === undefined) this.#socket = opened.value;
      let heldSince = performance.now();
      let yielded = false;
      try {
        for (let i = 0; i < batch.length; ) {
          // The next chunk at the recent cost per request would take the hold past the budget: let the loop run first.
          if (i > 0 && performance.now() - heldSince + this.#chunk * this.#perRequestMs > budgetMs) {
            await nextTurn();
            heldSince = performance.now();
            yielded = true;
          }
          const chunk = batch.slice(i, (i += this.#chunk));
          if (opened.ok) this.#send(opened.value, chunk);
          else for (const p of chunk) record(p, outcomeOfAck(p.vip, undefined, opened.error.detail));
        }
      } finally {
        this.#sending = false;
        sending = false;
      }
      // Every chunk is in: what was submitted meanwhile goes in the next batch, without waiting for this one to settle.
      this.#kick();
      if (early && !yielded) await afterNextPoll();
    } catch (e) {
      // A bug: settle what is left rather than hang its callers.
      for (const p of batch) if (!decided(p)) record(p, outcomeOfAck(p.vip, undefined, `bug: ${String(e)}`));
    } finally {
      if (opened?.ok === true && this.netns !== undefined) opened.value.close();
      if (sending) this.#sending = false; // a bug before the chunks: this batch's flag, not a later one's
      settle(batch);
      this.#inFlight--;
      this.#kick();
      if (this.idle) this.#runIdle();
    }
  }

  /** whenIdle's callbacks, once (each contained: one's bug does not strand the others). */
  #runIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) {
      try {
        w();
      } catch {
        // the caller's bug; it contains its own work (Iface's GARP burst does)
      }
    }
  }

  /** A batch starts once the current turn of the event loop is over (or at flushNow), so its other changes join it. */
  #kick(): void {
    if (this.#sending || this.#queued || this.#pending.length === 0) return;
    this.#queued = true;
    setImmediate(() => {
      if (this.#queued) this.#start(CALL_BUDGET_MS, false);
    });
  }

  /** Starts the batch: its first chunk (and more, within `budgetMs`) is sent before this returns. */
  #start(budgetMs: number, early: boolean): void {
    this.#sending = true;
    this.#queued = false;
    this.#inFlight++;
    this.#flush(budgetMs, early).catch(() => undefined); // #flush settles every request itself
  }

  /** One sendmsg for `chunk`; every request's outcome from its acknowledgement, or all failed with why not. */
  #send(socket: RtnlSocket, chunk: readonly Pending[]): void {
    try {
      const sent = this.#requests(socket, chunk);
      if (sent.pending.length === 0) return;
      this.sends++;
      const bytes = joinPrepared(sent.messages, sent.ifindexes, sent.firstSeq);
      const t0 = performance.now();
      const replies = socket.talk(bytes);
      // Halfway to this call's cost per request: one preempted call does not shrink chunks to 1.
      this.#perRequestMs = (this.#perRequestMs + (performance.now() - t0) / sent.pending.length) / 2;
      this.#chunk = Math.max(1, Math.min(MAX_CHUNK, Math.floor(CALL_BUDGET_MS / Math.max(this.#perRequestMs, 0.001))));
      const acks = new Map(parseAcks(replies).map((a) => [a.seq, a]));
      sent.pending.forEach((p, i) => record(p, outcomeOfAck(p.vip, acks.get((sent.firstSeq + i) >>> 0))));
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      for (const p of chunk) if (!decided(p)) record(p, outcomeOfAck(p.vip, undefined, `rtnetlink: ${(e as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`));
    }
  }

  /** The chunk's prepared messages, numbered from `firstSeq` on; those whose interface is missing get their outcome at once. */
  #requests(socket: RtnlSocket, chunk: readonly Pending[]): Sent {
    const indexes = new Map<string, number>();
    const sent: Sent = { pending: [], messages: [], ifindexes: [], firstSeq: (this.#seq + 1) >>> 0 };
    for (const p of chunk) {
      let ifindex = indexes.get(p.vip.dev);
      if (ifindex === undefined) indexes.set(p.vip.dev, (ifindex = socket.ifindex(p.vip.dev)));
      if (ifindex === 0) {
        record(p, outcomeOfAck(p.vip, { seq: 0, errno: ENODEV, message: `no interface ${p.vip.dev}` }));
        continue;
      }
      this.#seq = (this.#seq + 1) >>> 0;
      sent.pending.push(p);
      sent.messages.push(preparedRequest(p.vip));
      sent.ifindexes.push(ifindex);
    }
    return sent;
  }
}

/** Resolves every submission of `batch` with its outcomes, in the order it gave its changes. */
function settle(batch: readonly Pending[]): void {
  for (const p of batch) if (!decided(p)) record(p, outcomeOfAck(p.vip, undefined, 'bug: no outcome recorded'));
  let last: Submission | undefined;
  for (const p of batch) {
    if (p.sub === last) continue; // a submission's requests are consecutive in its batch
    last = p.sub;
    p.sub.resolve(p.sub.outcomes);
  }
}

/** One sendmsg's requests: the i-th has sequence number firstSeq + i (mod 2^32). */
interface Sent {
  readonly pending: Pending[];
  readonly messages: Uint8Array[];
  readonly ifindexes: number[];
  readonly firstSeq: number;
}

const ENODEV = errnoNumber('ENODEV') ?? 19;

const batchers = new Map<string, NetlinkBatcher>();

/** The shared batcher for a namespace (ours when undefined). */
export function netlinkBatcher(netns?: string): NetlinkBatcher {
  let b = batchers.get(netns ?? '');
  if (b === undefined) batchers.set(netns ?? '', (b = new NetlinkBatcher(netns)));
  return b;
}

/** `checked` in the next rtnetlink batch for `netns`; one outcome each. */
export function changeWithNetlink(checked: readonly CheckedVip[], netns?: string): Promise<AddrOutcome[]> {
  return netlinkBatcher(netns).submit(checked);
}
