// mart_clusters and mart_cluster_summary (SPEC §3), checked from the
// clustering the SQL side chose: k-means has no unique answer, so the
// reference recomputes the standardised log RFM features itself, takes the
// SQL's clusters, and derives everything a correct fit implies — centres
// are the members' means, every buyer sits in its nearest centre's cluster
// at the stated distance, clusters are numbered by ascending mean
// monetary, and the summary's figures and silhouettes follow — then fits
// k-means itself (many plain restarts) to check the chosen k and that the
// inertia is within 1 % of its best.
import { createHash } from "node:crypto";
import { mulberry32 } from "../../support/mulberry32.ts";
import type { MartRow } from "./columns.ts";
import { compareText } from "./time.ts";

/** What the reference needs per buyer: mart_rfm's recency, frequency and monetary. */
export interface RfmBuyer {
  readonly userId: string;
  readonly recencyDays: number;
  readonly frequency: number;
  readonly monetary: number;
}

export interface ClusterCheck {
  readonly clusters: MartRow[];
  readonly summary: MartRow[];
  /** Failures of the properties that are not row values (k, inertia, numbering). */
  readonly differences: string[];
}

/** ln(1 + x) of each feature, standardised with the population sd; a constant feature is 0. */
export function standardisedFeatures(buyers: readonly RfmBuyer[]): number[][] {
  const raw = buyers.map((b) => [
    Math.log(1 + b.recencyDays),
    Math.log(1 + b.frequency),
    Math.log(1 + b.monetary),
  ]);
  const n = raw.length;
  const columns = [0, 1, 2].map((t) => raw.map((row) => row[t] as number));
  const scale = columns.map((values) => {
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const constant = values.every((value) => value === values[0]);
    return { mean, sd, constant };
  });
  return raw.map((row) =>
    row.map((value, t) => {
      const { mean, sd, constant } = scale[t] as { mean: number; sd: number; constant: boolean };
      return constant ? 0 : (value - mean) / sd;
    }),
  );
}

function squared(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let t = 0; t < a.length; t++) sum += ((a[t] as number) - (b[t] as number)) ** 2;
  return sum;
}

/** Index of the nearest centre; ties go to the smaller index. */
function nearest(point: readonly number[], centres: readonly number[][]): number {
  let best = 0;
  for (let c = 1; c < centres.length; c++)
    if (squared(point, centres[c] as number[]) < squared(point, centres[best] as number[]))
      best = c;
  return best;
}

/** Member means of each label 0..k−1 (NaN centre for an empty label). */
function meansOf(points: readonly number[][], labels: readonly number[], k: number): number[][] {
  const sums = Array.from({ length: k }, () => [0, 0, 0]);
  const counts = new Array<number>(k).fill(0);
  points.forEach((point, i) => {
    const label = labels[i] as number;
    counts[label] = (counts[label] as number) + 1;
    point.forEach((value, t) => {
      (sums[label] as number[])[t] = ((sums[label] as number[])[t] as number) + value;
    });
  });
  return sums.map((sum, c) => sum.map((value) => value / (counts[c] as number)));
}

/** Mean silhouette per point (Euclidean); 0 alone in a cluster or with one cluster only. */
export function silhouetteValues(points: readonly number[][], labels: readonly number[]): number[] {
  const k = Math.max(...labels) + 1;
  const sizes = new Array<number>(k).fill(0);
  for (const label of labels) sizes[label] = (sizes[label] as number) + 1;
  return points.map((point, i) => {
    const own = labels[i] as number;
    if ((sizes[own] as number) <= 1) return 0;
    const sums = new Array<number>(k).fill(0);
    points.forEach((other, j) => {
      if (j !== i)
        sums[labels[j] as number] =
          (sums[labels[j] as number] as number) + Math.sqrt(squared(point, other));
    });
    const a = (sums[own] as number) / ((sizes[own] as number) - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++)
      if (c !== own && (sizes[c] as number) > 0)
        b = Math.min(b, (sums[c] as number) / (sizes[c] as number));
    if (b === Number.POSITIVE_INFINITY) return 0;
    return Math.max(a, b) > 0 ? (b - a) / Math.max(a, b) : 0;
  });
}

/** Plain k-means: `restarts` k-means++ starts (D² sampling), Lloyd to convergence, best inertia. */
export function referenceKMeans(
  points: readonly number[][],
  k: number,
  restarts: number,
  seed = 1,
): { labels: number[]; inertia: number } {
  const random = mulberry32(seed * 7919 + k);
  let best = { labels: [] as number[], inertia: Number.POSITIVE_INFINITY };
  for (let start = 0; start < restarts; start++) {
    const centres: number[][] = [points[Math.floor(random() * points.length)] as number[]];
    while (centres.length < k) {
      const weights = points.map((point) => Math.min(...centres.map((c) => squared(point, c))));
      const total = weights.reduce((a, b) => a + b, 0);
      let target = random() * total;
      let chosen = points.length - 1;
      for (let i = 0; i < points.length; i++) {
        target -= weights[i] as number;
        if (target < 0) {
          chosen = i;
          break;
        }
      }
      centres.push(points[chosen] as number[]);
    }
    let labels = points.map((point) => nearest(point, centres));
    for (let iteration = 0; iteration < 500; iteration++) {
      const means = meansOf(points, labels, k).map((mean, c) =>
        mean.some(Number.isNaN) ? (centres[c] as number[]) : mean,
      );
      const next = points.map((point) => nearest(point, means));
      centres.splice(0, k, ...means);
      if (next.every((label, i) => label === labels[i])) break;
      labels = next;
    }
    const inertia = points.reduce(
      (sum, point, i) => sum + squared(point, centres[labels[i] as number] as number[]),
      0,
    );
    if (inertia < best.inertia) best = { labels, inertia };
  }
  return best;
}

/** The summary's label: each standardised centre coordinate read as low (< −0.5), middle or high (> 0.5). */
function labelOf(centre: readonly number[]): string {
  // Rounded to 6 decimals first, as SQL round(): a centre at ±0.5 must not depend on summation order.
  const [r, f, m] = centre.map(
    (value) => (Math.sign(value) * Math.round(Math.abs(value) * 1e6)) / 1e6,
  ) as [number, number, number];
  return [
    r < -0.5 ? "recent" : r > 0.5 ? "lapsed" : "cooling",
    f > 0.5 ? "frequent" : f < -0.5 ? "one-off" : "occasional",
    m > 0.5 ? "high-spend" : m < -0.5 ? "low-spend" : "mid-spend",
  ].join(" ");
}

/**
 * The expected mart_clusters and mart_cluster_summary rows given the SQL's
 * clusters (user id → cluster number), and the checks on k and inertia.
 */
export function clusters(
  buyers: readonly RfmBuyer[],
  sqlClusters: ReadonlyMap<string, number>,
  maxClusters: number,
): ClusterCheck {
  const differences: string[] = [];
  if (buyers.length < 3) return { clusters: [], summary: [], differences };
  const points = standardisedFeatures(buyers);
  // Buyers all alike leave nothing to split: both marts stay empty, as with fewer than 3 buyers.
  if (new Set(points.map((point) => point.join(","))).size < 2)
    return { clusters: [], summary: [], differences };
  const labels = buyers.map((buyer) => (sqlClusters.get(buyer.userId) ?? 0) - 1);
  if (labels.some((label) => label < 0)) {
    differences.push("mart_clusters: buyers without a cluster");
    return { clusters: [], summary: [], differences };
  }
  const k = Math.max(...labels) + 1;
  const centres = meansOf(points, labels, k);
  if (centres.some((centre) => centre.some(Number.isNaN)))
    differences.push(`mart_clusters: some of clusters 1..${k} have no member`);

  const clusterRows: MartRow[] = buyers.map((buyer, i) => {
    const point = points[i] as number[];
    const expected = nearest(point, centres);
    return {
      user_id: buyer.userId,
      cluster: expected + 1,
      distance: Math.sqrt(squared(point, centres[expected] as number[])),
    };
  });

  // The silhouette sample: the first 10,000 buyers by md5(user_id), then user_id.
  const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
  const order = buyers
    .map((buyer, i) => ({ i, hash: md5(buyer.userId), id: buyer.userId }))
    .sort((a, b) => compareText(a.hash, b.hash) || compareText(a.id, b.id))
    .slice(0, 10_000)
    .map((entry) => entry.i)
    .sort((a, b) => a - b);
  const samplePoints = order.map((i) => points[i] as number[]);
  const sampleSilhouette = (sampleLabels: number[]) => silhouetteValues(samplePoints, sampleLabels);
  const sqlSilhouettes = sampleSilhouette(order.map((i) => labels[i] as number));
  const sqlMeanSilhouette = sqlSilhouettes.reduce((a, b) => a + b, 0) / sqlSilhouettes.length;

  const totalMonetary = buyers.reduce((sum, buyer) => sum + buyer.monetary, 0);
  const summary: MartRow[] = [];
  let previousMean = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const members = buyers.filter((_, i) => labels[i] === c);
    const sampled = order
      .map((i, s) => ({ label: labels[i], value: sqlSilhouettes[s] as number }))
      .filter((entry) => entry.label === c);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const meanMonetary = mean(members.map((buyer) => buyer.monetary));
    if (meanMonetary < previousMean)
      differences.push(
        `mart_cluster_summary: cluster ${c + 1} has a smaller mean monetary than cluster ${c}`,
      );
    previousMean = meanMonetary;
    summary.push({
      cluster: c + 1,
      k,
      buyers: members.length,
      share_of_buyers: members.length / buyers.length,
      mean_recency_days: mean(members.map((buyer) => buyer.recencyDays)),
      mean_frequency: mean(members.map((buyer) => buyer.frequency)),
      mean_monetary: meanMonetary,
      revenue_share:
        totalMonetary === 0
          ? null
          : members.reduce((sum, buyer) => sum + buyer.monetary, 0) / totalMonetary,
      silhouette: sampled.length === 0 ? null : mean(sampled.map((entry) => entry.value)),
      label: labelOf(centres[c] as number[]),
    });
  }

  // The chosen k: the reference's own best fit for every k, scored on the same sample.
  const distinct = new Set(points.map((point) => point.join(","))).size;
  const sqlInertia = points.reduce(
    (sum, point, i) => sum + squared(point, centres[labels[i] as number] as number[]),
    0,
  );
  let bestK = 0;
  let bestSilhouette = Number.NEGATIVE_INFINITY;
  for (let candidate = 2; candidate <= Math.min(maxClusters, distinct); candidate++) {
    const fit = referenceKMeans(points, candidate, 20);
    const values = sampleSilhouette(order.map((i) => fit.labels[i] as number));
    const score = values.reduce((a, b) => a + b, 0) / values.length;
    if (score > bestSilhouette) {
      bestSilhouette = score;
      bestK = candidate;
    }
    if (candidate === k && sqlInertia > 1.01 * fit.inertia)
      differences.push(
        `mart_clusters: inertia ${sqlInertia} for k = ${k} is more than 1 % above the reference's ${fit.inertia}`,
      );
  }
  // Two k within a hair of each other may swap with the local optimum found; more is an error.
  if (bestK !== k && bestSilhouette - sqlMeanSilhouette > 0.005)
    differences.push(
      `mart_clusters: k = ${k} has mean silhouette ${sqlMeanSilhouette}, the reference's k = ${bestK} has ${bestSilhouette}`,
    );
  return { clusters: clusterRows, summary, differences };
}
