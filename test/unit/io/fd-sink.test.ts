/**
 * The log sink (issue 10: losing stdout never stops the daemon; a slow reader must not lose or
 * tear lines). A fake pipe stands in for the file descriptor.
 */
import { describe, expect, it } from 'vitest';
import { FdSink, SINK_QUEUE_MAX_BYTES, type SinkIo } from '../../../src/io/fd-sink.js';

/** A pipe that takes `room` bytes until read; `fail` makes the next write throw that code. */
class FakePipe implements SinkIo {
  room = 0;
  out = '';
  fail: string | undefined;
  timers: (() => void)[] = [];
  clock = 0;
  write(_fd: number, bytes: Uint8Array, offset: number): number {
    if (this.fail !== undefined) throw Object.assign(new Error(this.fail), { code: this.fail });
    const n = Math.min(this.room, bytes.length - offset);
    if (n === 0) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    this.out += Buffer.from(bytes.subarray(offset, offset + n)).toString('utf8');
    this.room -= n;
    return n;
  }
  retry(fn: () => void): void {
    this.timers.push(fn);
  }
  pause(ms: number): void {
    this.clock += ms;
    this.room += 10; // a slow reader
  }
  now(): number {
    return this.clock;
  }
  /** Run the retry timers due now (each may schedule the next). */
  tick(): void {
    const due = this.timers.splice(0);
    for (const fn of due) fn();
  }
}

describe('FdSink', () => {
  it('a full pipe keeps the lines, in order, and a short write never tears one', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    p.room = 5;
    sink.write('line one\n'); // 5 bytes fit: the rest waits
    sink.write('line two\n');
    expect(p.out).toBe('line ');
    expect(sink.queuedBytes).toBe(4 + 9);
    p.room = 100;
    p.tick();
    expect(p.out).toBe('line one\nline two\n');
    expect(sink.queuedBytes).toBe(0);
    expect(sink.dropped).toBe(0);
    expect(p.timers).toHaveLength(0); // nothing left: no more retries
  });

  it('retries on a timer while the reader is late, never in a loop', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    sink.write('a\n');
    expect(p.timers).toHaveLength(1);
    sink.write('b\n');
    expect(p.timers).toHaveLength(1); // one retry pending at a time
    p.tick();
    expect(p.timers).toHaveLength(1); // still full: tried once more, later
    p.room = 2;
    p.tick();
    expect(p.out).toBe('a\n');
    p.room = 10;
    p.tick();
    expect(p.out).toBe('a\nb\n');
  });

  it('drops whole lines past the bound, counted', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    const line = 'x'.repeat(1023) + '\n';
    const fits = SINK_QUEUE_MAX_BYTES / line.length;
    for (let i = 0; i < fits + 10; i++) sink.write(line);
    expect(sink.queuedBytes).toBe(SINK_QUEUE_MAX_BYTES);
    expect(sink.dropped).toBe(10);
    p.room = Infinity;
    p.tick();
    expect(p.out).toBe(line.repeat(fits));
  });

  it('a reader gone (EPIPE) breaks the sink: what waited and what follows is dropped and counted', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    sink.write('a\n');
    sink.write('b\n');
    p.fail = 'EPIPE';
    p.tick();
    expect(sink.broken).toBe('EPIPE');
    expect(sink.dropped).toBe(2);
    sink.write('c\n');
    expect(sink.dropped).toBe(3);
    expect(p.timers).toHaveLength(0);
  });

  it('at exit a slow reader gets the queue, within the time bound', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    sink.write('0123456789'.repeat(5) + '\n');
    sink.flushAtExit(1000);
    expect(p.out).toBe('0123456789'.repeat(5) + '\n');
    const q = new FakePipe();
    const stuck = new FdSink(1, q);
    stuck.write('never read\n');
    q.pause = (ms) => void (q.clock += ms); // a reader that never reads
    stuck.flushAtExit(100);
    expect(q.clock).toBeGreaterThanOrEqual(100);
    expect(q.clock).toBeLessThan(110);
  });
});

describe('FdSink.hold (the daemon log: lines written together)', () => {
  it('holds lines until the timer, then writes them with one call, in order', () => {
    const p = new FakePipe();
    p.room = 1000;
    let calls = 0;
    const write = p.write.bind(p);
    p.write = (fd, bytes, offset) => (calls++, write(fd, bytes, offset));
    const sink = new FdSink(1, p);
    sink.hold(10, 1000);
    for (const l of ['a\n', 'b\n', 'c\n']) sink.write(l);
    expect(p.out).toBe('');
    expect(sink.heldBytes).toBe(6);
    expect(p.timers).toHaveLength(1); // one timer for the lot
    p.tick();
    expect(p.out).toBe('a\nb\nc\n');
    expect(calls).toBe(1);
    expect(sink.heldBytes).toBe(0);
    sink.write('d\n'); // the next line arms the timer again
    expect(p.timers).toHaveLength(1);
    p.tick();
    expect(p.out).toBe('a\nb\nc\nd\n');
  });

  it('writes at once when the held bytes reach the bound', () => {
    const p = new FakePipe();
    p.room = 1000;
    const sink = new FdSink(1, p);
    sink.hold(10, 8);
    sink.write('0123\n');
    expect(p.out).toBe('');
    sink.write('4567\n');
    expect(p.out).toBe('0123\n4567\n');
  });

  it('at exit (and on flush) what is held is written, behind what a slow reader still has queued', () => {
    const p = new FakePipe();
    const sink = new FdSink(1, p);
    sink.write('queued\n'); // the pipe is full: queued
    sink.hold(10, 1000);
    sink.write('held 1\nheld 2\n');
    sink.flushAtExit(1000);
    expect(p.out).toBe('queued\nheld 1\nheld 2\n');
  });

  it('held lines lost to a broken pipe are counted line by line', () => {
    const p = new FakePipe();
    p.room = 1000;
    const sink = new FdSink(1, p);
    sink.hold(10, 1000);
    sink.write('a\n');
    sink.write('b\n');
    p.fail = 'EPIPE';
    p.tick();
    expect(sink.broken).toBe('EPIPE');
    expect(sink.dropped).toBe(2);
    sink.write('c\nd\n');
    expect(sink.dropped).toBe(4);
  });
});
