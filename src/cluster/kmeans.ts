import { Random } from "../generate/random.ts";

/**
 * Weighted points in `dimensions` dimensions, row-major: point i is
 * `coordinates[i·d … i·d + d − 1]` and stands for `weights[i]` identical
 * observations (buyers with the same features are one point).
 */
export interface WeightedPoints {
  readonly dimensions: number;
  readonly coordinates: Float64Array;
  readonly weights: Float64Array;
}

/** A k-means solution: centres (row-major, k × d), one label per point, weighted inertia. */
export interface KMeansFit {
  readonly k: number;
  readonly centres: Float64Array;
  readonly labels: Int32Array;
  /** Σ weight × squared distance to the point's centre. */
  readonly inertia: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export interface KMeansOptions {
  /** k-means++ starts; the best local optimum wins (scikit-learn's `n_init`). */
  readonly restarts?: number;
  readonly seed?: number;
  /** Lloyd iterations per start. */
  readonly maxIterations?: number;
}

/** Number of points of a point set. */
export function pointCount(points: WeightedPoints): number {
  return points.weights.length;
}

function squaredDistance(
  a: Float64Array,
  i: number,
  b: Float64Array,
  j: number,
  dimensions: number,
): number {
  let sum = 0;
  for (let t = 0; t < dimensions; t++) {
    const difference = (a[i * dimensions + t] as number) - (b[j * dimensions + t] as number);
    sum += difference * difference;
  }
  return sum;
}

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's
 * 2 + ⌊ln k⌋ candidates per step, the one that lowers the potential most
 * kept): centres drawn with probability ∝ weight × squared distance to
 * the nearest centre chosen so far.
 */
export function kMeansPlusPlus(points: WeightedPoints, k: number, random: Random): Float64Array {
  const { dimensions: d, coordinates: x, weights: w } = points;
  const n = pointCount(points);
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const cumulative = new Float64Array(n);

  const drawIndex = (scores: Float64Array): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += scores[i] as number;
      cumulative[i] = total;
    }
    if (!(total > 0)) return Math.floor(random.next() * n);
    const target = random.next() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((cumulative[mid] as number) > target) high = mid;
      else low = mid + 1;
    }
    return low;
  };

  const first = drawIndex(w);
  for (let t = 0; t < d; t++) centres[t] = x[first * d + t] as number;
  const closest = new Float64Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    closest[i] = squaredDistance(x, i, centres, 0, d);
    scores[i] = (w[i] as number) * (closest[i] as number);
  }
  // Two buffers that trade places when a candidate wins: no copy per winning candidate.
  let candidateClosest = new Float64Array(n);
  let bestClosest = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestCandidate = -1;
    let bestPotential = Number.POSITIVE_INFINITY;
    for (let trial = 0; trial < trials; trial++) {
      const candidate = drawIndex(scores);
      let potential = 0;
      for (let i = 0; i < n; i++) {
        const distance = Math.min(closest[i] as number, squaredDistance(x, i, x, candidate, d));
        candidateClosest[i] = distance;
        potential += (w[i] as number) * distance;
      }
      if (potential < bestPotential) {
        bestPotential = potential;
        bestCandidate = candidate;
        [bestClosest, candidateClosest] = [candidateClosest, bestClosest];
      }
    }
    for (let t = 0; t < d; t++) centres[c * d + t] = x[bestCandidate * d + t] as number;
    closest.set(bestClosest);
    for (let i = 0; i < n; i++) scores[i] = (w[i] as number) * (closest[i] as number);
  }
  return centres;
}

/** Index of the nearest centre of point i; ties go to the smaller index. */
export function nearestCentre(
  x: Float64Array,
  i: number,
  centres: Float64Array,
  k: number,
  d: number,
): number {
  let best = 0;
  let bestDistance = squaredDistance(x, i, centres, 0, d);
  for (let c = 1; c < k; c++) {
    const distance = squaredDistance(x, i, centres, c, d);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  return best;
}

/**
 * Lloyd's algorithm from the given centres until no label changes (then
 * every centre is the weighted mean of its members), until an iteration
 * lowers the inertia by less than `tolerance` (relative; 0 = only a fixed
 * point stops), or `maxIterations`. A cluster left empty takes the point
 * that is farthest from its centre.
 */
export function lloyd(
  points: WeightedPoints,
  initialCentres: Float64Array,
  maxIterations: number,
  tolerance = 0,
): KMeansFit {
  const { dimensions: d, coordinates: x, weights: w } = points;
  const n = pointCount(points);
  const k = initialCentres.length / d;
  const centres = initialCentres.slice();
  const labels = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * d);
  const mass = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  let previousInertia = Number.POSITIVE_INFINITY;
  while (iterations < maxIterations) {
    iterations++;
    let changed = 0;
    let inertia = 0;
    for (let i = 0; i < n; i++) {
      // nearestCentre inlined, with a three-feature fast path (same operations, same order):
      // this loop is the fit's cost.
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      if (d === 3) {
        const x0 = x[i * 3] as number;
        const x1 = x[i * 3 + 1] as number;
        const x2 = x[i * 3 + 2] as number;
        for (let c = 0; c < k; c++) {
          const d0 = x0 - (centres[c * 3] as number);
          const d1 = x1 - (centres[c * 3 + 1] as number);
          const d2 = x2 - (centres[c * 3 + 2] as number);
          const distance = 0 + d0 * d0 + d1 * d1 + d2 * d2;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = c;
          }
        }
      } else {
        for (let c = 0; c < k; c++) {
          const distance = squaredDistance(x, i, centres, c, d);
          if (distance < bestDistance) {
            bestDistance = distance;
            best = c;
          }
        }
      }
      inertia += (w[i] as number) * bestDistance;
      if (best !== labels[i]) {
        labels[i] = best;
        changed++;
      }
    }
    if (changed === 0) {
      converged = true;
      break;
    }
    if (tolerance > 0 && previousInertia - inertia <= tolerance * inertia) break;
    previousInertia = inertia;
    sums.fill(0);
    mass.fill(0);
    for (let i = 0; i < n; i++) {
      const label = labels[i] as number;
      const weight = w[i] as number;
      mass[label] = (mass[label] as number) + weight;
      if (d === 3) {
        // The loop below unrolled for the fit's three features: same operations, same order.
        const at = label * 3;
        sums[at] = (sums[at] as number) + weight * (x[i * 3] as number);
        sums[at + 1] = (sums[at + 1] as number) + weight * (x[i * 3 + 1] as number);
        sums[at + 2] = (sums[at + 2] as number) + weight * (x[i * 3 + 2] as number);
        continue;
      }
      for (let t = 0; t < d; t++)
        sums[label * d + t] = (sums[label * d + t] as number) + weight * (x[i * d + t] as number);
    }
    for (let c = 0; c < k; c++) {
      if ((mass[c] as number) > 0) {
        for (let t = 0; t < d; t++)
          centres[c * d + t] = (sums[c * d + t] as number) / (mass[c] as number);
        continue;
      }
      // An empty cluster restarts at the point worst served by its centre.
      let farthest = 0;
      let farthestDistance = -1;
      for (let i = 0; i < n; i++) {
        const distance = squaredDistance(x, i, centres, labels[i] as number, d);
        if (distance > farthestDistance) {
          farthestDistance = distance;
          farthest = i;
        }
      }
      for (let t = 0; t < d; t++) centres[c * d + t] = x[farthest * d + t] as number;
      labels[farthest] = c;
    }
  }
  return { k, centres, labels, inertia: inertiaOf(points, centres, labels), iterations, converged };
}

/** Σ weight × squared distance of each point to its labelled centre. */
export function inertiaOf(
  points: WeightedPoints,
  centres: Float64Array,
  labels: Int32Array,
): number {
  const { dimensions: d, coordinates: x, weights: w } = points;
  let inertia = 0;
  for (let i = 0; i < labels.length; i++)
    inertia += (w[i] as number) * squaredDistance(x, i, centres, labels[i] as number, d);
  return inertia;
}

/**
 * k-means with several deterministic k-means++ starts, each refined by
 * Lloyd iterations; the fit with the smallest inertia wins (ties: the
 * earlier start). Same points, k and seed, same result.
 *
 * @example
 * const fit = kMeans(points, 4, { restarts: 10, seed: 1 });
 */
export function kMeans(points: WeightedPoints, k: number, options: KMeansOptions = {}): KMeansFit {
  const restarts = options.restarts ?? 10;
  const random = new Random(options.seed ?? 0, k);
  let best: KMeansFit | undefined;
  for (let start = 0; start < restarts; start++) {
    const fit = lloyd(points, kMeansPlusPlus(points, k, random), options.maxIterations ?? 300);
    if (best === undefined || fit.inertia < best.inertia) best = fit;
  }
  if (best === undefined) throw new RangeError("kMeans needs at least one restart");
  return best;
}
