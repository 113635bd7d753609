/**
 * Silhouette of every point under several labelings at once (Rousseeuw
 * 1987, Euclidean): s = (b − a) / max(a, b), with a the mean distance to
 * the other members of the point's cluster and b the smallest mean
 * distance to the members of another cluster. A point alone in its cluster,
 * or in the only cluster that has points, has silhouette 0 (scikit-learn's
 * convention). Each pairwise distance is computed once and shared by all
 * labelings, so choosing k among five candidates costs one O(n²) pass.
 *
 * The pass keeps, per point, one distance sum per cluster of every
 * labeling side by side in one array (2 + 3 + … + 6 = 20 sums for k in
 * 2..6), and each point the labels of every labeling as offsets into its
 * row: a pair costs one distance and two additions per labeling, with no
 * allocation and no lookup of per-labeling arrays. Each sum adds its
 * distances in increasing order of the other point, so the result does not
 * depend on how many labelings share the pass.
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
  const count = labelings.length;
  // Where each labeling's sums start in a point's row, and the row's length.
  const base = new Int32Array(count);
  let width = 0;
  labelings.forEach(({ k }, l) => {
    base[l] = width;
    width += k;
  });
  // offsets[j·count + l]: the column of j's cluster under labeling l.
  const offsets = new Int32Array(n * count);
  for (let j = 0; j < n; j++)
    for (let l = 0; l < count; l++)
      offsets[j * count + l] =
        (base[l] as number) + ((labelings[l] as { labels: Int32Array }).labels[j] as number);
  const sums = new Float64Array(n * width);
  const own = new Int32Array(count);
  for (let i = 0; i < n; i++) {
    const rowI = i * width;
    for (let l = 0; l < count; l++) own[l] = offsets[i * count + l] as number;
    const x0 = x[i * d] as number;
    const x1 = d > 1 ? (x[i * d + 1] as number) : 0;
    const x2 = d > 2 ? (x[i * d + 2] as number) : 0;
    for (let j = i + 1; j < n; j++) {
      let squared: number;
      if (d === 3) {
        // The general loop's operations in its order, for the three features of the fit.
        const d0 = x0 - (x[j * 3] as number);
        const d1 = x1 - (x[j * 3 + 1] as number);
        const d2 = x2 - (x[j * 3 + 2] as number);
        squared = 0 + d0 * d0 + d1 * d1 + d2 * d2;
      } else {
        squared = 0;
        for (let t = 0; t < d; t++) {
          const difference = (x[i * d + t] as number) - (x[j * d + t] as number);
          squared += difference * difference;
        }
      }
      const distance = Math.sqrt(squared);
      const rowJ = j * width;
      const labelsJ = j * count;
      for (let l = 0; l < count; l++) {
        const toJ = rowI + (offsets[labelsJ + l] as number);
        const toI = rowJ + (own[l] as number);
        sums[toJ] = (sums[toJ] as number) + distance;
        sums[toI] = (sums[toI] as number) + distance;
      }
    }
  }
  return labelings.map(({ k, labels }, l) => {
    const sizes = new Float64Array(k);
    for (let i = 0; i < n; i++)
      sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const row = i * width + (base[l] as number);
      const ownCluster = labels[i] as number;
      const ownSize = sizes[ownCluster] as number;
      if (ownSize <= 1) continue;
      const a = (sums[row + ownCluster] as number) / (ownSize - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        if (c === ownCluster || (sizes[c] as number) === 0) continue;
        b = Math.min(b, (sums[row + c] as number) / (sizes[c] as number));
      }
      if (b === Number.POSITIVE_INFINITY) continue;
      const scale = Math.max(a, b);
      values[i] = scale > 0 ? (b - a) / scale : 0;
    }
    return values;
  });
}

/** The mean of a non-empty array; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length === 0 ? Number.NaN : sum / values.length;
}
