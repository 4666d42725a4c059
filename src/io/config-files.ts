/**
 * The real SourceHost for the config loader: files via node:fs (no shell), globs by walking
 * directories with the pure matcher from src/config/glob.ts, interfaces from /sys/class/net.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { globWith } from '../config/glob.js';
import type { SourceHost } from '../config/types.js';
import { err, ok } from '../result.js';

export interface FsSourceHostOptions {
  /** Check interfaces under this directory (default /sys/class/net); false: do not check. */
  readonly interfacesDir?: string | false;
  /** Default: the first label of os.hostname(). */
  readonly hostname?: string;
}

export function fsSourceHost(options: FsSourceHostOptions = {}): SourceHost {
  const ifDir = options.interfacesDir ?? '/sys/class/net';
  const host: SourceHost = {
    readFile(path) {
      try {
        if (statSync(path).isDirectory()) return err({ detail: 'is a directory' });
        return ok(readFileSync(path, 'utf8'));
      } catch (e) {
        return err({ detail: describe(e) });
      }
    },
    glob(pattern, baseDir) {
      const abs = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
      return globWith(resolve(abs), listDir, existsSync);
    },
    dirname: (p) => dirname(p),
    join: (base, rel) => (isAbsolute(rel) ? rel : join(base, rel)),
    hostname: options.hostname ?? (hostname().split('.')[0] || 'localhost'),
  };
  if (ifDir === false) return host;
  return { ...host, interfaceExists: (name) => !name.includes('/') && existsSync(join(ifDir, name)) };
}

function listDir(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

function describe(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
