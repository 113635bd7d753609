/**
 * Maximum-likelihood fit of the Gamma-Gamma spend model.
 */

import { coarsenSpend } from "./coarsen-groups.ts";
import { gammaGammaTheta, prepareGammaGammaLikelihood } from "./gamma-gamma-likelihood.ts";
import { type MaximizeOptions, maximizeLogLikelihood } from "./maximize-likelihood.ts";
import type { FitResult, GammaGammaParams, SpendColumns } from "./types.ts";

/**
 * Keeps the groups the Gamma-Gamma model applies to: frequency > 0 and
 * monetary > 0 (SPEC §3: zero-revenue repeaters exist but the model needs
 * positive spend). A NaN monetary is kept, so that the likelihood rejects it loudly.
 */
export function spendModelGroups(data: SpendColumns): SpendColumns {
  const keep: number[] = [];
  for (let i = 0; i < data.frequency.length; i++) {
    if ((data.frequency[i] as number) > 0 && !((data.monetary[i] as number) <= 0)) keep.push(i);
  }
  const pick = (column: ArrayLike<number>) => Float64Array.from(keep, (i) => column[i] as number);
  return {
    frequency: pick(data.frequency),
    monetary: pick(data.monetary),
    count: pick(data.count),
  };
}

/**
 * Fits p, q, v by maximum likelihood over log-parameters on the groups with
 * frequency > 0 and monetary > 0 (others are ignored; `customers` counts the
 * ones used). Never throws for non-convergence: check `converged`.
 *
 * @example
 * fitGammaGamma({ frequency: [2, 1], monetary: [25.1, 14.9], count: [1, 1] }).params; // { p, q, v }
 */
export function fitGammaGamma(
  data: SpendColumns,
  options: MaximizeOptions = {},
): FitResult<GammaGammaParams> {
  const used = spendModelGroups(data);
  const likelihood = prepareGammaGammaLikelihood(used);
  const customers = likelihood.customers;
  if (customers === 0) return emptyFit();
  let sum = 0;
  for (let i = 0; i < used.count.length; i++) {
    sum += (used.count[i] as number) * (used.monetary[i] as number);
  }
  const meanSpend = sum / customers;
  // The population mean spend is p·v/(q−1): start every point on it.
  const start = (p: number, q: number) => gammaGammaTheta({ p, q, v: (meanSpend * (q - 1)) / p });
  const starts = [start(1, 2), start(5, 3), start(0.5, 5)].map((theta) => Array.from(theta));
  const coarse = coarsenSpend(used);
  const screening =
    coarse && coarse !== used ? prepareGammaGammaLikelihood(coarse).evaluate : undefined;
  const result = maximizeLogLikelihood(likelihood.evaluate, starts, {
    ...options,
    ...(screening ? { screening } : {}),
  });
  const [p, q, v] = Array.from(result.theta, Math.exp) as [number, number, number];
  const [ep, eq, ev] = Array.from(result.stdErrors) as [number, number, number];
  return {
    params: { p, q, v },
    logLikelihood: result.logLikelihood,
    converged: result.converged,
    iterations: result.iterations,
    customers,
    message: result.message,
    logParamStdErrors: { p: ep, q: eq, v: ev },
  };
}

function emptyFit(): FitResult<GammaGammaParams> {
  const nan = Number.NaN;
  return {
    params: { p: nan, q: nan, v: nan },
    logLikelihood: nan,
    converged: false,
    iterations: 0,
    customers: 0,
    message: "no customers with repeat purchases and positive spend to fit",
    logParamStdErrors: { p: nan, q: nan, v: nan },
  };
}
