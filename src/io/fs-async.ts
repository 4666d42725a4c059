/**
 * The promise-returning file calls the daemon uses, made from node:fs's callback API.
 *
 * `node:fs/promises` (and `fs.promises`) loads node's FileHandle module, and with it readline's
 * interface, the fs watchers and web streams' glue: +0.55 MB of resident memory in a process with
 * the bin's flags, for a daemon that reads and writes a few small files (docs/performance.md,
 * "CommonJS chunks, and no fs/promises, perf_hooks or tty at start"). These wrappers behave as
 * those calls do for what vrrpd asks of them: same arguments, same errors (`code`, `message`),
 * and `open` gives a small handle over the descriptor with the FileHandle methods used here.
 * The lab, the benches and the tests may use `node:fs/promises` freely; a unit test keeps it out
 * of the daemon's modules.
 */
import {
  access as accessCb,
  chmod as chmodCb,
  close as closeCb,
  fchmod,
  fstat,
  ftruncate,
  lchown as lchownCb,
  lstat as lstatCb,
  mkdir as mkdirCb,
  open as openCb,
  read as readCb,
  readFile as readFileCb,
  realpath as realpathCb,
  rename as renameCb,
  rm as rmCb,
  stat as statCb,
  unlink as unlinkCb,
  writeFile as writeFileCb,
  type Mode,
  type PathLike,
  type Stats,
} from 'node:fs';

type Done<T> = (e: NodeJS.ErrnoException | null, value: T) => void;

/** A promise of what a callback-style call hands its callback. */
function call<T>(start: (done: Done<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => start((e, value) => (e ? reject(e) : resolve(value))));
}

export function readFile(path: PathLike): Promise<Buffer>;
export function readFile(path: PathLike, encoding: BufferEncoding): Promise<string>;
export function readFile(path: PathLike, encoding?: BufferEncoding): Promise<Buffer | string> {
  return encoding === undefined ? call<Buffer>((d) => readFileCb(path, d)) : call<string>((d) => readFileCb(path, encoding, d));
}

export function writeFile(path: PathLike, data: string | Uint8Array): Promise<void> {
  return call<void>((d) => writeFileCb(path, data, (e) => d(e, undefined)));
}

export function access(path: PathLike, mode?: number): Promise<void> {
  return call<void>((d) => accessCb(path, mode, (e) => d(e, undefined)));
}

export function stat(path: PathLike): Promise<Stats> {
  return call<Stats>((d) => statCb(path, d));
}

export function lstat(path: PathLike): Promise<Stats> {
  return call<Stats>((d) => lstatCb(path, d));
}

export function realpath(path: PathLike): Promise<string> {
  return call<string>((d) => realpathCb(path, d));
}

export function mkdir(path: PathLike, options: { recursive?: boolean; mode?: Mode }): Promise<void> {
  return call<void>((d) => mkdirCb(path, options, (e) => d(e, undefined)));
}

export function rename(from: PathLike, to: PathLike): Promise<void> {
  return call<void>((d) => renameCb(from, to, (e) => d(e, undefined)));
}

export function unlink(path: PathLike): Promise<void> {
  return call<void>((d) => unlinkCb(path, (e) => d(e, undefined)));
}

export function rm(path: PathLike, options: { force?: boolean; recursive?: boolean }): Promise<void> {
  return call<void>((d) => rmCb(path, options, (e) => d(e, undefined)));
}

export function chmod(path: PathLike, mode: Mode): Promise<void> {
  return call<void>((d) => chmodCb(path, mode, (e) => d(e, undefined)));
}

export function lchown(path: PathLike, uid: number, gid: number): Promise<void> {
  return call<void>((d) => lchownCb(path, uid, gid, (e) => d(e, undefined)));
}

/** An open file: the subset of fs/promises' FileHandle the daemon uses, over the descriptor. */
export class FileDescriptor {
  constructor(readonly fd: number) {}

  stat(): Promise<Stats> {
    return call<Stats>((d) => fstat(this.fd, d));
  }

  truncate(length = 0): Promise<void> {
    return call<void>((d) => ftruncate(this.fd, length, (e) => d(e, undefined)));
  }

  chmod(mode: Mode): Promise<void> {
    return call<void>((d) => fchmod(this.fd, mode, (e) => d(e, undefined)));
  }

  /** Read into `buffer` at `offset`, up to `length` bytes from `position` of the file. */
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }> {
    return call<{ bytesRead: number }>((d) => readCb(this.fd, buffer, offset, length, position, (e, bytesRead) => d(e, { bytesRead })));
  }

  /** The rest of the file from the current position, as FileHandle.readFile. */
  readFile(encoding: BufferEncoding): Promise<string> {
    return call<string>((d) => readFileCb(this.fd, encoding, d));
  }

  /** Written from the current position, as FileHandle.writeFile. */
  writeFile(data: string | Uint8Array): Promise<void> {
    return call<void>((d) => writeFileCb(this.fd, data, (e) => d(e, undefined)));
  }

  close(): Promise<void> {
    return call<void>((d) => closeCb(this.fd, (e) => d(e, undefined)));
  }
}

/** open(2) with numeric flags; the descriptor is the caller's to close. */
export function open(path: PathLike, flags: number, mode?: Mode): Promise<FileDescriptor> {
  return call<number>((d) => openCb(path, flags, mode, d)).then((fd) => new FileDescriptor(fd));
}
