/**
 * Maximum likelihood over log-parameters: Nelder-Mead from several starting
 * points (each restarted on its own result until it stops improving, the usual
 * cure for a collapsed simplex), then a Newton polish of the best ones on the
 * exact objective.
 */
import { nelderMead } from "./nelder-mead.ts";
import { cholesky, choleskySolve, newtonPolish, type ValueAndGradient } from "./newton-polish.ts";

/** Tuning of `maximizeLogLikelihood`. */
export interface MaximizeOptions {
  /** SPEC: stop when the log-likelihood changes by less than this, relative (default 1e-10). */
  readonly relativeTolerance?: number;
  /** Nelder-Mead restarts per starting point after the first run (default 3). */
  readonly restarts?: number;
  /** Nelder-Mead iteration budget per run (default 200 × dimension). */
  readonly nelderMeadIterations?: number;
  /** Newton iteration budget (default 100). */
  readonly newtonIterations?: number;
  /**
   * A cheaper approximation of the objective (e.g. on coarsened data) for the
   * Nelder-Mead stage; the Newton polish always uses the exact one.
   */
  readonly screening?: ValueAndGradient;
}

/** Outcome of `maximizeLogLikelihood`, in log-parameters. */
export interface MaximizeResult {
  readonly theta: Float64Array;
  readonly logLikelihood: number;
  readonly converged: boolean;
  readonly iterations: number;
  readonly message: string;
  /** √diag((−H)⁻¹) at `theta`: asymptotic standard errors of the log-parameters (NaN if −H is singular). */
  readonly stdErrors: Float64Array;
}

/** A Nelder-Mead end point, in log-parameters, with its log-likelihood. */
interface Candidate {
  readonly theta: Float64Array;
  readonly value: number;
}

/**
 * Maximises a log-likelihood `fg` (value and gradient over log-parameters θ)
 * from each of `starts`. Never throws for a failed fit: the best point found is
 * returned with `converged = false` and a message.
 *
 * @example
 * const fit = maximizeLogLikelihood(likelihood.evaluate, [[0, 0, 0, 0]]);
 * fit.theta.map(Math.exp); // the parameters
 */
export function maximizeLogLikelihood(
  fg: ValueAndGradient,
  starts: readonly (readonly number[])[],
  options: MaximizeOptions = {},
): MaximizeResult {
  const tolerance = options.relativeTolerance ?? 1e-10;
  const dimension = starts[0]?.length ?? 0;
  let iterations = 0;
  const search = (objective: ValueAndGradient, from: readonly (readonly number[])[]) => {
    const found = simplexSearch(objective, from, options);
    iterations += found.iterations;
    return found.candidates;
  };
  const polish = (candidates: readonly Candidate[]): MaximizeResult | undefined => {
    // Polish the best simplex result; if that polish fails, the next best may
    // sit in a better-behaved basin. Keep whichever ends highest.
    let best: MaximizeResult | undefined;
    for (const candidate of candidates) {
      const polished = newtonPolish(fg, candidate.theta, {
        relativeTolerance: tolerance,
        ...(options.newtonIterations ? { maxIterations: options.newtonIterations } : {}),
      });
      iterations += polished.iterations;
      const outcome: MaximizeResult = {
        theta: polished.x,
        logLikelihood: polished.value,
        converged: polished.converged,
        iterations,
        message: polished.message,
        stdErrors: standardErrors(polished.hessian, dimension),
      };
      if (!best || !(outcome.logLikelihood <= best.logLikelihood)) best = outcome;
      if (polished.converged) break;
    }
    return best;
  };

  let best = polish(search(options.screening ?? fg, starts));
  if (options.screening && !best?.converged) {
    // The coarse surface misled the search: search the exact one from where we are.
    const from = best && Number.isFinite(best.logLikelihood) ? [Array.from(best.theta)] : starts;
    const again = polish(search(fg, from));
    if (again && (!best || again.converged || again.logLikelihood > best.logLikelihood)) {
      best = again;
    }
  }
  if (!best) {
    return {
      theta: Float64Array.from(starts[0] ?? []),
      logLikelihood: Number.NaN,
      converged: false,
      iterations,
      message: "log-likelihood not finite at any starting point",
      stdErrors: new Float64Array(dimension).fill(Number.NaN),
    };
  }
  return { ...best, iterations };
}

/**
 * Nelder-Mead from every start, each restarted on its own result (a fresh,
 * smaller simplex) until that stops improving; finite end points, best first.
 * The tolerances are loose on purpose: the Newton polish takes it from there.
 */
function simplexSearch(
  fg: ValueAndGradient,
  starts: readonly (readonly number[])[],
  options: MaximizeOptions,
): { candidates: Candidate[]; iterations: number } {
  const restarts = options.restarts ?? 3;
  const scratch = new Float64Array(starts[0]?.length ?? 0);
  const negative = (theta: Float64Array): number => -fg(theta, scratch);
  const budget = options.nelderMeadIterations
    ? { maxIterations: options.nelderMeadIterations }
    : {};
  const tolerances = { fTolerance: 1e-8, xTolerance: 1e-6, ...budget };
  let iterations = 0;
  const candidates: Candidate[] = [];
  for (const start of starts) {
    let run = nelderMead(negative, start, { initialStep: 0.5, ...tolerances });
    iterations += run.iterations;
    for (let k = 0; k < restarts; k++) {
      const again = nelderMead(negative, run.x, { initialStep: 0.1, ...tolerances });
      iterations += again.iterations;
      const improved = run.value - again.value > tolerances.fTolerance * Math.abs(run.value);
      if (again.value < run.value) run = again;
      if (!improved) break;
    }
    if (Number.isFinite(run.value)) candidates.push({ theta: run.x, value: -run.value });
  }
  candidates.sort((u, v) => v.value - u.value);
  return { candidates, iterations };
}

/** √diag((−H)⁻¹), NaN where −H is not positive definite. */
function standardErrors(hessian: readonly Float64Array[], dimension: number): Float64Array {
  const information = hessian.map((row) => row.map((value) => -value));
  const factor = information.length === dimension ? cholesky(information) : undefined;
  const errors = new Float64Array(dimension).fill(Number.NaN);
  if (!factor) return errors;
  for (let i = 0; i < dimension; i++) {
    const unit = new Float64Array(dimension);
    unit[i] = 1;
    errors[i] = Math.sqrt(choleskySolve(factor, unit)[i] as number);
  }
  return errors;
}
