/**
 * Predicted customer lifetime value end to end: fit BG/NBD and Gamma-Gamma,
 * then score customers (SPEC §3 `mart_clv`, `mart_clv_model`).
 */
import { scoreBgNbd } from "./bgnbd-score.ts";
import { fitBgNbd } from "./fit-bgnbd.ts";
import { fitGammaGamma } from "./fit-gamma-gamma.ts";
import { conditionalExpectedSpend } from "./gamma-gamma-score.ts";
import { type CustomerColumns, groupCustomers } from "./group-customers.ts";
import type { MaximizeOptions } from "./maximize-likelihood.ts";
import type {
  BgNbdParams,
  FitResult,
  GammaGammaParams,
  RfmColumns,
  SpendColumns,
} from "./types.ts";

/** Both fits of one model run; each carries its own `converged` flag. */
export interface ClvModel {
  readonly bgnbd: FitResult<BgNbdParams>;
  readonly gammaGamma: FitResult<GammaGammaParams>;
}

/** The parameters scoring needs (e.g. read back from `mart_clv_model`). */
export interface ClvParams {
  readonly bgnbd: BgNbdParams;
  readonly gammaGamma: GammaGammaParams;
}

/**
 * Fit input already aggregated (the production path: SQL groups buyers).
 * `spend` may hold every buyer; only frequency > 0 and monetary > 0 are used.
 */
export interface ClvFitInput {
  readonly rfm: RfmColumns;
  readonly spend: SpendColumns;
}

/**
 * Fits BG/NBD on all groups of `input.rfm` and Gamma-Gamma on the spend groups
 * with frequency > 0 and monetary > 0. Never throws for non-convergence.
 *
 * @example
 * const model = fitClv({ rfm, spend });
 * model.bgnbd.params.alpha; // per time unit of rfm's recency and tenure
 */
export function fitClv(input: ClvFitInput, options: MaximizeOptions = {}): ClvModel {
  return {
    bgnbd: fitBgNbd(input.rfm, options),
    gammaGamma: fitGammaGamma(input.spend, options),
  };
}

/** `fitClv` from per-customer statistics: groups them first. */
export function fitClvToCustomers(
  customers: CustomerColumns,
  options: MaximizeOptions = {},
): ClvModel {
  const { groups } = groupCustomers(customers);
  const ones = new Float64Array(customers.frequency.length).fill(1);
  return fitClv(
    {
      rfm: groups,
      spend: { frequency: customers.frequency, monetary: customers.monetary, count: ones },
    },
    options,
  );
}

/** The parameter part of a model, for scoring. */
export function clvParams(model: ClvModel): ClvParams {
  return { bgnbd: model.bgnbd.params, gammaGamma: model.gammaGamma.params };
}

/** Options of `scoreClv`. */
export interface ScoreClvOptions {
  /** Prediction horizon, in the time unit of the statistics (SPEC: clvHorizonDays, default 90). */
  readonly horizon: number;
  /** Gross margin applied to predicted revenue (SPEC setting `margin`, default 1). */
  readonly margin?: number;
}

/** Per-customer predictions, index for index with the scored customers (the `mart_clv` measures). */
export interface ClvScores {
  readonly pAlive: Float64Array;
  readonly expectedPurchases: Float64Array;
  /** Gamma-Gamma conditional mean spend per purchase; NaN when undefined (x = 0 and q ≤ 1). */
  readonly expectedAvgRevenue: Float64Array;
  /** expectedPurchases × expectedAvgRevenue × margin. */
  readonly predictedClv: Float64Array;
}

/**
 * Scores every customer: BG/NBD per distinct (frequency, recency, tenure)
 * triple mapped back to customers, Gamma-Gamma per customer.
 *
 * @example
 * const scores = scoreClv(clvParams(model), customers, { horizon: 90, margin: 0.3 });
 * scores.predictedClv[0];
 */
export function scoreClv(
  params: ClvParams,
  customers: CustomerColumns,
  options: ScoreClvOptions,
): ClvScores {
  const margin = options.margin ?? 1;
  const n = customers.frequency.length;
  const { groups, groupOf } = groupCustomers(customers);
  const byGroup = scoreBgNbd(params.bgnbd, groups, options.horizon);
  const pAlive = new Float64Array(n);
  const expectedPurchases = new Float64Array(n);
  const expectedAvgRevenue = new Float64Array(n);
  const predictedClv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const group = groupOf[i] as number;
    const purchases = byGroup.expectedPurchases[group] as number;
    const spend = conditionalExpectedSpend(
      params.gammaGamma,
      customers.frequency[i] as number,
      customers.monetary[i] as number,
    );
    pAlive[i] = byGroup.pAlive[group] as number;
    expectedPurchases[i] = purchases;
    expectedAvgRevenue[i] = spend;
    predictedClv[i] = purchases * spend * margin;
  }
  return { pAlive, expectedPurchases, expectedAvgRevenue, predictedClv };
}
