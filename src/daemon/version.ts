/**
 * vrrpd's version: set at build time in the bundle (scripts/bundle.ts defines __VRRPD_VERSION__),
 * else read from package.json (this file is dist/src/daemon/version.js at run time).
 */
import { readFileSync } from 'node:fs';

declare const __VRRPD_VERSION__: string | undefined;

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export const VRRPD_VERSION = typeof __VRRPD_VERSION__ === 'string' ? __VRRPD_VERSION__ : readVersion();
