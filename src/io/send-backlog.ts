/**
 * Datagrams waiting for room in a full socket send buffer. A non-blocking sendto(2) that finds
 * the buffer full (EAGAIN) leaves the datagram here; the backlog retries on a short timer, in the
 * order the datagrams came, and every new send queues behind it while it is not empty. A
 * datagram still waiting after `maxAgeMs` is given up (an advert that late is worth nothing:
 * the next one is due). Rare: a VRRP socket's buffer holds hundreds of adverts.
 */

/** What `trySend` returns when the buffer is still full. */
export const WOULD_BLOCK = -1;

export interface BacklogOps<T> {
  /** One send attempt: bytes sent, WOULD_BLOCK, or throws (the send failed for good). */
  trySend(item: T): number;
  /** The outcome of a datagram that waited: bytes sent, or why it was not. */
  settled(item: T, outcome: { readonly bytes: number } | { readonly error: Error }): void;
  /** Monotonic ms. */
  now(): number;
}

/** How long to wait before trying again; how long a datagram may wait at most. */
export interface BacklogTiming {
  readonly retryMs: number;
  readonly maxAgeMs: number;
}

export class SendBacklog<T> {
  readonly #ops: BacklogOps<T>;
  readonly #timing: BacklogTiming;
  readonly #items: { readonly item: T; readonly since: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(ops: BacklogOps<T>, timing: BacklogTiming = { retryMs: 1, maxAgeMs: 1000 }) {
    this.#ops = ops;
    this.#timing = timing;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Queues `item` behind the others and arms the retry. */
  push(item: T): void {
    this.#items.push({ item, since: this.#ops.now() });
    this.#timer ??= setTimeout(() => this.#drain(), this.#timing.retryMs);
  }

  /** Drops what waits, each settled with `reason` (the socket closed). */
  clear(reason: Error): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { item } of this.#items.splice(0)) this.#ops.settled(item, { error: reason });
  }

  /** Sends from the head until the buffer is full again; gives up what waited too long. */
  #drain(): void {
    this.#timer = undefined;
    const now = this.#ops.now();
    while (this.#items.length > 0) {
      const { item, since } = this.#items[0]!;
      if (now - since > this.#timing.maxAgeMs) {
        this.#items.shift();
        this.#ops.settled(item, { error: new Error(`socket buffer full for ${Math.round(now - since)} ms: not sent`) });
        continue;
      }
      let bytes: number;
      try {
        bytes = this.#ops.trySend(item);
      } catch (e) {
        this.#items.shift();
        this.#ops.settled(item, { error: e as Error });
        continue;
      }
      if (bytes === WOULD_BLOCK) break;
      this.#items.shift();
      this.#ops.settled(item, { bytes });
    }
    if (this.#items.length > 0) this.#timer = setTimeout(() => this.#drain(), this.#timing.retryMs);
  }
}
