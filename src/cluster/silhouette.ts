import { distinctIndex } from "../util/distinct-index.ts";

/**
 * Silhouette of every point under several labelings at once (Rousseeuw
 * 1987, Euclidean): s = (b − a) / max(a, b), with a the mean distance to
 * the other members of the point's cluster and b the smallest mean
 * distance to the members of another cluster. A point alone in its cluster,
 * or in the only cluster that has points, has silhouette 0 (scikit-learn's
 * convention).
 *
 * Choosing k among five candidates costs one O(n²) pass whose step is one
 * distance and one addition. The points are grouped into cells, one per
 * combination of labels that occurs (every labeling agrees within a cell:
 * k-means for neighbouring k nests nearly, so there are a few dozen cells,
 * not 2·3·4·5·6), and stored cell by cell, so that the distance sum from a
 * point to each cell is one tight loop over contiguous coordinates. A
 * cluster's sum is then the sum of its cells' sums. The point's distance to
 * itself is in its own cell's sum, as 0. Sums run in a fixed order (cells by
 * their first point, points by index within a cell), so the same points
 * and labelings give the same values; another set of labelings groups the
 * sums into other cells, which moves a value by a rounding error only.
 *
 * @example
 * const [s] = silhouettes({ dimensions: 1, coordinates: Float64Array.of(0, 1, 10, 11) },
 *   [{ k: 2, labels: Int32Array.of(0, 0, 1, 1) }]);
 */
export function silhouettes(
  sample: { readonly dimensions: number; readonly coordinates: Float64Array },
  labelings: readonly { readonly k: number; readonly labels: Int32Array }[],
): Float64Array[] {
  const d = sample.dimensions;
  const x = sample.coordinates;
  const n = x.length / d;
  const cells = groupIntoCells(n, labelings);
  const cellCount = cells.labels.length;
  // The coordinates cell by cell (a cell's points in index order).
  const grouped = new Float64Array(n * d);
  cells.order.forEach((point, at) => {
    grouped.set(x.subarray(point * d, point * d + d), at * d);
  });

  const sizes = labelings.map(({ k, labels }) => {
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++)
      counts[labels[i] as number] = (counts[labels[i] as number] as number) + 1;
    return counts;
  });
  const values = labelings.map(() => new Float64Array(n));
  const toCell = new Float64Array(cellCount);
  const toCluster = labelings.map(({ k }) => new Float64Array(k));
  for (let i = 0; i < n; i++) {
    for (let cell = 0; cell < cellCount; cell++) {
      const end = cells.start[cell + 1] as number;
      let sum = 0;
      if (d === 3) {
        // The general loop's operations in its order, for the three features of the fit.
        const x0 = x[i * 3] as number;
        const x1 = x[i * 3 + 1] as number;
        const x2 = x[i * 3 + 2] as number;
        for (let j = cells.start[cell] as number; j < end; j++) {
          const d0 = x0 - (grouped[j * 3] as number);
          const d1 = x1 - (grouped[j * 3 + 1] as number);
          const d2 = x2 - (grouped[j * 3 + 2] as number);
          sum += Math.sqrt(0 + d0 * d0 + d1 * d1 + d2 * d2);
        }
      } else {
        for (let j = cells.start[cell] as number; j < end; j++) {
          let squared = 0;
          for (let t = 0; t < d; t++) {
            const difference = (x[i * d + t] as number) - (grouped[j * d + t] as number);
            squared += difference * difference;
          }
          sum += Math.sqrt(squared);
        }
      }
      toCell[cell] = sum;
    }
    labelings.forEach(({ k, labels }, l) => {
      const sums = toCluster[l] as Float64Array;
      const cellLabels = cells.labels;
      sums.fill(0);
      for (let cell = 0; cell < cellCount; cell++) {
        const cluster = (cellLabels[cell] as Int32Array)[l] as number;
        sums[cluster] = (sums[cluster] as number) + (toCell[cell] as number);
      }
      const clusterSizes = sizes[l] as Float64Array;
      const own = labels[i] as number;
      const ownSize = clusterSizes[own] as number;
      if (ownSize <= 1) return;
      const a = (sums[own] as number) / (ownSize - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        if (c === own || (clusterSizes[c] as number) === 0) continue;
        b = Math.min(b, (sums[c] as number) / (clusterSizes[c] as number));
      }
      if (b === Number.POSITIVE_INFINITY) return;
      const scale = Math.max(a, b);
      (values[l] as Float64Array)[i] = scale > 0 ? (b - a) / scale : 0;
    });
  }
  return values;
}

/**
 * The cells of a set of labelings: `labels[cell][l]` is the cell's cluster
 * under labeling l, `order` lists the points cell by cell (index order
 * within a cell, cells by their first point) and cell c's points are
 * `order[start[c] … start[c + 1] − 1]`.
 */
function groupIntoCells(
  n: number,
  labelings: readonly { readonly labels: Int32Array }[],
): { labels: Int32Array[]; order: Int32Array; start: Int32Array } {
  const names = Array.from({ length: n }, (_, i) =>
    labelings.map((labeling) => labeling.labels[i] as number).join(","),
  );
  const { index: cellOf } = distinctIndex(names);
  // A cell's labels are those of its first point (cells come in first-seen order).
  const labels: Int32Array[] = [];
  for (let i = 0; i < n; i++)
    if (cellOf[i] === labels.length)
      labels.push(Int32Array.from(labelings, (labeling) => labeling.labels[i] as number));
  const start = new Int32Array(labels.length + 1);
  for (let i = 0; i < n; i++)
    start[(cellOf[i] as number) + 1] = (start[(cellOf[i] as number) + 1] as number) + 1;
  for (let cell = 0; cell < labels.length; cell++)
    start[cell + 1] = (start[cell + 1] as number) + (start[cell] as number);
  const next = start.slice(0, labels.length);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cell = cellOf[i] as number;
    order[next[cell] as number] = i;
    next[cell] = (next[cell] as number) + 1;
  }
  return { labels, order, start };
}

/** The mean of a non-empty array; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length === 0 ? Number.NaN : sum / values.length;
}
