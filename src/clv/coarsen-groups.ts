/**
 * Coarse copies of the fit inputs for the Nelder-Mead screening stage: at a
 * million buyers there are ~500k distinct (frequency, recency, tenure) triples
 * and a simplex search needs ~10³ likelihood evaluations. On a copy with
 * times rounded to a grid (≤ `maxGroups` groups) the likelihood surface is
 * nearly the same, so the search lands next to the optimum; the Newton
 * polish then runs on the exact data, so the reported fit is exact.
 */
import { groupTriples } from "./group-customers.ts";
import type { RfmColumns, SpendColumns } from "./types.ts";

/** Groups below which coarsening is not worth it (the exact data is used). */
export const SCREENING_GROUPS = 5_000;

/**
 * `data` with recency and tenure rounded to the finest grid h·k (h doubling
 * from max tenure / 64, each try a pass over the data) that leaves at most
 * `maxGroups` groups; counts are summed. Frequency stays exact, and rounding is monotone, so recency ≤ tenure
 * and recency = 0 at frequency 0 still hold. Returns `data` itself when it is
 * small enough already, or undefined when no grid gets there.
 */
export function coarsenRfm(data: RfmColumns, maxGroups = SCREENING_GROUPS): RfmColumns | undefined {
  const n = data.frequency.length;
  if (n <= maxGroups) return data;
  let maxTenure = 0;
  for (let i = 0; i < n; i++) maxTenure = Math.max(maxTenure, data.tenure[i] as number);
  const recency = new Float64Array(n);
  const tenure = new Float64Array(n);
  for (let step = maxTenure / 64; step > 0 && step <= maxTenure; step *= 2) {
    for (let i = 0; i < n; i++) {
      recency[i] = step * Math.round((data.recency[i] as number) / step);
      tenure[i] = step * Math.round((data.tenure[i] as number) / step);
    }
    const { groups } = groupTriples(data.frequency, recency, tenure, data.count);
    if (groups.count.length <= maxGroups) return groups;
  }
  return undefined;
}

/**
 * `data` with monetary values rounded on a log grid (relative width doubling
 * from 2 %) until at most `maxGroups` (frequency, monetary) groups remain;
 * counts are summed. Only for positive monetary values. Returns `data` itself
 * when small enough, or undefined when no grid gets there.
 */
export function coarsenSpend(
  data: SpendColumns,
  maxGroups = SCREENING_GROUPS,
): SpendColumns | undefined {
  const n = data.frequency.length;
  if (n <= maxGroups) return data;
  const logMonetary = Float64Array.from(data.monetary, Math.log);
  const monetary = new Float64Array(n);
  const zeros = new Float64Array(n);
  for (let width = 0.02; width <= 64; width *= 2) {
    for (let i = 0; i < n; i++) {
      monetary[i] = Math.exp(width * Math.round((logMonetary[i] as number) / width));
    }
    const { groups } = groupTriples(data.frequency, monetary, zeros, data.count);
    if (groups.count.length <= maxGroups) {
      return { frequency: groups.frequency, monetary: groups.recency, count: groups.count };
    }
  }
  return undefined;
}
