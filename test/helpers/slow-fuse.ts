/**
 * A slow file system for tests: a tiny FUSE server (the kernel protocol spoken directly over
 * /dev/fuse, no libfuse) serving a few files from memory, whose reads are answered only when
 * the test says so. It stands in for an NFS or FUSE mount that hangs: stat() and open() answer
 * at once, read() blocks in the kernel until `release()`.
 *
 * Root only (mount(2) with `-t fuse`); the mount is under a fresh temporary directory, in the
 * caller's mount namespace or in that of process `inMountNsOf` (a daemon started by
 * `ip netns exec` has its own), and `close()` unmounts it (lazily) and removes the directory.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, read, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Opcodes (linux/fuse.h) and errno values used below.
const OP = { LOOKUP: 1, FORGET: 2, GETATTR: 3, OPEN: 14, READ: 15, STATFS: 17, RELEASE: 18, FLUSH: 25, INIT: 26, OPENDIR: 27, READDIR: 28, RELEASEDIR: 29, ACCESS: 34, INTERRUPT: 36, DESTROY: 38, BATCH_FORGET: 42 } as const;
const ENOENT = 2;
const ENOSYS = 38;
const ROOT = 1n;
const IN_HEADER = 40;

export interface SlowFuse {
  /** The mount point; files are `${dir}/${name}`. */
  readonly dir: string;
  /** Reads of files whose name is in `slow` wait until this is called (those waiting now and later). */
  release(): void;
  /** How many reads are waiting. */
  readonly waiting: number;
  close(): Promise<void>;
}

/** Mounts the files (name -> text); reads of names in `slow` wait for release(). */
export async function mountSlowFuse(files: Record<string, string>, slow: readonly string[], inMountNsOf?: number): Promise<SlowFuse> {
  const ns = (cmd: string[]): [string, string[]] => (inMountNsOf === undefined ? [cmd[0] as string, cmd.slice(1)] : ['nsenter', ['-t', String(inMountNsOf), '-m', ...cmd]]);
  const dir = mkdtempSync(join(tmpdir(), 'vrrpd-slowfs-'));
  const fd = openSync('/dev/fuse', 'r+');
  const names = Object.keys(files);
  const ino = (name: string) => BigInt(names.indexOf(name) + 2);
  const nameOf = (node: bigint) => names[Number(node) - 2];
  let released = false;
  const parked: (() => void)[] = [];
  let closed = false;

  const reply = (unique: bigint, error: number, body: Buffer = Buffer.alloc(0)): void => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(16 + body.length, 0);
    h.writeInt32LE(-error, 4);
    h.writeBigUInt64LE(unique, 8);
    try {
      writeSync(fd, Buffer.concat([h, body]));
    } catch {
      // The request was interrupted or the mount is gone.
    }
  };
  const attr = (node: bigint): Buffer => {
    const a = Buffer.alloc(88);
    const name = nameOf(node);
    const size = name === undefined ? 0 : Buffer.byteLength(files[name] as string);
    a.writeBigUInt64LE(node, 0);
    a.writeBigUInt64LE(BigInt(size), 8);
    a.writeUInt32LE(node === ROOT ? 0o40755 : 0o100644, 60);
    a.writeUInt32LE(1, 64); // nlink
    a.writeUInt32LE(4096, 80); // blksize
    return a;
  };
  const handle = (req: Buffer): void => {
    const opcode = req.readUInt32LE(4);
    const unique = req.readBigUInt64LE(8);
    const node = req.readBigUInt64LE(16);
    const body = req.subarray(IN_HEADER);
    switch (opcode) {
      case OP.INIT: {
        const out = Buffer.alloc(64);
        out.writeUInt32LE(7, 0);
        out.writeUInt32LE(31, 4);
        out.writeUInt32LE(body.readUInt32LE(8), 8); // max_readahead as asked
        out.writeUInt32LE(0, 12); // no optional features
        out.writeUInt16LE(16, 16);
        out.writeUInt16LE(12, 18);
        out.writeUInt32LE(128 * 1024, 20); // max_write
        out.writeUInt32LE(1, 24); // time_gran
        return reply(unique, 0, out);
      }
      case OP.LOOKUP: {
        const name = body.subarray(0, body.indexOf(0)).toString();
        if (node !== ROOT || !(name in files)) return reply(unique, ENOENT);
        const out = Buffer.alloc(40);
        out.writeBigUInt64LE(ino(name), 0);
        return reply(unique, 0, Buffer.concat([out, attr(ino(name))]));
      }
      case OP.GETATTR:
        return reply(unique, 0, Buffer.concat([Buffer.alloc(16), attr(node)]));
      case OP.OPEN:
      case OP.OPENDIR:
        return reply(unique, 0, Buffer.alloc(16));
      case OP.READ: {
        const offset = Number(body.readBigUInt64LE(8));
        const size = body.readUInt32LE(16);
        const name = nameOf(node) ?? '';
        const answer = () => reply(unique, 0, Buffer.from(files[name] ?? '').subarray(offset, offset + size));
        if (slow.includes(name) && !released) parked.push(answer);
        else answer();
        return;
      }
      case OP.READDIR:
        return reply(unique, 0); // empty listing: tests name files exactly
      case OP.STATFS:
        return reply(unique, 0, Buffer.alloc(80));
      case OP.RELEASE:
      case OP.RELEASEDIR:
      case OP.FLUSH:
      case OP.ACCESS:
      case OP.DESTROY:
        return reply(unique, 0);
      case OP.FORGET:
      case OP.BATCH_FORGET:
      case OP.INTERRUPT:
        return; // no reply expected
      default:
        return reply(unique, ENOSYS);
    }
  };
  // One outstanding read of /dev/fuse at a time (a libuv pool thread), each request handled in turn.
  const buf = Buffer.alloc(128 * 1024 + 4096);
  const loop = (): void =>
    read(fd, buf, 0, buf.length, null, (e, n) => {
      if (e || n === 0 || closed) return;
      handle(Buffer.from(buf.subarray(0, n)));
      loop();
    });
  // /dev/fuse answers EPERM until mounted: the loop starts after mount(8) returns.
  const [cmd, args] = ns(['mount', '-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,allow_other', 'vrrpd-slowfs', dir]);
  const mount = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
  let stderr = '';
  mount.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => mount.once('exit', r));
  if (code !== 0) {
    closed = true;
    closeSync(fd);
    rmdirSync(dir);
    throw new Error(`mount -t fuse failed (${code}): ${stderr}`);
  }
  loop();
  const release = (): void => {
    released = true;
    for (const answer of parked.splice(0)) answer();
  };
  return {
    dir,
    release,
    get waiting() {
      return parked.length;
    },
    async close() {
      release();
      closed = true;
      await run(...ns(['umount', '-l', dir])).catch(() => undefined);
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      if (existsSync(dir)) rmdirSync(dir);
    },
  };
}
