/** When the address watch reads the interface again (a fork of `ip`) after a burst of address events. */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AddressRecord } from '../../../src/io/addr-parse.js';
import type { LinkMonitor } from '../../../src/io/link-monitor.js';
import type { IpAddress } from '../../../src/wire/address.js';

const reads: string[] = [];
vi.mock('../../../src/io/interface-info.js', () => ({
  getInterfaceInfo: (ifname: string) => {
    reads.push(ifname);
    return Promise.resolve({ ok: false, error: { kind: 'no-such-interface', detail: 'fake' } });
  },
}));
const { AddressWatch } = await import('../../../src/daemon/address-watch.js');

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined } as never;
const rec = (address: string, deleted = false): AddressRecord => ({ index: 2, ifname: 'eth0', address: address as IpAddress, prefixLen: 32, scope: 'global', deleted, secondary: false, usable: true });

describe('AddressWatch: when the interface is read again', () => {
  let links: EventEmitter;
  let watch: InstanceType<typeof AddressWatch>;
  /** The instances on eth0: none started yet, or running in these states. */
  let states: ('MASTER' | 'BACKUP' | 'FAULT')[] | undefined;
  /** What the interface was told was added without a read. */
  let noted: string[][];
  beforeEach(() => {
    states = undefined;
    noted = [];
    vi.useFakeTimers();
    reads.length = 0;
    links = Object.assign(new EventEmitter(), { addresses: () => [] });
    watch = new AddressWatch({
      links: links as unknown as LinkMonitor,
      log: quiet,
      slots: () =>
        (states ?? [undefined]).map((state) => ({ conf: { interface: 'eth0', priority: 100 } as never, instance: state === undefined ? undefined : ({ state } as never), registration: undefined })),
      iface: () => ({ noteAdded: (a: Iterable<string>) => noted.push([...a]) }) as never,
      virtual: () => new Set(['10.77.0.1', '10.77.0.2']),
      bring: () => undefined,
    });
  });
  afterEach(() => {
    watch.stop();
    vi.useRealTimers();
  });

  it('a burst that only adds virtual addresses (a takeover) is read once, 1 s after its first event', async () => {
    links.emit('address', rec('10.77.0.1'));
    await vi.advanceTimersByTimeAsync(100);
    links.emit('address', rec('10.77.0.2'));
    await vi.advanceTimersByTimeAsync(850);
    expect(reads).toEqual([]);
    await vi.advanceTimersByTimeAsync(60);
    expect(reads).toEqual(['eth0']);
  });

  it('another address, or a deletion, is read 50 ms after it, even inside a takeover burst', async () => {
    links.emit('address', rec('10.77.0.1'));
    await vi.advanceTimersByTimeAsync(100);
    links.emit('address', rec('192.168.50.7'));
    await vi.advanceTimersByTimeAsync(49);
    expect(reads).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(reads).toEqual(['eth0']);
    links.emit('address', rec('10.77.0.2', true));
    await vi.advanceTimersByTimeAsync(51);
    expect(reads).toEqual(['eth0', 'eth0']);
    await vi.advanceTimersByTimeAsync(1100);
    expect(reads).toEqual(['eth0', 'eth0']); // the burst was handled once
  });

  it('a takeover burst is not read at all while every instance on the interface runs: the events feed the own-packet filter', async () => {
    states = ['MASTER', 'BACKUP', 'MASTER'];
    links.emit('address', rec('10.77.0.1'));
    links.emit('address', rec('10.77.0.2'));
    await vi.advanceTimersByTimeAsync(1100);
    expect(reads).toEqual([]);
    expect(noted).toEqual([['10.77.0.1', '10.77.0.2']]);
    links.emit('address', rec('10.77.0.2', true)); // a deletion is still read
    await vi.advanceTimersByTimeAsync(51);
    expect(reads).toEqual(['eth0']);
  });

  it('a takeover burst is read (after 1 s) when an instance on the interface is in FAULT: it may wait for an address', async () => {
    states = ['MASTER', 'FAULT'];
    links.emit('address', rec('10.77.0.1'));
    await vi.advanceTimersByTimeAsync(1010);
    expect(reads).toEqual(['eth0']);
    expect(noted).toEqual([]);
  });
});
