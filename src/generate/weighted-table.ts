import type { Random } from "./random.ts";

/**
 * A fixed discrete distribution drawn by binary search over cumulative
 * weights: O(log n) per draw with no validation, for the draws made millions
 * of times (hour of day, ad source, ticket count).
 */
export class WeightedTable {
  private readonly cumulative: Float64Array;

  /** Weights must be finite, non-negative and not all zero. */
  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let total = 0;
    weights.forEach((weight, index) => {
      if (!(weight >= 0) || !Number.isFinite(weight)) {
        throw new RangeError(`weights must be finite and non-negative, got ${weight}`);
      }
      total += weight;
      this.cumulative[index] = total;
    });
    if (!(total > 0)) throw new RangeError("weights must not all be zero");
  }

  /** An index drawn with probability proportional to its weight. */
  draw(random: Random): number {
    const cumulative = this.cumulative;
    const target = random.next() * (cumulative[cumulative.length - 1] as number);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
