/**
 * Newton-Raphson polish of a maximum found roughly by Nelder-Mead: uses the
 * analytic gradient and a Hessian from central differences of it, with a
 * Levenberg shift when the Hessian is not negative definite and a
 * backtracking line search, so every accepted step increases the objective.
 */

/** Returns f(x) and writes ∇f(x) into `gradient` (same length as x). */
export type ValueAndGradient = (x: Float64Array, gradient: Float64Array) => number;

/** Tuning of `newtonPolish`. */
export interface NewtonPolishOptions {
  /** Converged once a full Newton step would raise f by at most this × |f| (default 1e-10). */
  readonly relativeTolerance?: number;
  /** Iteration budget (default 100). */
  readonly maxIterations?: number;
  /** Finite-difference step of the Hessian, in units of x (default 1e-5). */
  readonly hessianStep?: number;
}

/** Outcome of `newtonPolish`. */
export interface NewtonPolishResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  /** Hessian at `x` (rows), as used for standard errors. */
  readonly hessian: readonly Float64Array[];
  readonly iterations: number;
  readonly converged: boolean;
  readonly message: string;
}

/**
 * Hessian of f at x by central differences of its analytic gradient,
 * symmetrised (rows; n = x.length; 2n gradient evaluations).
 */
export function numericHessian(fg: ValueAndGradient, x: Float64Array, step = 1e-5): Float64Array[] {
  const n = x.length;
  const rows = Array.from({ length: n }, () => new Float64Array(n));
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const shifted = Float64Array.from(x);
    shifted[j] = (x[j] as number) + step;
    fg(shifted, plus);
    shifted[j] = (x[j] as number) - step;
    fg(shifted, minus);
    for (let i = 0; i < n; i++) {
      (rows[i] as Float64Array)[j] = ((plus[i] as number) - (minus[i] as number)) / (2 * step);
    }
  }
  for (let i = 0; i < n; i++) {
    const rowI = rows[i] as Float64Array;
    for (let j = 0; j < i; j++) {
      const rowJ = rows[j] as Float64Array;
      const mean = ((rowI[j] as number) + (rowJ[i] as number)) / 2;
      rowI[j] = mean;
      rowJ[i] = mean;
    }
  }
  return rows;
}

/**
 * Cholesky factor L (lower, row-major n×n) of the symmetric matrix `m` + shift·I,
 * or undefined when that matrix is not positive definite.
 */
export function cholesky(m: readonly Float64Array[], shift = 0): Float64Array | undefined {
  const n = m.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (m[i] as Float64Array)[j] as number;
      if (i === j) sum += shift;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / (l[j * n + j] as number);
      }
    }
  }
  return l;
}

/** Solves (L Lᵀ) y = rhs for a Cholesky factor from `cholesky`. */
export function choleskySolve(l: Float64Array, rhs: ArrayLike<number>): Float64Array {
  const n = rhs.length;
  const y = Float64Array.from(rhs);
  for (let i = 0; i < n; i++) {
    let sum = y[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = sum / (l[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] as number) * (y[k] as number);
    y[i] = sum / (l[i * n + i] as number);
  }
  return y;
}

/** −m, for turning the Hessian of a maximisation into a positive-definite matrix. */
function negate(m: readonly Float64Array[]): Float64Array[] {
  return m.map((row) => row.map((value) => -value));
}

/**
 * Maximises f from `start` by damped Newton steps. Converged means −H is
 * positive definite (a proper local maximum) and the Newton decrement ½gᵀ(−H)⁻¹g,
 * the rise a full step would still bring, is at most relativeTolerance × |f|:
 * the log-likelihood would change by less than that, the SPEC stopping rule.
 */
export function newtonPolish(
  fg: ValueAndGradient,
  start: ArrayLike<number>,
  options: NewtonPolishOptions = {},
): NewtonPolishResult {
  const tolerance = options.relativeTolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 100;
  const step = options.hessianStep ?? 1e-5;
  const n = start.length;
  let x = Float64Array.from(start);
  let gradient = new Float64Array(n);
  let value = fg(x, gradient);
  const result = (
    iterations: number,
    converged: boolean,
    message: string,
    hessian: Float64Array[],
  ) => ({
    x,
    value,
    gradient,
    hessian,
    iterations,
    converged,
    message,
  });
  if (!Number.isFinite(value)) return result(0, false, "objective not finite at start", []);

  for (let iteration = 0; ; iteration++) {
    const hessian = numericHessian(fg, x, step);
    const information = negate(hessian);
    const factor = cholesky(information);
    if (factor) {
      const decrement = 0.5 * dot(gradient, choleskySolve(factor, gradient));
      if (decrement <= tolerance * Math.abs(value)) {
        // Converged. One more full step costs one evaluation and, Newton being
        // quadratic, buys most of the remaining digits of the parameters.
        const direction = choleskySolve(factor, gradient);
        const finalX = x.map((xi, i) => xi + (direction[i] as number));
        const finalGradient = new Float64Array(n);
        const finalValue = fg(finalX, finalGradient);
        if (finalValue >= value) {
          x = finalX;
          gradient = finalGradient;
          value = finalValue;
        }
        return result(iteration, true, "converged", hessian);
      }
    }
    if (iteration >= maxIterations) {
      return result(
        iteration,
        false,
        `no convergence in ${maxIterations} Newton iterations`,
        hessian,
      );
    }
    // Levenberg shift: grow μ until −H + μI is positive definite, giving an ascent direction.
    let shifted = factor;
    const scale = Math.max(...information.map((row, i) => Math.abs(row[i] as number)), 1e-12);
    for (let mu = scale * 1e-8; !shifted && mu < scale * 1e12; mu *= 10) {
      shifted = cholesky(information, mu);
    }
    if (!shifted) return result(iteration, false, "Hessian not finite", hessian);
    const direction = choleskySolve(shifted, gradient);
    const slope = dot(gradient, direction);
    let accepted = false;
    let fullStepChange = Number.NaN;
    for (let t = 1; t > 1e-10; t /= 2) {
      const candidate = x.map((xi, i) => xi + t * (direction[i] as number));
      const candidateGradient = new Float64Array(n);
      const candidateValue = fg(candidate, candidateGradient);
      if (t === 1) fullStepChange = candidateValue - value;
      // Armijo: demand a rise of at least a small fraction of the linear prediction.
      if (Number.isFinite(candidateValue) && candidateValue >= value + 1e-4 * t * slope) {
        x = candidate;
        gradient = candidateGradient;
        value = candidateValue;
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // No step raises f enough any more. That is convergence only at a proper
      // maximum where even the full step changes f by less than the tolerance
      // (rounding noise in f then hides the last, tiny rise).
      const ok = factor !== undefined && Math.abs(fullStepChange) <= tolerance * Math.abs(value);
      return result(
        iteration,
        ok,
        ok
          ? "converged (at rounding limit)"
          : "line search found no increase: flat or ill-conditioned likelihood, parameters may be diverging",
        hessian,
      );
    }
  }
}

function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += (u[i] as number) * (v[i] as number);
  return sum;
}
