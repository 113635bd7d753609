/**
 * Predicted CLV (SPEC §3 `mart_clv`, `mart_clv_model`): BG/NBD and
 * Gamma-Gamma (Fader, Hardie & Lee 2005) fitted by maximum likelihood and
 * scored per customer. The public surface of `src/clv`.
 */
export { bgNbdLogLikelihood, prepareBgNbdLikelihood } from "./bgnbd-likelihood.ts";
export {
  type BgNbdScores,
  conditionalPurchaseFactor,
  expectedPurchases,
  pAlive,
  scoreBgNbd,
} from "./bgnbd-score.ts";
export {
  type ClvFitInput,
  type ClvModel,
  type ClvParams,
  type ClvScores,
  clvParams,
  fitClv,
  fitClvToCustomers,
  type ScoreClvOptions,
  scoreClv,
} from "./clv-model.ts";
export { rfmColumns, spendColumns } from "./columns.ts";
export { fitBgNbd } from "./fit-bgnbd.ts";
export { fitGammaGamma, spendModelGroups } from "./fit-gamma-gamma.ts";
export { gammaGammaLogLikelihood, prepareGammaGammaLikelihood } from "./gamma-gamma-likelihood.ts";
export { conditionalExpectedSpend } from "./gamma-gamma-score.ts";
export { type CustomerColumns, type GroupedCustomers, groupCustomers } from "./group-customers.ts";
export { logHyp2f1 } from "./log-hyp2f1.ts";
export type { MaximizeOptions } from "./maximize-likelihood.ts";
export {
  type CustomerStatistics,
  dayNumber,
  type Purchase,
  sufficientStatistics,
} from "./sufficient-statistics.ts";
export type {
  BgNbdParams,
  FitResult,
  GammaGammaParams,
  PreparedLikelihood,
  RfmColumns,
  RfmTriple,
  SpendColumns,
  SpendPair,
} from "./types.ts";
