/**
 * The status socket's listener (native/packet/unixsock.c, src/io/unix-listener.ts): the socket
 * file is 0600 from bind() whatever the umask, connections are accepted and served as node's own,
 * many at once, closing stops accepting and removes only the socket bound here, and an fd that is
 * no listening socket is refused.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, fstatSync, lstatSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPacketAddon, type PacketAddon } from '../../../src/io/packet-addon.js';
import { listenUnix, unixListenAddon, type AcceptProblem, type UnixListener } from '../../../src/io/unix-listener.js';

const addonFile = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));

/** Connects, sends `line`, and resolves with all the server sent until it closed (or the error code). */
function ask(path: string, line: string): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    const c = createConnection(path);
    c.on('connect', () => c.write(line));
    c.on('data', (d) => (data += d.toString('utf8')));
    c.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
    c.on('end', () => resolve(data));
  });
}

/** Each connection answers its first chunk with `echo <chunk>` and ends. */
function echo(conns: Socket[]) {
  return (conn: Socket): void => {
    conns.push(conn);
    conn.once('data', (d) => conn.end(`echo ${d.toString('utf8')}`));
  };
}

describe.skipIf(!existsSync(addonFile))('the native unix listener', () => {
  let dir = '';
  let listener: UnixListener | undefined;
  const problems: AcceptProblem[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-unix-'));
    problems.length = 0;
  });
  afterEach(() => {
    listener?.close();
    listener = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is what the packet addon offers', () => {
    expect(unixListenAddon().ok).toBe(true);
  });

  it('binds with mode 0600 under any umask, and leaves the umask as it was', () => {
    // In a process of its own: the umask is the process's, and a test worker may not set it.
    const path = join(dir, 's.sock');
    const script = `const a = require(${JSON.stringify(addonFile)}); const fs = require('node:fs');
      const out = [];
      for (const [mask, name] of [[0, 'a'], [0o022, 'b'], [0o077, 'c']]) {
        process.umask(mask);
        const p = ${JSON.stringify(path)} + name;
        const fd = a.unixListen(p, 8);
        const st = fs.lstatSync(p); // nothing between bind() and this but listen()
        out.push({ socket: st.isSocket(), mode: (st.mode & 0o7777).toString(8), umask: process.umask().toString(8) });
        a.close(fd);
      }
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 })) as unknown[];
    expect(out).toEqual([
      { socket: true, mode: '600', umask: '0' },
      { socket: true, mode: '600', umask: '22' },
      { socket: true, mode: '600', umask: '77' },
    ]);
  });

  it('accepts connections as net.Sockets that read and write', async () => {
    const path = join(dir, 's.sock');
    const conns: Socket[] = [];
    const l = listenUnix(path, echo(conns), (p) => problems.push(p));
    expect(l.ok).toBe(true);
    listener = l.ok ? l.value : undefined;
    expect(await ask(path, 'status\n')).toBe('echo status\n');
    expect(await ask(path, 'again\n')).toBe('echo again\n');
    expect(conns).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it('serves 300 clients connecting at once (more than one wake-up\'s budget of 16)', async () => {
    const path = join(dir, 's.sock');
    const conns: Socket[] = [];
    const l = listenUnix(path, echo(conns), (p) => problems.push(p));
    listener = l.ok ? l.value : undefined;
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => ask(path, `${i}\n`)));
    expect(answers).toEqual(Array.from({ length: 300 }, (_, i) => `echo ${i}\n`));
    expect(conns).toHaveLength(300);
    expect(problems).toEqual([]);
  });

  it('refuses a path that exists and leaves it alone', () => {
    const path = join(dir, 's.sock');
    writeFileSync(path, 'not yours');
    const l = listenUnix(path, () => undefined, () => undefined);
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.error.code).toBe('EADDRINUSE');
    expect(statSync(path).isFile()).toBe(true);
  });

  it('on close stops accepting, closes the socket and removes its file; a connection already accepted goes on', async () => {
    const path = join(dir, 's.sock');
    const conns: Socket[] = [];
    const l = listenUnix(path, (c) => conns.push(c), () => undefined);
    listener = l.ok ? l.value : undefined;
    const client = createConnection(path);
    await new Promise((r) => client.once('connect', r));
    await expect.poll(() => conns.length).toBe(1);
    listener!.close();
    listener!.close(); // idempotent
    expect(existsSync(path)).toBe(false);
    expect(await ask(path, 'x\n')).toMatch(/^error (ENOENT|ECONNREFUSED)$/);
    // the accepted one is the caller's: it still talks
    const got = new Promise<string>((r) => client.once('data', (d) => r(d.toString('utf8'))));
    conns[0]!.write('still here\n');
    expect(await got).toBe('still here\n');
    client.destroy();
    conns[0]!.destroy();
  });

  it('on close removes nothing that replaced its socket file', () => {
    const path = join(dir, 's.sock');
    const l = listenUnix(path, () => undefined, () => undefined);
    listener = l.ok ? l.value : undefined;
    rmSync(path);
    writeFileSync(path, 'someone else');
    listener!.close();
    expect(lstatSync(path).isFile()).toBe(true);
  });

  describe('acceptStart', () => {
    let addon: PacketAddon;
    beforeEach(() => {
      const a = loadPacketAddon();
      if (!a.ok) throw new Error(a.error.detail);
      addon = a.value;
    });

    it('refuses an fd that is not a socket (ENOTSOCK), and closes it', () => {
      const file = join(dir, 'plain');
      writeFileSync(file, '');
      const fd = openSync(file, 'r');
      let code: unknown;
      try {
        addon.acceptStart!(fd, () => undefined);
      } catch (e) {
        code = (e as { code?: unknown }).code;
      }
      expect(code).toBe('ENOTSOCK');
      expect(() => fstatSync(fd)).toThrow(/EBADF/);
    });

    it('refuses a function that is not one, and a handle that is not its own', () => {
      const fd = addon.unixListen!(join(dir, 's.sock'), 4);
      expect(() => addon.acceptStart!(fd, 'no' as unknown as () => void)).toThrow(/onAccept must be a function/);
      expect(() => fstatSync(fd)).toThrow(/EBADF/);
      expect(() => addon.acceptClose!({} as never)).toThrow(/not an acceptStart handle/);
    });

    it('refuses a path that is too long for a unix socket', () => {
      expect(() => addon.unixListen!(join(dir, 'x'.repeat(120)), 4)).toThrow(/shorter than 107 bytes/);
    });
  });
});

describe.skipIf(!existsSync(addonFile) || !existsSync('/usr/bin/prlimit'))('the native unix listener out of descriptors', () => {
  it('reports EMFILE, pauses, and accepts the waiting clients once descriptors are free again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrrpd-unix-'));
    const path = join(dir, 's.sock');
    // The listener's process may open only 3 more descriptors: it holds each accepted client
    // until accept fails, then answers (and closes) those it holds; the rest wait in the backlog
    // until the pause is over.
    const script = `const a = require(${JSON.stringify(addonFile)}); const net = require('node:net'); const fs = require('node:fs');
      const fd = a.unixListen(${JSON.stringify(path)}, 64);
      const held = []; const problems = []; let served = 0;
      const answer = () => { for (const s of held.splice(0)) { s.end('ok'); served++; } if (served === 12) { a.acceptClose(h); console.log(JSON.stringify({ problems })); } };
      const h = a.acceptStart(fd, (c, code) => {
        if (c < 0) { problems.push(code); answer(); return; }
        held.push(new net.Socket({ fd: c, readable: true, writable: true }).resume());
        if (served + held.length === 12) answer();
      });
      require('node:child_process').execFileSync('/usr/bin/prlimit', ['--pid', String(process.pid), '--nofile=' + (fs.readdirSync('/proc/self/fd').length + 2)]);
      console.log('ready');`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 15_000 });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      await expect.poll(() => out, { timeout: 10_000 }).toContain('ready\n');
      const answers = await Promise.all(Array.from({ length: 12 }, () => ask(path, 'x')));
      expect(answers).toEqual(Array(12).fill('ok'));
      await new Promise((r) => child.once('exit', r));
      const r = JSON.parse(out.split('\n')[1]!) as { problems: string[] };
      expect(r.problems.length).toBeGreaterThan(0);
      expect(new Set(r.problems)).toEqual(new Set(['EMFILE']));
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
