/**
 * Gamma-Gamma conditional expected average spend per transaction.
 */
import type { GammaGammaParams } from "./types.ts";

/**
 * E[mean spend | x repeat purchases of mean m] = p(v + x·m)/(p·x + q − 1): a
 * weighted average of the population mean p·v/(q−1) and the customer's own
 * mean. For x = 0 it is the population mean, which is infinite when q ≤ 1;
 * NaN is returned then (the caller reports it as null).
 *
 * @example
 * conditionalExpectedSpend({ p: 6.25, q: 3.74, v: 15.44 }, 2, 25.1); // ≈ 26.92
 */
export function conditionalExpectedSpend(
  params: GammaGammaParams,
  frequency: number,
  monetary: number,
): number {
  const { p, q, v } = params;
  const denominator = p * frequency + q - 1;
  if (!(denominator > 0)) return Number.NaN;
  return (p * (v + frequency * monetary)) / denominator;
}
