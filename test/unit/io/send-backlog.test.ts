/** The backlog behind a full socket send buffer (src/io/send-backlog.ts): order, retry, give-up, clear. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SendBacklog, WOULD_BLOCK } from '../../../src/io/send-backlog.js';

/** A backlog on the fake clock (vi.useFakeTimers mocks Date.now), retrying every 1 ms, giving up after 100 ms. */
function backlog(trySend: (item: string) => number) {
  const settled: string[] = [];
  const b = new SendBacklog<string>(
    { trySend, settled: (item, o) => void settled.push('bytes' in o ? `${item} ${o.bytes}` : `${item} ${o.error.message}`), now: () => Date.now() },
    { retryMs: 1, maxAgeMs: 100 },
  );
  return { b, settled, advance: (ms: number) => vi.advanceTimersByTime(ms) };
}

describe('SendBacklog', () => {
  afterEach(() => void vi.useRealTimers());

  it('retries from the head in order and stops at the first that still finds no room', () => {
    vi.useFakeTimers();
    let room = 1;
    const f = backlog(() => (room-- > 0 ? 20 : WOULD_BLOCK));
    f.b.push('a');
    f.b.push('b');
    f.advance(1);
    expect(f.settled).toEqual(['a 20']);
    expect(f.b.size).toBe(1);
    room = 5;
    f.advance(1);
    expect(f.settled).toEqual(['a 20', 'b 20']);
    expect(f.b.size).toBe(0);
  });

  it('gives up a datagram that waited longer than maxAgeMs, and one whose send throws', () => {
    vi.useFakeTimers();
    let full = true;
    const f = backlog((item) => {
      if (item === 'bad') throw new Error('Network is down');
      return full ? WOULD_BLOCK : 20;
    });
    f.b.push('old');
    f.advance(60);
    f.b.push('bad');
    f.b.push('new');
    f.advance(50);
    expect(f.settled).toEqual(['old socket buffer full for 101 ms: not sent', 'bad Network is down']);
    full = false;
    f.advance(1);
    expect(f.settled.slice(2)).toEqual(['new 20']);
  });

  it('clear settles everything waiting as failed and stops retrying', () => {
    vi.useFakeTimers();
    const trySend = vi.fn(() => WOULD_BLOCK);
    const f = backlog(trySend);
    f.b.push('a');
    f.b.clear(new Error('closed'));
    f.advance(10);
    expect(f.settled).toEqual(['a closed']);
    expect(trySend).not.toHaveBeenCalled();
  });
});
