import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, loadConfig, memoryHost, type LoadResult } from '../../../src/config/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/config/', import.meta.url));

export function fixture(rel: string): string {
  return readFileSync(`${FIXTURES}${rel}`, 'utf8');
}

export interface Loaded extends LoadResult {
  /** Diagnostics formatted as `file:line:col: severity: message`. */
  readonly lines: string[];
}

/** Loads `/etc/keepalived/keepalived.conf` (or the first file) from an in-memory file set. */
export function load(
  files: Record<string, string> | string,
  opts: { configId?: string; interfaces?: string[]; entry?: string } = {},
): Loaded {
  const set = typeof files === 'string' ? { '/etc/keepalived/keepalived.conf': files } : files;
  const entry = opts.entry ?? Object.keys(set)[0] ?? '';
  const host = memoryHost(set, opts.interfaces ? { interfaces: opts.interfaces, hostname: 'node1' } : { hostname: 'node1' });
  const r = loadConfig(entry, host, opts.configId === undefined ? {} : { configId: opts.configId });
  return { ...r, lines: r.diagnostics.map(formatDiagnostic) };
}

/** A minimal valid instance body, to wrap around the keyword under test. */
export function instance(body: string, name = 'VI_1'): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id 51\n${body}\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n`;
}

export const F = '/etc/keepalived/keepalived.conf';
