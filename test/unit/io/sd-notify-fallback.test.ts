/**
 * systemd readiness without the packet addon's send (not built, or built before it), and for an
 * address the addon does not take (systemd's "vsock:" form): `systemd-notify --pid=OURS` sends it,
 * as before the addon had unixDatagramSend. A stand-in systemd-notify on PATH records its argv.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { err } from '../../../src/result.js';

vi.mock('../../../src/io/packet-addon.js', () => ({ loadPacketAddon: () => err({ detail: 'not built (test)' }) }));
const { notifySystemd } = await import('../../../src/io/sd-notify.js');

describe('sd_notify through systemd-notify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-notify-fallback-'));
  const argvFile = join(dir, 'argv');
  const saved = { path: process.env.PATH, socket: process.env.NOTIFY_SOCKET };
  writeFileSync(join(dir, 'systemd-notify'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(argvFile)}\n[ -z "$FAIL" ]\n`);
  chmodSync(join(dir, 'systemd-notify'), 0o755);
  beforeEach(() => {
    process.env.PATH = `${dir}:${saved.path ?? ''}`;
    process.env.NOTIFY_SOCKET = '/run/systemd/notify';
  });
  afterEach(() => {
    process.env.PATH = saved.path;
    if (saved.socket === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved.socket;
    delete process.env.FAIL;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs systemd-notify with our pid, --ready and the status', async () => {
    expect(await notifySystemd({ ready: true, status: 'running' })).toBeUndefined();
    expect(readFileSync(argvFile, 'utf8').split('\n').filter(Boolean)).toEqual([`--pid=${process.pid}`, '--ready', '--status=running']);
    expect(await notifySystemd({ stopping: true })).toBeUndefined();
    expect(readFileSync(argvFile, 'utf8').split('\n').filter(Boolean)).toEqual([`--pid=${process.pid}`, 'STOPPING=1']);
  });

  it('says why when systemd-notify fails or is missing, and never rejects', async () => {
    process.env.FAIL = '1';
    expect(await notifySystemd({ ready: true })).toMatch(/^systemd-notify: /);
    process.env.PATH = join(dir, 'nothing-here');
    expect(await notifySystemd({ ready: true })).toMatch(/^systemd-notify: .*ENOENT/);
  });
});
