/**
 * The status socket when the packet addon has no listener (not built, or built before unixsock.c):
 * listenUnix says ENOSYS and the daemon falls back to node's net.Server, with the same answers
 * and mode; any other listen failure is an error, not a fallback.
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { err } from '../../../src/result.js';

const listenFailure = vi.hoisted(() => ({ code: 'ENOSYS', detail: 'the packet addon predates unixsock.c' }));
vi.mock('../../../src/io/unix-listener.js', () => ({ listenUnix: () => err({ ...listenFailure }) }));

const { queryStatus, serveStatus, STATUS_SOCKET } = await import('../../../src/daemon/status-server.js');

describe('the status socket without the addon listener', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-status-net-'));
    listenFailure.code = 'ENOSYS';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("ENOSYS: node's net.Server answers, from a socket of mode 0600", async () => {
    const server = await serveStatus(dir, () => ({ instances: [] }));
    try {
      expect(server.listener).toBe('net');
      expect(lstatSync(join(dir, STATUS_SOCKET)).mode & 0o777).toBe(0o600);
      expect(await queryStatus(dir)).toEqual({ ok: true, value: { instances: [] } });
    } finally {
      await server.close();
    }
  });

  it('another listen failure is thrown, with the path', async () => {
    listenFailure.code = 'EACCES';
    await expect(serveStatus(dir, () => ({}))).rejects.toThrow(`cannot listen on ${join(dir, STATUS_SOCKET)}`);
  });
});
