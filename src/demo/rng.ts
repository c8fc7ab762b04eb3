/**
 * Seeded randomness for the demo generator. The demo must be reproducible
 * bit for bit from its seed (tests compare batches, the CLI prints the same
 * site twice), so nothing here touches Math.random.
 *
 * Each sub-model gets its own stream (`fork(label)`): changing how many
 * numbers one model draws then never shifts the others. Values that must not
 * depend on generation order (a reading's clock jitter) come from the
 * stateless `hash32` instead of a stream.
 */

/** A 32-bit mix (murmur3 finalizer): spreads nearby inputs over the whole range. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Split a JS number into two 32-bit words so that large or fractional seeds still differ. */
function seedWords(seed: number): [number, number] {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const whole = Math.floor(seed);
  const lo = whole >>> 0;
  const hi = Math.floor(whole / 0x1_0000_0000) >>> 0;
  const frac = Math.round((seed - whole) * 0x1_0000_0000) >>> 0;
  return [lo, (hi ^ Math.imul(frac, 0x9e3779b1)) >>> 0];
}

/** Stateless hash of a few numbers (integers up to 2^53) to a uint32. */
export function hash32(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    const [lo, hi] = seedWords(v);
    h = fmix32((h ^ lo) + 0x9e3779b9);
    h = fmix32((h ^ hi) + 0x7f4a7c15);
  }
  return h;
}

/** FNV-1a of a label, so streams can be named rather than numbered. */
function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast chaotic PRNG): 128-bit state,
 * passes PractRand far beyond what a year of demo data needs, and is a few
 * integer ops per draw.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number, stream: number | string = 0) {
    const [lo, hi] = seedWords(seed);
    const s = typeof stream === 'string' ? labelHash(stream) : stream >>> 0;
    this.a = fmix32(lo ^ 0xa5a5a5a5);
    this.b = fmix32(hi ^ 0x3c6ef372);
    this.c = fmix32(s ^ 0x5be0cd19);
    this.d = 1;
    // the first outputs of a freshly seeded sfc32 are weakly mixed: discard them
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** integer in [lo, hi] (both inclusive) */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Gaussian by Box–Muller; the second value of each pair is kept for the next call. */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + sd * z;
    }
    let u = this.next();
    while (u <= 1e-300) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const phi = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(phi);
    return mean + sd * r * Math.cos(phi);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** An independent stream named by `label`, derived from this stream's current state. */
  fork(label: string): Rng {
    return new Rng(this.uint32() * 0x1_0000 + (this.uint32() >>> 16), labelHash(label));
  }
}

/** The stream of one named sub-model of the demo, independent of every other name. */
export function streamOf(seed: number, label: string): Rng {
  return new Rng(seed, label);
}
