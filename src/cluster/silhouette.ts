/**
 * Silhouette of every point under several labelings at once (Rousseeuw
 * 1987, Euclidean): s = (b − a) / max(a, b), with a the mean distance to
 * the other members of the point's cluster and b the smallest mean
 * distance to the members of another cluster. A point alone in its cluster,
 * or in the only cluster that has points, has silhouette 0 (scikit-learn's
 * convention). Each pairwise distance is computed once and shared by all
 * labelings, so choosing k among five candidates costs one O(n²) pass.
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
  const sums = labelings.map(({ k }) => new Float64Array(n * k));
  const labelArrays = labelings.map(({ labels }) => labels);
  const ks = labelings.map(({ k }) => k);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let squared = 0;
      for (let t = 0; t < d; t++) {
        const difference = (x[i * d + t] as number) - (x[j * d + t] as number);
        squared += difference * difference;
      }
      const distance = Math.sqrt(squared);
      for (let l = 0; l < labelArrays.length; l++) {
        const labels = labelArrays[l] as Int32Array;
        const k = ks[l] as number;
        const sum = sums[l] as Float64Array;
        const toJ = i * k + (labels[j] as number);
        const toI = j * k + (labels[i] as number);
        sum[toJ] = (sum[toJ] as number) + distance;
        sum[toI] = (sum[toI] as number) + distance;
      }
    }
  }
  return labelings.map(({ k, labels }, l) => {
    const sizes = new Float64Array(k);
    for (let i = 0; i < n; i++)
      sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
    const sum = sums[l] as Float64Array;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const own = labels[i] as number;
      const ownSize = sizes[own] as number;
      if (ownSize <= 1) continue;
      const a = (sum[i * k + own] as number) / (ownSize - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        if (c === own || (sizes[c] as number) === 0) continue;
        b = Math.min(b, (sum[i * k + c] as number) / (sizes[c] as number));
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
