/**
 * systemd readiness from the daemon's own process (src/io/sd-notify.ts, native/packet/unixsock.c
 * unixDatagramSend): the datagram reaches a receiver bound at a path or at an abstract name, as
 * sd_notify(3) sends it, and the kernel's credentials name this process (what NotifyAccess=main
 * checks). The receiver is a few lines of python3 (node has no unix datagram socket); skipped
 * without it or without the addon.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadPacketAddon } from '../../../src/io/packet-addon.js';
import { notifyMessage, notifySystemd } from '../../../src/io/sd-notify.js';

const addonFile = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));
const python = spawnSync('python3', ['-c', 'import socket; socket.SO_PASSCRED'], { stdio: 'ignore' }).status === 0;

/** Binds AF_UNIX SOCK_DGRAM at `address` (path or "@name"), prints "bound", then one JSON line: the first datagram and its sender's pid. */
const RECEIVER = `
import json, socket, struct, sys
a = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind('\\0' + a[1:] if a.startswith('@') else a)
print('bound', flush=True)
s.settimeout(20)
data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
pid = [struct.unpack('iII', d)[0] for (l, t, d) in anc if l == socket.SOL_SOCKET and t == socket.SCM_CREDENTIALS]
print(json.dumps({'data': data.decode(), 'pid': pid[0] if pid else None}), flush=True)
`;

describe('the notification message', () => {
  it('is NAME=VALUE lines, as sd_notify(3) takes them', () => {
    expect(notifyMessage({ ready: true, status: 'running' })).toBe('READY=1\nSTATUS=running\n');
    expect(notifyMessage({ stopping: true })).toBe('STOPPING=1\n');
    expect(notifyMessage({ reloading: true })).toBe('RELOADING=1\n');
    expect(notifyMessage({ status: 'a\nb' })).toBe('STATUS=a b\n');
  });
});

describe.skipIf(!existsSync(addonFile) || !python)('READY=1 sent by the addon', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-notify-'));
  const saved = process.env.NOTIFY_SOCKET;
  let receiver: ChildProcess | undefined;
  afterEach(() => {
    receiver?.kill();
    if (saved === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the receiver at `address`; resolves once it is bound, with the promise of what it got (wrapped: an async function would wait for it). */
  async function receive(address: string): Promise<{ got: Promise<{ data: string; pid: number | null }> }> {
    const child = spawn('python3', ['-c', RECEIVER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
    receiver = child;
    let out = '';
    const got = new Promise<{ data: string; pid: number | null }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        const line = out.split('\n')[1];
        if (line) resolve(JSON.parse(line) as { data: string; pid: number | null });
      });
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}: ${out}`)));
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.startsWith('bound\n') && resolve());
      child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
    });
    return { got };
  }

  it('the addon has unixDatagramSend', () => {
    const a = loadPacketAddon();
    expect(a.ok && typeof a.value.unixDatagramSend).toBe('function');
  });

  it('reaches a socket bound at a path, from this process', async () => {
    const path = join(dir, 'notify');
    const { got } = await receive(path);
    process.env.NOTIFY_SOCKET = path;
    expect(await notifySystemd({ ready: true, status: 'running' })).toBeUndefined();
    expect(await got).toEqual({ data: 'READY=1\nSTATUS=running\n', pid: process.pid });
  });

  it('reaches a socket in the abstract namespace ("@name")', async () => {
    const name = `@vrrpd-notify-test-${process.pid}`;
    const { got } = await receive(name);
    process.env.NOTIFY_SOCKET = name;
    expect(await notifySystemd({ stopping: true })).toBeUndefined();
    expect(await got).toEqual({ data: 'STOPPING=1\n', pid: process.pid });
  });

  it('says why when nobody listens, and does nothing without NOTIFY_SOCKET', async () => {
    process.env.NOTIFY_SOCKET = join(dir, 'nobody');
    expect(await notifySystemd({ ready: true })).toMatch(/nobody: sendto\(AF_UNIX, SOCK_DGRAM\): No such file or directory/);
    process.env.NOTIFY_SOCKET = `@${'x'.repeat(200)}`;
    expect(await notifySystemd({ ready: true })).toMatch(/EINVAL|address must be/);
    // Too long by its UTF-8 bytes, where the copy stops short of a whole character: refused, not cut to a shorter name.
    for (const address of [`@${'y'.repeat(106)}€€`, join(dir, 'z'.repeat(107 - dir.length - 1) + '€€')]) {
      process.env.NOTIFY_SOCKET = address;
      expect(await notifySystemd({ ready: true }), address).toMatch(/address must be/);
    }
    delete process.env.NOTIFY_SOCKET;
    expect(await notifySystemd({ ready: true })).toBeUndefined();
  });
});
