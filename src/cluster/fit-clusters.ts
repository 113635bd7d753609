import { Random } from "../generate/random.ts";
import {
  type KMeansFit,
  kMeans,
  kMeansPlusPlus,
  lloyd,
  nearestCentre,
  pointCount,
  type WeightedPoints,
} from "./kmeans.ts";
import { mean, silhouettes } from "./silhouette.ts";

/** What `fitClusters` needs: every distinct feature vector and a sample of buyers. */
export interface ClusterInput {
  /** Distinct standardised feature vectors, weighted by how many buyers share each. */
  readonly points: WeightedPoints;
  /** mart_rfm.monetary of each point (equal for all buyers of a point), to number clusters. */
  readonly monetary: Float64Array;
  /** Features of the sampled buyers (at most 10,000, one row each), for the silhouette. */
  readonly sample: Float64Array;
  /** Largest k tried (the `maxClusters` setting); k runs from 2. */
  readonly maxClusters: number;
}

export interface ClusterFitOptions {
  /** k-means++ starts per k (scikit-learn's n_init). */
  readonly restarts?: number;
  /** More distinct points than this: starts run on a subsample, the best are refined on all. */
  readonly restartSampleSize?: number;
  /**
   * How many of the best subsample starts are refined on all points (default
   * 1: refining the best three found the same inertia to 7 digits at 180k
   * and 1M points, in twice the time).
   */
  readonly refined?: number;
  /**
   * A subsample start stops when an iteration lowers its inertia by less
   * than this (relative), as scikit-learn's default `tol` stops its starts
   * early: the starts only rank basins, and the refinement below settles
   * the best of them.
   */
  readonly startTolerance?: number;
  /**
   * Refinement on all points stops when an iteration lowers the inertia by
   * less than this (relative): near the optimum a million points keep
   * trading a few labels for hundreds of iterations worth nothing.
   */
  readonly tolerance?: number;
  readonly seed?: number;
}

/** One candidate k: its inertia on all points and its mean silhouette on the sample. */
export interface ClusterCandidate {
  readonly k: number;
  readonly inertia: number;
  readonly silhouette: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** The chosen clustering, clusters numbered 0..k−1 by ascending mean monetary. */
export interface ClusterFit {
  readonly k: number;
  /** Row-major k × d centres in standardised units. */
  readonly centres: Float64Array;
  /** Cluster of each point; ties go to the smaller cluster number. */
  readonly labels: Int32Array;
  readonly inertia: number;
  /** Mean silhouette over the sample. */
  readonly silhouette: number;
  /** Mean silhouette of each cluster's sampled members; NaN when none was sampled. */
  readonly clusterSilhouettes: Float64Array;
  /** Sampled buyers in each cluster. */
  readonly sampledMembers: Float64Array;
  readonly candidates: readonly ClusterCandidate[];
}

/**
 * k-means on all points for each k in 2..maxClusters, and the k whose
 * clustering has the largest mean silhouette on the sample (ties: the
 * smaller k). Each k keeps the best of `restarts` k-means++ starts refined
 * by Lloyd iterations; on more than `restartSampleSize` distinct points the
 * starts run on a deterministic subsample until their inertia nearly
 * settles (`startTolerance`), and the best (`refined` of them, one by
 * default) are then iterated on all points until the inertia settles
 * (relative change below `tolerance`), which keeps a million buyers to
 * seconds. Returns null when fewer than two distinct points leave nothing
 * to split.
 *
 * @example
 * const fit = fitClusters({ points, monetary, sample, maxClusters: 6 });
 */
export function fitClusters(
  input: ClusterInput,
  options: ClusterFitOptions = {},
): ClusterFit | null {
  const { points, sample } = input;
  const d = points.dimensions;
  const n = pointCount(points);
  const kMax = Math.min(input.maxClusters, n);
  if (kMax < 2) return null;
  const seed = options.seed ?? 20_151_015;
  const restarts = options.restarts ?? 10;
  const restartSampleSize = options.restartSampleSize ?? 20_000;
  const subsample = n > restartSampleSize ? subsamplePoints(points, restartSampleSize, seed) : null;

  const fits: KMeansFit[] = [];
  for (let k = 2; k <= kMax; k++) {
    if (subsample === null) {
      fits.push(kMeans(points, k, { restarts, seed }));
      continue;
    }
    const random = new Random(seed, k);
    const starts: KMeansFit[] = [];
    for (let start = 0; start < restarts; start++)
      starts.push(
        lloyd(subsample, kMeansPlusPlus(subsample, k, random), 300, options.startTolerance ?? 1e-4),
      );
    starts.sort((a, b) => a.inertia - b.inertia);
    let best: KMeansFit | undefined;
    for (const start of starts.slice(0, Math.max(1, options.refined ?? 1))) {
      const fit = lloyd(points, start.centres, 300, options.tolerance ?? 1e-7);
      if (best === undefined || fit.inertia < best.inertia) best = fit;
    }
    fits.push(best as KMeansFit);
  }

  const sampleSize = sample.length / d;
  const samplePoints = { dimensions: d, coordinates: sample };
  const labelSample = (centres: Float64Array, k: number) => {
    const labels = new Int32Array(sampleSize);
    for (let i = 0; i < sampleSize; i++) labels[i] = nearestCentre(sample, i, centres, k, d);
    return labels;
  };
  const fittedLabels = fits.map((fit) => labelSample(fit.centres, fit.k));
  const values = silhouettes(
    samplePoints,
    fits.map((fit, i) => ({ k: fit.k, labels: fittedLabels[i] as Int32Array })),
  );
  const scores = values.map(mean);
  const candidates = fits.map((fit, i) => ({
    k: fit.k,
    inertia: fit.inertia,
    silhouette: scores[i] as number,
    iterations: fit.iterations,
    converged: fit.converged,
  }));
  let chosen = 0;
  for (let i = 1; i < candidates.length; i++) {
    // NaN (an empty sample) never wins over a number; equal scores keep the smaller k.
    const score = (candidates[i] as ClusterCandidate).silhouette;
    const best = (candidates[chosen] as ClusterCandidate).silhouette;
    if (score > best || (Number.isNaN(best) && !Number.isNaN(score))) chosen = i;
  }
  const fit = fits[chosen] as KMeansFit;
  const order = monetaryOrder(fit, input.monetary, points.weights);
  const k = fit.k;
  const centres = new Float64Array(k * d);
  order.forEach((old, c) => {
    for (let t = 0; t < d; t++) centres[c * d + t] = fit.centres[old * d + t] as number;
  });

  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = nearestCentre(points.coordinates, i, centres, k, d);
  const sampleLabels = labelSample(centres, k);
  // Renumbering moves no sampled point (unless one is exactly as near to two
  // centres): its silhouettes are then those already computed, as a
  // silhouette does not depend on how clusters are numbered.
  const renumbered = new Int32Array(k);
  order.forEach((old, c) => {
    renumbered[old] = c;
  });
  const fitted = fittedLabels[chosen] as Int32Array;
  const moved = sampleLabels.some((label, i) => label !== renumbered[fitted[i] as number]);
  const sampleValues = moved
    ? (silhouettes(samplePoints, [{ k, labels: sampleLabels }])[0] as Float64Array)
    : (values[chosen] as Float64Array);
  const clusterSilhouettes = new Float64Array(k);
  const sampledMembers = new Float64Array(k);
  for (let i = 0; i < sampleSize; i++) {
    const label = sampleLabels[i] as number;
    clusterSilhouettes[label] = (clusterSilhouettes[label] as number) + (sampleValues[i] as number);
    sampledMembers[label] = (sampledMembers[label] as number) + 1;
  }
  for (let c = 0; c < k; c++)
    clusterSilhouettes[c] = (clusterSilhouettes[c] as number) / (sampledMembers[c] as number);

  return {
    k,
    centres,
    labels,
    inertia: fit.inertia,
    silhouette: mean(sampleValues),
    clusterSilhouettes,
    sampledMembers,
    candidates,
  };
}

/**
 * The fitted clusters in ascending order of their members' weighted mean
 * monetary (ties: fitted order): cluster c of the result is fitted cluster
 * `order[c]`.
 */
function monetaryOrder(fit: KMeansFit, monetary: Float64Array, weights: Float64Array): number[] {
  const total = new Float64Array(fit.k);
  const mass = new Float64Array(fit.k);
  for (let i = 0; i < fit.labels.length; i++) {
    const label = fit.labels[i] as number;
    total[label] = (total[label] as number) + (weights[i] as number) * (monetary[i] as number);
    mass[label] = (mass[label] as number) + (weights[i] as number);
  }
  const meanOf = (c: number) => (total[c] as number) / (mass[c] as number);
  return [...Array(fit.k).keys()].sort((a, b) => meanOf(a) - meanOf(b) || a - b);
}

/** A deterministic uniform subsample of `size` distinct points, weights kept. */
function subsamplePoints(points: WeightedPoints, size: number, seed: number): WeightedPoints {
  const d = points.dimensions;
  const n = pointCount(points);
  const random = new Random(seed, 0);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  // Partial Fisher-Yates: the first `size` slots end up a uniform sample.
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random.next() * (n - i));
    const swap = index[i] as number;
    index[i] = index[j] as number;
    index[j] = swap;
  }
  const chosen = index.slice(0, size).sort();
  const coordinates = new Float64Array(size * d);
  const weights = new Float64Array(size);
  chosen.forEach((source, i) => {
    for (let t = 0; t < d; t++)
      coordinates[i * d + t] = points.coordinates[source * d + t] as number;
    weights[i] = points.weights[source] as number;
  });
  return { dimensions: d, coordinates, weights };
}
