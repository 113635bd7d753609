import { quoteIdentifier, quoteLiteral } from "./warehouse.ts";

/**
 * Whether the row of `alias` has, in `columns`, values that some row of
 * `from` (a table, optionally `… where …`) has. The columns are compared as
 * one struct: struct comparison treats nulls as equal values, like `is not
 * distinct from`, and runs as a hash semi-join, several times faster than a
 * correlated `exists` with `is not distinct from` on a million rows.
 *
 * @example
 * `delete from t where ${inRowsOf(["user_id"], "t", "temp.touched")}`
 */
export function inRowsOf(columns: readonly string[], alias: string, from: string): string {
  return inRowsOfValues(
    columns,
    columns.map((column) => `${alias}.${quoteIdentifier(column)}`),
    from,
  );
}

/** Like {@link inRowsOf}, for values given as SQL expressions, one per column. */
export function inRowsOfValues(
  columns: readonly string[],
  values: readonly string[],
  from: string,
): string {
  const struct = (items: readonly string[]) =>
    `{${columns.map((column, i) => `${quoteLiteral(column)}: ${items[i]}`).join(", ")}}`;
  return `${struct(values)} in (select ${struct(columns.map(quoteIdentifier))} from ${from})`;
}
