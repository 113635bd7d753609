/**
 * Nelder-Mead downhill simplex minimiser (standard coefficients: reflection 1,
 * expansion 2, contraction ½, shrink ½). Derivative-free and robust far from
 * the optimum, which is what the CLV fits need before a Newton polish.
 */

/** Tuning of `nelderMead`. */
export interface NelderMeadOptions {
  /** Edge length of the initial simplex along each axis (default 0.5). */
  readonly initialStep?: number;
  /** Stop when (f_worst − f_best) ≤ this × (|f_best| + 1e-300) … (default 1e-10). */
  readonly fTolerance?: number;
  /** … and every vertex is within this distance of the best on each axis (default 1e-8). */
  readonly xTolerance?: number;
  /** Iteration budget (default 200 × dimension). */
  readonly maxIterations?: number;
}

/** Outcome of `nelderMead`; `converged` is false when the budget ran out first. */
export interface NelderMeadResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/**
 * Minimises `f` from `start`. Non-finite values count as +∞, so a region where
 * the objective is undefined simply repels the simplex.
 *
 * @example
 * nelderMead((x) => (x[0]! - 1) ** 2 + (x[1]! + 2) ** 2, [0, 0]).x; // ≈ [1, −2]
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const n = start.length;
  const step = options.initialStep ?? 0.5;
  const fTolerance = options.fTolerance ?? 1e-10;
  const xTolerance = options.xTolerance ?? 1e-8;
  const maxIterations = options.maxIterations ?? 200 * n;
  let evaluations = 0;
  const evaluate = (x: Float64Array): number => {
    evaluations++;
    const value = f(x);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };

  const vertices: Float64Array[] = [];
  const values: number[] = [];
  for (let i = 0; i <= n; i++) {
    const vertex = Float64Array.from(start);
    if (i > 0) vertex[i - 1] = (vertex[i - 1] as number) + step;
    vertices.push(vertex);
    values.push(evaluate(vertex));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const along = (t: number): Float64Array => {
    // centroid + t·(centroid − worst)
    const worst = vertices[order[n] as number] as Float64Array;
    const point = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const cj = centroid[j] as number;
      point[j] = cj + t * (cj - (worst[j] as number));
    }
    return point;
  };
  const replaceWorst = (point: Float64Array, value: number): void => {
    const worstIndex = order[n] as number;
    vertices[worstIndex] = point;
    values[worstIndex] = value;
  };

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    order.sort((i, j) => (values[i] as number) - (values[j] as number));
    const best = order[0] as number;
    const worst = order[n] as number;
    const fBest = values[best] as number;
    const fWorst = values[worst] as number;
    if (fWorst - fBest <= fTolerance * (Math.abs(fBest) + 1e-300)) {
      const bestVertex = vertices[best] as Float64Array;
      let spread = 0;
      for (const vertex of vertices) {
        for (let j = 0; j < n; j++) {
          spread = Math.max(spread, Math.abs((vertex[j] as number) - (bestVertex[j] as number)));
        }
      }
      if (spread <= xTolerance || fWorst === fBest) {
        converged = true;
        break;
      }
    }
    iterations++;

    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const vertex = vertices[order[k] as number] as Float64Array;
      for (let j = 0; j < n; j++) centroid[j] = (centroid[j] as number) + (vertex[j] as number) / n;
    }
    const fSecondWorst = values[order[n - 1] as number] as number;
    const reflected = along(1);
    const fReflected = evaluate(reflected);
    if (fReflected < fBest) {
      const expanded = along(2);
      const fExpanded = evaluate(expanded);
      if (fExpanded < fReflected) replaceWorst(expanded, fExpanded);
      else replaceWorst(reflected, fReflected);
      continue;
    }
    if (fReflected < fSecondWorst) {
      replaceWorst(reflected, fReflected);
      continue;
    }
    // Contract outside when the reflection beat the worst vertex, inside otherwise.
    const outside = fReflected < fWorst;
    const contracted = along(outside ? 0.5 : -0.5);
    const fContracted = evaluate(contracted);
    if (fContracted < (outside ? fReflected : fWorst)) {
      replaceWorst(contracted, fContracted);
      continue;
    }
    const bestVertex = vertices[best] as Float64Array;
    for (let k = 1; k <= n; k++) {
      const index = order[k] as number;
      const vertex = vertices[index] as Float64Array;
      for (let j = 0; j < n; j++) {
        const bj = bestVertex[j] as number;
        vertex[j] = bj + 0.5 * ((vertex[j] as number) - bj);
      }
      values[index] = evaluate(vertex);
    }
  }
  order.sort((i, j) => (values[i] as number) - (values[j] as number));
  const best = order[0] as number;
  return {
    x: Float64Array.from(vertices[best] as Float64Array),
    value: values[best] as number,
    iterations,
    evaluations,
    converged,
  };
}
