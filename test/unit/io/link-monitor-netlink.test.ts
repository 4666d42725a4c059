import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkMonitor } from '../../../src/io/link-monitor.js';
import type { RtnlMonitorSocket } from '../../../src/io/rtnl-socket.js';
import { ok } from '../../../src/result.js';

/** Captured in a throwaway namespace by test/fixtures/rtnl/capture.mjs: rtnetlink bytes and `ip monitor` lines of the same changes. */
const capture = JSON.parse(readFileSync(new URL('../../fixtures/rtnl/monitor-capture.json', import.meta.url), 'utf8')) as {
  dumpLinks: string[];
  dumpAddrs: string[];
  ipLinkShow: string[];
  ipAddrShow: string[];
  steps: { command: string; bytes: string }[];
  ipLines: string[];
};
const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

/** Every message of `bytes` renumbered `seq` (a dump answers the request's number). */
function renumber(bytes: Uint8Array, seq: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at + 16 <= out.length; at += (view.getUint32(at, true) + 3) & ~3) view.setUint32(at + 8, seq, true);
  return out;
}

/** A socket that answers dump requests with the captured dumps and is fed the captured notifications. */
class FakeSocket implements RtnlMonitorSocket {
  queue: { bytes: Uint8Array; lost: boolean }[] = [];
  onReadable: (() => void) | undefined;
  sent: number[] = [];
  closed = false;
  send(messages: Uint8Array): void {
    const view = new DataView(messages.buffer, messages.byteOffset);
    const type = view.getUint16(4, true);
    this.sent.push(type);
    this.push(renumber(hex((type === 18 ? capture.dumpLinks : capture.dumpAddrs).join('')), view.getUint32(8, true)));
  }
  read(): { bytes: Uint8Array; lost: boolean } {
    const all = this.queue.splice(0);
    return { bytes: Buffer.concat(all.map((r) => r.bytes)), lost: all.some((r) => r.lost) };
  }
  watch(onReadable: () => void): void {
    this.onReadable = onReadable;
  }
  close(): void {
    this.closed = true;
  }
  push(bytes: Uint8Array, lost = false): void {
    this.queue.push({ bytes, lost });
    setImmediate(() => this.onReadable?.());
  }
}

/** Every event of `m`, as text. */
function record(m: LinkMonitor): string[] {
  const seen: string[] = [];
  m.on('change', (name, up) => seen.push(`change ${name} ${up}`));
  m.on('renamed', (index, from, to) => seen.push(`renamed ${index} ${from} ${to}`));
  m.on('address', (r) => seen.push(`address ${r.deleted ? '-' : '+'}${r.address}/${r.prefixLen} ${r.scope}${r.secondary ? ' secondary' : ''}${r.usable ? '' : ' unusable'} on ${r.index}`));
  return seen;
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

const dir = mkdtempSync(join(tmpdir(), 'vrrpd-fake-ip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake `ip` printing the captured `show` output, and the monitor lines after a pause (so the initial read comes first). */
function fakeIp(): string {
  writeFileSync(join(dir, 'link'), capture.ipLinkShow.join('\n'));
  writeFileSync(join(dir, 'addr'), capture.ipAddrShow.join('\n'));
  writeFileSync(join(dir, 'monitor'), `${capture.ipLines.join('\n')}\n`);
  const ip = join(dir, 'ip');
  writeFileSync(ip, `#!/bin/sh\ncase "$*" in\n*monitor*) sleep 0.3; cat ${dir}/monitor; exec sleep 30;;\n*link*) cat ${dir}/link;;\n*addr*) cat ${dir}/addr;;\nesac\n`);
  chmodSync(ip, 0o755);
  return ip;
}

describe('LinkMonitor on rtnetlink', () => {
  it('emits what the `ip monitor` path emits for the same changes', async () => {
    const viaIp = new LinkMonitor({ via: 'ip', ipPath: fakeIp() });
    const fromIp = record(viaIp);
    await viaIp.start();
    for (let i = 0; i < 100 && fromIp.length < 25; i++) await settle();
    expect(fromIp).toHaveLength(25);
    viaIp.stop();

    const socket = new FakeSocket();
    const viaNetlink = new LinkMonitor({ openSocket: () => ok(socket) });
    const errors: Error[] = [];
    viaNetlink.on('monitorError', (e) => errors.push(e));
    const fromNetlink = record(viaNetlink);
    await viaNetlink.start();
    expect(viaNetlink.via).toBe('netlink');
    expect(socket.sent).toEqual([18, 22]); // RTM_GETLINK, then RTM_GETADDR
    expect(viaNetlink.isUp('lo')).toBe(false);
    for (const s of capture.steps) {
      socket.push(hex(s.bytes));
      await settle();
    }
    viaNetlink.stop();
    expect(socket.closed).toBe(true);
    expect(errors).toEqual([]);
    expect(viaNetlink.dropped).toBe(0);
    // One known difference: on a rename the kernel re-sends nl0's IPv4 address (its label
    // follows the name). `ip monitor` prints it under its cached, stale name, the same record
    // as before, so nothing is emitted; the socket names it by index, nl9, and emits it.
    const relabel = 'address +10.9.1.1/32 global on 3';
    const i = fromNetlink.indexOf('renamed 3 nl0 nl9');
    expect(fromNetlink.slice(i + 1, i + 3)).toEqual(['change nl9 true', relabel]);
    const j = fromNetlink.indexOf('renamed 3 nl9 nl0');
    expect(fromNetlink.slice(j + 1, j + 3)).toEqual(['change nl0 true', relabel]);
    expect(fromNetlink.filter((e, k) => !(e === relabel && (k === i + 2 || k === j + 2)))).toEqual(fromIp);
    expect(fromIp).toContain('address +fd00::1/64 global unusable on 3');
    expect(fromIp).toContain('address +fd00::1/64 global on 3');
  });

  it('ENOBUFS: dumps again and emits what changed meanwhile, like a restarted `ip monitor`', async () => {
    const socket = new FakeSocket();
    const m = new LinkMonitor({ openSocket: () => ok(socket) });
    const errors: Error[] = [];
    m.on('monitorError', (e) => errors.push(e));
    await m.start();
    socket.push(hex(capture.steps[0]!.bytes)); // nl1, nl0 appear
    await settle();
    expect(m.isUp('nl0')).toBe(false);
    const seen = record(m);
    // Notifications lost: the kernel's next dump (the fake's: a fresh namespace, lo only) says nl0 and nl1 are gone.
    socket.push(new Uint8Array(0), true);
    await settle();
    await settle();
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/ENOBUFS/)]);
    expect(socket.sent).toEqual([18, 22, 18, 22]);
    expect(m.starts).toBe(2);
    expect(m.isUp('nl0')).toBeUndefined();
    expect(m.indexOf('nl1')).toBeUndefined();
    expect(seen).toEqual([]); // both were down: forgetting them changes no state
    m.stop();
  });

  it('a notification during the dump wins over the dump part it follows', async () => {
    const socket = new FakeSocket();
    const m = new LinkMonitor({ openSocket: () => ok(socket) });
    const origSend = socket.send.bind(socket);
    socket.send = (messages) => {
      origSend(messages);
      if (socket.sent.length === 1) socket.push(hex(capture.steps[0]!.bytes)); // nl0 and nl1 appear between the two dumps
    };
    await m.start();
    expect(m.isUp('nl0')).toBe(false);
    expect(m.isUp('lo')).toBe(false);
    m.stop();
  });

  it('falls back on `ip monitor` when the socket cannot be opened, and says why', async () => {
    const m = new LinkMonitor({ ipPath: fakeIp(), openSocket: () => ({ ok: false, error: { detail: 'no addon' } }) });
    const errors: Error[] = [];
    m.on('monitorError', (e) => errors.push(e));
    await m.start();
    expect(m.via).toBe('ip');
    expect(m.pid).toBeGreaterThan(0);
    expect(errors[0]?.message).toMatch(/no addon.*ip monitor/);
    m.stop();
  });
});
