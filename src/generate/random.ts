/**
 * A seeded pseudo-random generator (xoshiro128**) with the distributions the
 * synthetic exports need. Every draw is a pure function of the seed and the
 * sequence of calls, so the same seed always yields the same data on every
 * platform: only 32-bit integer arithmetic and IEEE doubles are involved.
 *
 * @example
 * const random = new Random(42, 7); // seed 42, stream 7
 * random.int(1, 6); // a die roll
 */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Box-Muller yields normals in pairs; the second waits here. */
  private spareNormal: number | undefined;

  /**
   * Seeds the generator from one or more safe integers: `new Random(seed,
   * stream, index)` gives an independent stream per (stream, index), which is
   * how the generator keeps one user's draws from shifting another's.
   */
  constructor(seed: number, ...stream: readonly number[]) {
    let hash = 0x9e3779b9;
    for (const part of [seed, ...stream]) {
      if (!Number.isSafeInteger(part)) {
        throw new RangeError(`Random seed parts must be safe integers, got ${part}`);
      }
      // Both 32-bit halves take part, so seeds above 2^32 (and negative ones) stay distinct.
      hash = fmix32(hash ^ (part >>> 0));
      hash = fmix32(hash ^ Math.floor(part / 0x1_0000_0000) ^ 0x85ebca6b);
    }
    // splitmix32 spreads the hash over the 128-bit state; an all-zero state would be stuck.
    this.s0 = fmix32((hash + 0x9e3779b9) | 0);
    this.s1 = fmix32((hash + 0x3c6ef372) | 0);
    this.s2 = fmix32((hash + 0xdaa66d2b) | 0);
    this.s3 = fmix32((hash + 0x78dde6e4) | 0);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next raw 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A uniform double in the open interval (0, 1), safe to take the logarithm of. */
  nextOpen(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low + 0.5) / 9007199254740992;
  }

  /** A uniform double in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`int(${lo}, ${hi}) needs integers with lo <= hi`);
    }
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty array");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index drawn with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) {
      if (!(weight >= 0) || !Number.isFinite(weight)) {
        throw new RangeError(`weights must be finite and non-negative, got ${weight}`);
      }
      total += weight;
    }
    if (!(total > 0)) throw new RangeError("weights must not all be zero");
    let target = this.next() * total;
    for (let index = 0; index < weights.length; index++) {
      target -= weights[index] as number;
      if (target < 0) return index;
    }
    // Rounding can leave a sliver past the last bucket: it belongs to the last positive weight.
    for (let index = weights.length - 1; index >= 0; index--) {
      if ((weights[index] as number) > 0) return index;
    }
    return weights.length - 1;
  }

  /** An element drawn with probability proportional to the weight at the same position. */
  weightedPick<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length !== weights.length) {
      throw new RangeError(`weightedPick got ${items.length} items and ${weights.length} weights`);
    }
    return items[this.weightedIndex(weights)] as T;
  }

  /** A standard normal variate (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * spare;
    }
    const radius = Math.sqrt(-2 * Math.log(this.nextOpen()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return mean + sd * radius * Math.cos(angle);
  }

  /** exp(N(mu, sigma²)): median e^mu, mean e^(mu + sigma²/2). */
  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * A Gamma(shape, scale) variate (mean shape·scale) by Marsaglia-Tsang; for
   * shape < 1 it draws Gamma(shape + 1) and multiplies by U^(1/shape).
   */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !(scale > 0) || !Number.isFinite(shape) || !Number.isFinite(scale)) {
      throw new RangeError(`gamma(${shape}, ${scale}) needs a positive shape and scale`);
    }
    if (shape < 1) {
      return this.gamma(shape + 1, scale) * this.nextOpen() ** (1 / shape);
    }
    return this.marsagliaTsang(shape) * scale;
  }

  /**
   * A Beta(a, b) variate. Works in log space, so tiny shapes (whose gamma
   * draws underflow to 0) still give a value in [0, 1] instead of NaN.
   */
  beta(a: number, b: number): number {
    if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
      throw new RangeError(`beta(${a}, ${b}) needs positive shapes`);
    }
    const logX = this.logGammaVariate(a);
    const logY = this.logGammaVariate(b);
    return 1 / (1 + Math.exp(logY - logX));
  }

  /** A Poisson(lambda) count: Knuth's product method below 10, Hörmann's PTRS above. */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new RangeError(`poisson(${lambda}) needs a finite lambda >= 0`);
    }
    if (lambda === 0) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let count = 0;
      let product = this.nextOpen();
      while (product > limit) {
        count++;
        product *= this.nextOpen();
      }
      return count;
    }
    return this.poissonPtrs(lambda);
  }

  /** An Exponential(rate) waiting time (mean 1/rate), always > 0; rate 0 gives Infinity. */
  exponential(rate: number): number {
    if (!(rate >= 0)) throw new RangeError(`exponential(${rate}) needs a rate >= 0`);
    return -Math.log(this.nextOpen()) / rate;
  }

  private marsagliaTsang(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.nextOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** log of a Gamma(shape, 1) variate, finite even when the variate itself underflows. */
  private logGammaVariate(shape: number): number {
    if (shape >= 1) return Math.log(this.marsagliaTsang(shape));
    return Math.log(this.marsagliaTsang(shape + 1)) + Math.log(this.nextOpen()) / shape;
  }

  /** Transformed rejection with squeeze (Hörmann 1993), as numpy does for lambda >= 10. */
  private poissonPtrs(lambda: number): number {
    const sqrtLambda = Math.sqrt(lambda);
    const logLambda = Math.log(lambda);
    const b = 0.931 + 2.53 * sqrtLambda;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.nextOpen();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <=
        -lambda + k * logLambda - logFactorial(k)
      ) {
        return k;
      }
    }
  }
}

/** murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function rotl(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

const smallLogFactorials: readonly number[] = (() => {
  const table = [0];
  for (let k = 1; k < 32; k++) table.push((table[k - 1] as number) + Math.log(k));
  return table;
})();

/** log(k!) from a table below 32 and Stirling's series above (error < 1e-14 there). */
function logFactorial(k: number): number {
  if (k < smallLogFactorials.length) return smallLogFactorials[k] as number;
  const n = k + 1;
  const inv = 1 / n;
  const inv2 = inv * inv;
  return (
    (n - 0.5) * Math.log(n) -
    n +
    0.5 * Math.log(2 * Math.PI) +
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}
