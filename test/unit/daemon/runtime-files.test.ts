/** The files vrrpd keeps in its runtime directory: dumps, the VIP record, the lock. */
import { execFileSync } from 'node:child_process';
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPrivateFile, writeFileAtomically, writePrivateFile } from '../../../src/daemon/runtime-dir.js';
import { readVipRecord, removeRecorded, HostRecord, VIP_RECORD } from '../../../src/daemon/vip-record.js';
import { acquireRunLock, runLockHolder } from '../../../src/io/run-lock.js';
import { createLogger } from '../../../src/daemon/log.js';
import { ok } from '../../../src/result.js';

let dir: string;
const quiet = createLogger({ level: 'silent' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vtt-rundir-'));
  chmodSync(dir, 0o700);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dump files (SIGUSR1 / SIGUSR2)', () => {
  it('a hard-linked target is refused BEFORE it is truncated: the other name keeps its content', async () => {
    const other = join(dir, 'precious');
    writeFileSync(other, 'do not lose me\n', { mode: 0o600 });
    linkSync(other, join(dir, 'vrrpd.state.json'));
    const r = await writePrivateFile(dir, 'vrrpd.state.json', '{}\n');
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/single link; refusing/) });
    expect(readFileSync(other, 'utf8')).toBe('do not lose me\n');
  });

  it('a symlink is not followed, and a plain file is rewritten whole, mode 0600', async () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'x');
    symlinkSync(target, join(dir, 'link.json'));
    expect((await writePrivateFile(dir, 'link.json', '{}')).ok).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('x');
    writeFileSync(join(dir, 'plain.json'), 'a much longer old content\n', { mode: 0o644 });
    expect(await writePrivateFile(dir, 'plain.json', '{}\n')).toEqual(ok(join(dir, 'plain.json')));
    expect(readFileSync(join(dir, 'plain.json'), 'utf8')).toBe('{}\n');
    expect(lstatSync(join(dir, 'plain.json')).mode & 0o777).toBe(0o600);
  });

  it('reading waits on no FIFO and follows no symlink; a missing file is "absent"', async () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(await readPrivateFile(dir, 'fifo', 100)).toMatchObject({ ok: false, error: expect.stringMatching(/not a regular file/) });
    expect((await readPrivateFile(dir, 'link.json', 100)).ok).toBe(false);
    expect(await readPrivateFile(dir, 'nope', 100)).toEqual(ok('absent'));
    expect(await readPrivateFile(dir, 'plain.json', 2)).toMatchObject({ ok: false, error: expect.stringMatching(/more than/) });
  });

  it('an atomic write replaces a planted symlink instead of writing through it', async () => {
    const target = join(dir, 'target2');
    writeFileSync(target, 'keep');
    symlinkSync(target, join(dir, 'atomic.json'));
    expect((await writeFileAtomically(dir, 'atomic.json', 'new')).ok).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(lstatSync(join(dir, 'atomic.json')).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'atomic.json'), 'utf8')).toBe('new');
  });
});

describe('the VIP record (for vrrpd cleanup)', () => {
  it('records an address before adding it and forgets it only after it was removed', async () => {
    const d = mkdtempSync(join(dir, 'rec-'));
    const record = new HostRecord(d, quiet);
    const seen: string[] = [];
    const ops = record.wrap<{ address: string; dev: string; label?: string }>({
      apply: async (state, vips) => {
        if (state === 'absent') return vips.map(() => ({ ok: false as const, error: { detail: 'EPERM' } }));
        const r = await readVipRecord(d);
        seen.push(r.ok ? r.value.map((v) => v.address).join(',') : 'unreadable');
        return vips.map(() => ok('added'));
      },
      describe: (v) => v.address,
    });
    const vip = { address: '10.0.0.1/24', dev: 'eth0', label: 'eth0:1' };
    await ops.apply('present', [vip]);
    expect(seen).toEqual(['10.0.0.1/24']); // on file before `ip addr add` ran
    await ops.apply('absent', [vip]); // failed: still recorded
    expect(await readVipRecord(d)).toEqual(ok([{ address: '10.0.0.1/24', dev: 'eth0' }]));
    const ok2 = record.wrap<{ address: string; dev: string; label?: string }>({ apply: (_state, vips) => Promise.resolve(vips.map(() => ok('done'))), describe: (v) => v.address });
    await ok2.apply('absent', [vip]);
    expect(await readVipRecord(d)).toEqual(ok([]));
  });

  it('IPv6 VIPs (the link-local and the global one) are recorded and removed like IPv4 ones', async () => {
    const d = mkdtempSync(join(dir, 'rec6-'));
    const record = new HostRecord(d, quiet);
    const ops = record.wrap<{ address: string; dev: string }>({ apply: (_state, vips) => Promise.resolve(vips.map(() => ok('done'))), describe: (v) => v.address });
    const vips = [{ address: '192.168.50.100/24', dev: 'eth0' }, { address: 'fe80::100/64', dev: 'eth0' }, { address: 'fd00:50::100/64', dev: 'eth0' }];
    await ops.apply('present', vips);
    expect(await readVipRecord(d)).toEqual(ok(vips));
    const removed: string[] = [];
    const none = () => Promise.resolve(ok('done'));
    const r = await removeRecorded(d, {
      vip: (v) => {
        removed.push(v.address);
        return Promise.resolve(ok('removed' as const));
      },
      route: none, rule: none, link: none, firewall: none,
    });
    expect(r.ok && r.value.removedVips.map((v) => v.address)).toEqual(['192.168.50.100/24', 'fe80::100/64', 'fd00:50::100/64']);
    expect(removed).toEqual(['192.168.50.100/24', 'fe80::100/64', 'fd00:50::100/64']);
    await ops.apply('absent', vips.slice(1));
    expect(await readVipRecord(d)).toEqual(ok(vips.slice(0, 1)));
  });

  it('configured addresses are recorded at configure(): a takeover and a release of them write nothing', async () => {
    const d = mkdtempSync(join(dir, 'conf-'));
    const record = new HostRecord(d, quiet);
    const vips = [{ address: '10.0.0.1/24', dev: 'eth0' }, { address: '10.0.0.2/24', dev: 'eth0' }];
    await record.configure(vips.map((vip) => ({ kind: 'addr' as const, vip })));
    expect(await readVipRecord(d)).toEqual(ok(vips));
    const file = (): number => statSync(join(d, VIP_RECORD)).ino; // every write renames a new file over it
    const before = file();
    const seen: string[] = [];
    const ops = record.wrap<{ address: string; dev: string }>({
      apply: async (_state, vs) => {
        const r = await readVipRecord(d);
        seen.push(r.ok ? r.value.map((v) => v.address).join(',') : 'unreadable');
        return vs.map(() => ok('done'));
      },
      describe: (v) => v.address,
    });
    await ops.apply('present', vips);
    await ops.apply('absent', vips);
    await ops.apply('present', vips.slice(1));
    expect(seen).toEqual(['10.0.0.1/24,10.0.0.2/24', '10.0.0.1/24,10.0.0.2/24', '10.0.0.1/24,10.0.0.2/24']);
    expect(file()).toBe(before);
    // An address that is not configured (a reload dropped it) is still recorded before its add.
    await ops.apply('present', [{ address: '10.0.0.9/24', dev: 'eth0' }]);
    expect(seen.at(-1)).toBe('10.0.0.1/24,10.0.0.2/24,10.0.0.9/24');
  });

  it('adding a configured address whose record is written calls the operations at once (same turn); an unrecorded one waits for its write', async () => {
    const d = mkdtempSync(join(dir, 'sync-'));
    const record = new HostRecord(d, quiet);
    const vip = { address: '10.0.0.1/24', dev: 'eth0' };
    await record.configure([{ kind: 'addr', vip }]);
    const calls: string[] = [];
    const ops = record.wrap<{ address: string; dev: string }>({ apply: (state, vs) => (calls.push(`${state} ${vs.map((v) => v.address).join(',')}`), Promise.resolve(vs.map(() => ok('done')))), describe: (v) => v.address });
    const done = ops.apply('present', [vip]);
    expect(calls).toEqual(['present 10.0.0.1/24']); // synchronously: it joins the batch being gathered
    await done;
    const other = ops.apply('present', [{ address: '10.0.0.9/24', dev: 'eth0' }]);
    expect(calls).toHaveLength(1); // recorded first: the file is written before the add
    await other;
    expect(calls.at(-1)).toBe('present 10.0.0.9/24');
    expect(await readVipRecord(d)).toEqual(ok([vip, { address: '10.0.0.9/24', dev: 'eth0' }]));
  });

  it('a takeover may send its additions ahead (VipOps.ahead) only when its add would not wait: every entry recorded, the file written', async () => {
    const d = mkdtempSync(join(dir, 'ahead-'));
    const record = new HostRecord(d, quiet);
    const vip = { address: '10.0.0.1/24', dev: 'eth0' };
    const other = { address: '10.0.0.9/24', dev: 'eth0' };
    const ops = record.wrap<{ address: string; dev: string }>({
      apply: (_state, vs) => Promise.resolve(vs.map(() => ok('done'))),
      describe: (v) => v.address,
      ahead: (vs) => ({ dev: 'eth0', messages: vs.map(() => new Uint8Array(1)) }),
    });
    expect(ops.ahead?.([vip])).toBeUndefined(); // not recorded yet
    await record.configure([{ kind: 'addr', vip }]);
    expect(ops.ahead?.([vip])?.messages).toHaveLength(1);
    expect(ops.ahead?.([vip, other])).toBeUndefined(); // one not recorded: its add waits for a write
    expect(await readVipRecord(d)).toEqual(ok([vip])); // asking recorded nothing
    // A record that could not be written: nothing ahead until a write succeeds.
    mkdirSync(join(d, `.${VIP_RECORD}.tmp`));
    mkdirSync(join(d, `.${VIP_RECORD}.tmp`, 'x'));
    await record.configure([{ kind: 'addr', vip }, { kind: 'addr', vip: other }]);
    expect(ops.ahead?.([vip])).toBeUndefined();
    rmdirSync(join(d, `.${VIP_RECORD}.tmp`, 'x'));
    rmdirSync(join(d, `.${VIP_RECORD}.tmp`));
    await record.adding([{ kind: 'addr', vip }]);
    expect(ops.ahead?.([vip, other])?.messages).toHaveLength(2);
  });

  it('a reload drops an address from the record once it is not configured and not on the host', async () => {
    const d = mkdtempSync(join(dir, 'reconf-'));
    const record = new HostRecord(d, quiet);
    const [a, b, c] = ['10.0.0.1/24', '10.0.0.2/24', '10.0.0.3/24'].map((address) => ({ address, dev: 'eth0' }));
    const entry = (vip: { address: string; dev: string }) => ({ kind: 'addr' as const, vip });
    await record.configure([entry(a!), entry(b!)]);
    await record.adding([entry(b!)]); // b is on the host (its instance is master)
    await record.configure([entry(c!)]); // the reload drops a and b, adds c
    expect(await readVipRecord(d)).toEqual(ok([c, b])); // b stays until it is removed
    await record.removed([entry(b!)]);
    expect(await readVipRecord(d)).toEqual(ok([c]));
  });

  it('a record that could not be written is written again at the next change of the host, even one it already holds', async () => {
    const d = mkdtempSync(join(dir, 'retry-'));
    const record = new HostRecord(d, quiet);
    const vip = { kind: 'addr' as const, vip: { address: '10.0.0.1/24', dev: 'eth0' } };
    mkdirSync(join(d, `.${VIP_RECORD}.tmp`)); // the temporary file cannot be made: the write fails
    mkdirSync(join(d, `.${VIP_RECORD}.tmp`, 'x'));
    await record.configure([vip]);
    expect(await readVipRecord(d)).toEqual(ok([]));
    rmdirSync(join(d, `.${VIP_RECORD}.tmp`, 'x'));
    rmdirSync(join(d, `.${VIP_RECORD}.tmp`));
    await record.adding([vip]);
    expect(await readVipRecord(d)).toEqual(ok([vip.vip]));
  });

  it('a record that is not what the daemon writes is refused, entry by entry', async () => {
    const d = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(join(d, VIP_RECORD), '{"vips":[{"address":"10.0.0.1/24","dev":"eth0; reboot"}]}');
    expect(await readVipRecord(d)).toMatchObject({ ok: false });
    writeFileSync(join(d, VIP_RECORD), 'garbage');
    expect(await readVipRecord(d)).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
  });
});

describe('the runtime directory lock', () => {
  it('a second holder is refused with the first one\'s pid; the lock goes with its holder', async () => {
    const d = mkdtempSync(join(dir, 'lock-'));
    const first = await acquireRunLock(d);
    expect(first.ok).toBe(true);
    const second = await acquireRunLock(d);
    expect(second).toMatchObject({ ok: false, error: expect.stringContaining(`another vrrpd (pid ${process.pid}) is running with the runtime directory ${d}`) });
    expect(await runLockHolder(d)).toBe(String(process.pid));
    if (first.ok) first.value.close();
    expect(await runLockHolder(d)).toBeUndefined();
    const third = await acquireRunLock(d);
    expect(third.ok).toBe(true);
    if (third.ok) third.value.close();
  });

  it("is a flock(2) that util-linux's flock(1) sees, from another process (a daemon of an older build, or one without the addon)", async () => {
    const d = mkdtempSync(join(dir, 'lock-'));
    const held = await acquireRunLock(d);
    expect(held.ok).toBe(true);
    const tryLock = (): number => {
      try {
        execFileSync('flock', ['--nonblock', '--conflict-exit-code', '75', join(d, 'vrrpd.lock'), 'true'], { stdio: 'ignore' });
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    expect(tryLock()).toBe(75);
    if (held.ok) held.value.close();
    expect(tryLock()).toBe(0);
  });
});
