/**
 * Maps each value of a column to the index of its distinct value, so that a
 * likelihood can compute expensive per-value terms (ln(α + T), ln Γ(r + x) …)
 * once per distinct value instead of once per group.
 */

/** Distinct values of a column and, per row, the index of its value among them. */
export interface DistinctIndex {
  readonly values: Float64Array;
  readonly index: Int32Array;
}

/**
 * Indexes `column` by distinct value (in first-seen order).
 *
 * @example
 * distinctIndex([5, 3, 5]); // { values: [5, 3], index: [0, 1, 0] }
 */
export function distinctIndex(column: ArrayLike<number>): DistinctIndex {
  const positions = new Map<number, number>();
  const index = new Int32Array(column.length);
  const values: number[] = [];
  for (let i = 0; i < column.length; i++) {
    const value = column[i] as number;
    let position = positions.get(value);
    if (position === undefined) {
      position = values.length;
      positions.set(value, position);
      values.push(value);
    }
    index[i] = position;
  }
  return { values: Float64Array.from(values), index };
}
