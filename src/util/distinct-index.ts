/**
 * Maps each value of a column to the index of its distinct value, so that
 * work per value is done once per distinct value: a likelihood's expensive
 * terms (ln(α + T), ln Γ(r + x) …), or the distances to a cell of points
 * that share their labels.
 */

/** Distinct values of a column and, per row, the index of its value among them. */
export interface DistinctIndex<T> {
  readonly values: readonly T[];
  readonly index: Int32Array;
}

/**
 * Indexes `column` by distinct value (in first-seen order; values compare
 * as a Map compares keys).
 *
 * @example
 * distinctIndex([5, 3, 5]); // { values: [5, 3], index: [0, 1, 0] }
 */
export function distinctIndex<T>(column: ArrayLike<T>): DistinctIndex<T> {
  const positions = new Map<T, number>();
  const index = new Int32Array(column.length);
  const values: T[] = [];
  for (let i = 0; i < column.length; i++) {
    const value = column[i] as T;
    let position = positions.get(value);
    if (position === undefined) {
      position = values.length;
      positions.set(value, position);
      values.push(value);
    }
    index[i] = position;
  }
  return { values, index };
}
