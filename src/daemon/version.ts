/** vrrpd's version, from package.json (this file is dist/src/daemon/version.js at run time). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export const VRRPD_VERSION = readVersion();
