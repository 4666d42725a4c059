/**
 * Reading Prometheus text exposition (pure), for the lab and the tests that watch vrrpd's metrics:
 * `name{label="value",...} number` lines into samples. Comments, timestamps and anything that
 * does not parse are skipped; label values are unescaped (\\, \", \n).
 */

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let l: RegExpExecArray | null;
      while ((l = LABEL.exec(m[2])) !== null) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (!Number.isNaN(value) || m[3] === 'NaN') out.push({ name: m[1]!, labels, value });
  }
  return out;
}

/** The value of the first sample named `name` whose labels include `labels`. */
export function promValue(samples: readonly PromSample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** One line of a `scrape.js` log: when the answer came, and its samples (or why there were none). */
export interface Scrape {
  readonly t: number;
  readonly samples: readonly PromSample[];
  readonly error?: string;
}

/** Parses a `scrape.js` log; malformed lines are skipped. */
export function parseScrapeLog(text: string): Scrape[] {
  const out: Scrape[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const r = JSON.parse(line) as { t: number; samples?: [string, Record<string, string>, number][]; error?: string };
      const samples = (r.samples ?? []).map(([name, labels, value]) => ({ name, labels, value }));
      out.push({ t: r.t, samples, ...(r.error !== undefined ? { error: r.error } : {}) });
    } catch {
      continue;
    }
  }
  return out;
}
