/**
 * The daemon's status socket (`vrrpd status`): one line in, one JSON document out, mode 0600, a
 * silent client dropped after 2 s, every client dropped at close. Through the packet addon's
 * listener when it is built (io/unix-listener.ts), as the daemon runs it.
 */
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryStatus, serveStatus, STATUS_SOCKET, type StatusServer } from '../../../src/daemon/status-server.js';

const addon = fileURLToPath(new URL('../../../native/packet/build/Release/vrrpd_packet.node', import.meta.url));

describe('the status socket', () => {
  let dir = '';
  let server: StatusServer | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vrrpd-status-'));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync(addon))('listens through the packet addon, not net.Server', async () => {
    server = await serveStatus(dir, () => ({}));
    expect(server.listener).toBe('addon');
  });

  it('answers a status line with the snapshot as JSON, from a socket of mode 0600 that replaced a stale one', async () => {
    writeFileSync(join(dir, STATUS_SOCKET), 'left by a dead daemon');
    let n = 0;
    server = await serveStatus(dir, () => ({ instances: [], n: ++n }));
    const st = lstatSync(join(dir, STATUS_SOCKET));
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await queryStatus(dir)).toEqual({ ok: true, value: { instances: [], n: 1 } });
    expect(await queryStatus(dir)).toEqual({ ok: true, value: { instances: [], n: 2 } });
  });

  it('answers with the error when the snapshot throws', async () => {
    server = await serveStatus(dir, () => {
      throw new Error('no snapshot');
    });
    expect(await queryStatus(dir)).toEqual({ ok: true, value: { error: 'no snapshot' } });
  });

  it('drops a client that says nothing for 2 s', async () => {
    server = await serveStatus(dir, () => ({}));
    const c = createConnection(join(dir, STATUS_SOCKET));
    const t0 = Date.now();
    await new Promise((r) => c.once('close', r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
  }, 10_000);

  it('at close drops every client at once and removes its socket; a query then fails', async () => {
    const s = await serveStatus(dir, () => ({}));
    const c = createConnection(join(dir, STATUS_SOCKET));
    c.on('error', () => undefined);
    await new Promise((r) => c.once('connect', r));
    await new Promise((r) => setTimeout(r, 50)); // accepted on the daemon's side
    const closed = new Promise((r) => c.once('close', r));
    await s.close();
    await closed;
    expect(existsSync(join(dir, STATUS_SOCKET))).toBe(false);
    const r = await queryStatus(dir, 500);
    expect(r.ok).toBe(false);
  });
});
