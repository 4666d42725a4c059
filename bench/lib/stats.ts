/** Order statistics for the benches' tables. */

/** The q-quantile (0..1) by the nearest-rank method; NaN for no samples. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * s.length));
  return s[rank - 1]!;
}

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  readonly min: number;
}

export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: quantile(xs, 0.5),
    p99: quantile(xs, 0.99),
    max: xs.length ? Math.max(...xs) : Number.NaN,
    min: xs.length ? Math.min(...xs) : Number.NaN,
  };
}

/** Fixed-width cell for a millisecond figure. */
export function ms(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** Rows of cells as an aligned text table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));
