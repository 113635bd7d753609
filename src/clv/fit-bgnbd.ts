/**
 * Maximum-likelihood fit of the BG/NBD model to aggregated RFM groups.
 */
import { bgNbdTheta, prepareBgNbdLikelihood } from "./bgnbd-likelihood.ts";
import { coarsenRfm } from "./coarsen-groups.ts";
import { type MaximizeOptions, maximizeLogLikelihood } from "./maximize-likelihood.ts";
import type { BgNbdParams, FitResult, RfmColumns } from "./types.ts";

/**
 * Fits r, α, a, b by maximum likelihood over log-parameters from three
 * starting points scaled to the data (α from the mean purchase rate, so the
 * time unit does not matter). Never throws for non-convergence: check
 * `converged`. Throws an InputError for invalid groups.
 *
 * @example
 * const fit = fitBgNbd({ frequency: [0, 2], recency: [0, 30.43], tenure: [38.86, 38.86], count: [1411, 946] });
 * if (!fit.converged) console.warn(fit.message);
 */
export function fitBgNbd(data: RfmColumns, options: MaximizeOptions = {}): FitResult<BgNbdParams> {
  const likelihood = prepareBgNbdLikelihood(data);
  const customers = likelihood.customers;
  if (customers === 0) return emptyFit();
  let sumX = 0;
  let sumT = 0;
  for (let i = 0; i < data.count.length; i++) {
    sumX += (data.count[i] as number) * (data.frequency[i] as number);
    sumT += (data.count[i] as number) * (data.tenure[i] as number);
  }
  // E[rate] = r/α ≈ x̄/T̄ ignoring dropout; a tiny floor keeps α finite when nobody came back.
  const meanRate = Math.max(sumX / Math.max(sumT, 1e-12), 1e-9);
  const start = (r: number, a: number, b: number) => bgNbdTheta({ r, alpha: r / meanRate, a, b });
  const starts = [start(1, 1, 1), start(0.3, 0.8, 3), start(3, 3, 0.5)].map((theta) =>
    Array.from(theta),
  );
  const coarse = coarsenRfm(data);
  const screening = coarse && coarse !== data ? prepareBgNbdLikelihood(coarse).evaluate : undefined;
  const result = maximizeLogLikelihood(likelihood.evaluate, starts, {
    ...options,
    ...(screening ? { screening } : {}),
  });
  const [r, alpha, a, b] = Array.from(result.theta, Math.exp) as [number, number, number, number];
  const [er, ealpha, ea, eb] = Array.from(result.stdErrors) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: result.logLikelihood,
    converged: result.converged,
    iterations: result.iterations,
    customers,
    message: result.message,
    logParamStdErrors: { r: er, alpha: ealpha, a: ea, b: eb },
  };
}

function emptyFit(): FitResult<BgNbdParams> {
  const nan = Number.NaN;
  return {
    params: { r: nan, alpha: nan, a: nan, b: nan },
    logLikelihood: nan,
    converged: false,
    iterations: 0,
    customers: 0,
    message: "no customers to fit",
    logParamStdErrors: { r: nan, alpha: nan, a: nan, b: nan },
  };
}
