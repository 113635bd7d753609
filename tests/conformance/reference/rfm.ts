// mart_rfm (SPEC §3): scores from SQL RANK() over all buyers, better later.
import type { MartRow } from "./columns.ts";
import type { Model } from "./definitions.ts";
import { daysSinceLastOrder } from "./user-profile.ts";

/**
 * Score of each value: 1 + floor(5 · (rank − 1) / n), where rank is RANK()
 * over the values in ascending order (ties share the lowest rank).
 */
export function scores(values: readonly number[]): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((value) => {
    // rank − 1 = how many values sort strictly before this one.
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((sorted[mid] as number) < value) low = mid + 1;
      else high = mid;
    }
    return 1 + Math.floor((5 * low) / n);
  });
}

/** SQL `round(x, digits)` on a DOUBLE: halves away from zero, as C's `round(x · 10^d) / 10^d`. */
export function roundHalfAway(value: number, digits: number): number {
  const scale = 10 ** digits;
  const scaled = value * scale;
  const rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  // Math.round takes halves up; for |x| that is away from zero, as C's round().
  return rounded / scale;
}

export function segmentOf(r: number, f: number): string {
  if (r <= 2) return f <= 2 ? "hibernating" : f <= 4 ? "at_risk" : "cant_lose";
  if (r === 3) return f <= 2 ? "about_to_sleep" : f === 3 ? "need_attention" : "loyal";
  if (r === 4) return f === 1 ? "promising" : f <= 3 ? "potential_loyalist" : "loyal";
  return f === 1 ? "new" : f <= 3 ? "potential_loyalist" : "champions";
}

/**
 * mart_rfm. `monetaryOverride` (by user id) ranks on given monetary values
 * instead of the reference's own sums, to tell a formula error from float
 * sums that differ in the last bit between two equal-looking buyers.
 */
export function rfm(model: Model, monetaryOverride?: ReadonlyMap<string, number>): MartRow[] {
  const buyers = [...model.buyers.values()];
  const recency = buyers.map((buyer) => daysSinceLastOrder(model, buyer));
  const frequency = buyers.map((buyer) => buyer.orders.length);
  const monetary = buyers.map((buyer) => buyer.revenueTotal);
  // SPEC §3: monetary ranks on round(monetary, 6), so equal amounts summed in another order tie.
  const ranked = buyers.map((buyer) =>
    roundHalfAway(monetaryOverride?.get(buyer.userId) ?? buyer.revenueTotal, 6),
  );
  // Recency descending: rank on the negated value ascending.
  const r = scores(recency.map((days) => -days));
  const f = scores(frequency);
  const m = scores(ranked);
  return buyers.map((buyer, i) => ({
    user_id: buyer.userId,
    recency_days: recency[i] as number,
    frequency: frequency[i] as number,
    monetary: monetary[i] as number,
    r_score: r[i] as number,
    f_score: f[i] as number,
    m_score: m[i] as number,
    rfm_cell: `${r[i]}${f[i]}${m[i]}`,
    segment: segmentOf(r[i] as number, f[i] as number),
  }));
}
