/** An in-memory SourceHost: files from a record of absolute path -> text. For tests and simulations. */
import { err, ok } from '../result.js';
import { posixDirname, posixJoin } from './glob.js';
import type { SourceHost } from './types.js';

export interface MemoryHostOptions {
  /** Interfaces that exist; when given, `interfaceExists` is provided. */
  readonly interfaces?: readonly string[];
  /** Default "testhost". */
  readonly hostname?: string;
  /** Paths that exist but are not regular files (a FIFO, a device), as a real host would refuse them. */
  readonly special?: readonly string[];
}

export function memoryHost(files: Readonly<Record<string, string>>, options: MemoryHostOptions = {}): SourceHost {
  const paths = [...Object.keys(files), ...(options.special ?? [])];
  const special = new Set(options.special ?? []);
  const isDir = (dir: string): boolean => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return paths.some((p) => p.startsWith(prefix));
  };
  const host: SourceHost = {
    readFile(path, maxBytes) {
      if (special.has(path)) return err({ kind: 'not-regular', detail: 'not a regular file' });
      const text = files[path];
      if (text === undefined) return err(isDir(path) ? { kind: 'not-regular', detail: 'is a directory' } : { kind: 'unreadable', detail: 'no such file' });
      const bytes = new TextEncoder().encode(text).length;
      if (bytes > maxBytes) return err({ kind: 'too-large', detail: `${bytes} bytes` });
      return ok({ text, bytes });
    },
    listDir(dir, maxEntries) {
      if (!isDir(dir)) return undefined;
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const p of paths) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] as string);
      const all = [...names];
      return { names: all.slice(0, maxEntries), truncated: all.length > maxEntries };
    },
    exists: (p) => p in files || special.has(p) || isDir(p),
    dirname: posixDirname,
    join: posixJoin,
    hostname: options.hostname ?? 'testhost',
  };
  const ifs = options.interfaces;
  if (ifs !== undefined) return { ...host, interfaceExists: (name) => ifs.includes(name) };
  return host;
}
