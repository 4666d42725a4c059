import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTcp, tcpOutcome } from '../../../src/io/check-tcp.js';

const HOLDER = [
  'import socket, sys, time',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(0)',
  'print(s.getsockname()[1], flush=True)',
  'time.sleep(30)',
].join('\n');

let server: Server;
let port = 0;
let accepted = 0;
let closedByPeer = 0;

beforeAll(async () => {
  server = createServer((s) => {
    accepted++;
    s.on('close', () => closedByPeer++);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  port = typeof a === 'object' && a !== null ? a.port : 0;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('check_tcp', () => {
  it('succeeds against a loopback listener and closes the connection at once', async () => {
    const r = await checkTcp({ host: '127.0.0.1', port }, 1000);
    expect(r.ok).toBe(true);
    expect(tcpOutcome(r)).toEqual({ kind: 'ok' });
    await new Promise((res) => setTimeout(res, 100));
    expect(accepted).toBe(1);
    expect(closedByPeer).toBe(1);
  });

  it('fails fast on a closed port (ECONNREFUSED)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const a = probe.address();
    const closedPort = typeof a === 'object' && a !== null ? a.port : 0;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await checkTcp({ host: '127.0.0.1', port: closedPort }, 1000);
    expect(r).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    expect(r.durationMs).toBeLessThan(500);
    expect(tcpOutcome(r)).toEqual({ kind: 'fail', detail: 'ECONNREFUSED' });
  });

  it('times out when the handshake never completes', async () => {
    // A listener that never accepts, with a full accept queue: Linux drops further SYNs.
    const py = spawn('python3', ['-c', HOLDER], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const line = await new Promise<string>((res, rej) => {
        py.stdout.once('data', (b: Buffer) => res(b.toString()));
        py.once('error', rej);
      });
      const holdPort = Number(line.trim());
      const fillers = [0, 1, 2].map(() => connect({ host: '127.0.0.1', port: holdPort }).on('error', () => undefined));
      await new Promise((res) => setTimeout(res, 100));
      const r = await checkTcp({ host: '127.0.0.1', port: holdPort }, 300);
      for (const f of fillers) f.destroy();
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/no connection within 300 ms/);
      expect(r.durationMs).toBeGreaterThanOrEqual(280);
      expect(r.durationMs).toBeLessThan(2000);
    } finally {
      py.kill('SIGKILL');
    }
  });

  it('200 checks leave no sockets behind', async () => {
    const before = accepted;
    for (let i = 0; i < 200; i++) expect((await checkTcp({ host: '127.0.0.1', port }, 1000)).ok).toBe(true);
    await new Promise((res) => setTimeout(res, 100));
    expect(accepted - before).toBe(200);
    expect(closedByPeer).toBe(accepted);
  });
});
