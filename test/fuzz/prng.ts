/** A small seeded PRNG (mulberry32) for the fuzzers: the same seed gives the same inputs. */
export class Prng {
  #s: number;

  constructor(readonly seed: number) {
    this.#s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** A seed for a run: from VRRPD_FUZZ_SEED or `--seed`, else the clock (printed, so a failure can be replayed). */
export function seedFrom(argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): number {
  const i = argv.indexOf('--seed');
  const text = i >= 0 ? argv[i + 1] : env.VRRPD_FUZZ_SEED;
  if (text !== undefined && /^\d+$/.test(text)) return Number(text) >>> 0;
  return Date.now() >>> 0;
}
