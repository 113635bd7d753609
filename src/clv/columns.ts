/**
 * Row-to-column conversion of fit inputs, for callers holding one object per
 * group (e.g. rows read back from a SQL `group by`).
 */
import type { RfmColumns, RfmTriple, SpendColumns, SpendPair } from "./types.ts";

/**
 * Columns of RFM groups.
 *
 * @example
 * fitBgNbd(rfmColumns([{ frequency: 0, recency: 0, tenure: 38.86, count: 1411 }, …]));
 */
export function rfmColumns(rows: readonly RfmTriple[]): RfmColumns {
  return {
    frequency: Float64Array.from(rows, (row) => row.frequency),
    recency: Float64Array.from(rows, (row) => row.recency),
    tenure: Float64Array.from(rows, (row) => row.tenure),
    count: Float64Array.from(rows, (row) => row.count),
  };
}

/** Columns of spend groups. */
export function spendColumns(rows: readonly SpendPair[]): SpendColumns {
  return {
    frequency: Float64Array.from(rows, (row) => row.frequency),
    monetary: Float64Array.from(rows, (row) => row.monetary),
    count: Float64Array.from(rows, (row) => row.count),
  };
}
