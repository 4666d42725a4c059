/**
 * Inputs that once failed a fuzzer, kept as files in test/fixtures/regressions/ (one JSON each,
 * named by a hash of the input) and replayed by test/property/fuzz-regressions.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipAddress } from '../../src/wire/address.js';
import type { RawDatagram } from '../../src/wire/datagram.js';
import { REPO_ROOT } from '../helpers/vectors.js';
import type { World } from './rx-harness.js';

export const REGRESSION_DIR = join(REPO_ROOT, 'test', 'fixtures', 'regressions');

export type Regression =
  | {
      readonly kind: 'rx';
      readonly world: World;
      readonly raw: { readonly family: 'ipv4' | 'ipv6'; readonly hex: string; readonly src?: string; readonly dst?: string; readonly hopLimit?: number };
      readonly why: string;
      readonly seed: number;
      readonly index: number;
    }
  | {
      readonly kind: 'config';
      /** The configuration text, base64 (it may hold any bytes). */
      readonly text: string;
      readonly why: string;
      readonly seed: number;
      readonly index: number;
    };

/** Writes the case (once: the file name is a hash of the input); returns its path. */
export function saveRegression(r: Regression): string {
  mkdirSync(REGRESSION_DIR, { recursive: true });
  const input = r.kind === 'rx' ? `${r.world}:${JSON.stringify(r.raw)}` : r.text;
  const file = join(REGRESSION_DIR, `${r.kind}-${createHash('sha256').update(input).digest('hex').slice(0, 12)}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

export function loadRegressions(): { file: string; r: Regression }[] {
  let names: string[];
  try {
    names = readdirSync(REGRESSION_DIR).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => ({ file: n, r: JSON.parse(readFileSync(join(REGRESSION_DIR, n), 'utf8')) as Regression }));
}

/** The datagram of an rx case. */
export function rawOf(r: Extract<Regression, { kind: 'rx' }>): RawDatagram {
  const bytes = Uint8Array.from(Buffer.from(r.raw.hex, 'hex'));
  if (r.raw.family === 'ipv4') return { family: 'ipv4', bytes };
  return { family: 'ipv6', payload: bytes, src: ipAddress(r.raw.src ?? '::', 'ipv6'), dst: ipAddress(r.raw.dst ?? 'ff02::12', 'ipv6'), hopLimit: r.raw.hopLimit ?? 255 };
}

export function configTextOf(r: Extract<Regression, { kind: 'config' }>): string {
  return Buffer.from(r.text, 'base64').toString('utf8');
}
