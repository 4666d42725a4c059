/** An in-memory SourceHost: files from a record of absolute path -> text. For tests and simulations. */
import { err, ok } from '../result.js';
import { globWith, posixDirname, posixJoin } from './glob.js';
import type { SourceHost } from './types.js';

export interface MemoryHostOptions {
  /** Interfaces that exist; when given, `interfaceExists` is provided. */
  readonly interfaces?: readonly string[];
  /** Default "testhost". */
  readonly hostname?: string;
}

export function memoryHost(files: Readonly<Record<string, string>>, options: MemoryHostOptions = {}): SourceHost {
  const paths = Object.keys(files);
  const isDir = (dir: string): boolean => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return paths.some((p) => p.startsWith(prefix));
  };
  const list = (dir: string): string[] | undefined => {
    if (!isDir(dir)) return undefined;
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of paths) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split('/')[0] as string);
    return [...names];
  };
  const host: SourceHost = {
    readFile(path) {
      const text = files[path];
      if (text !== undefined) return ok(text);
      return err({ detail: isDir(path) ? 'is a directory' : 'no such file' });
    },
    glob: (pattern, baseDir) => globWith(posixJoin(baseDir, pattern), list, (p) => p in files || isDir(p)),
    dirname: posixDirname,
    join: posixJoin,
    hostname: options.hostname ?? 'testhost',
  };
  const ifs = options.interfaces;
  if (ifs !== undefined) return { ...host, interfaceExists: (name) => ifs.includes(name) };
  return host;
}
