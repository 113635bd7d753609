import { quoteIdentifier, quoteLiteral, type SqlSession } from "./warehouse.ts";

/**
 * Whether the values `values` (SQL expressions, one per column) equal, as
 * one struct, the `columns` of some row of `from` (a table, optionally
 * `… where …`). Struct comparison treats nulls as equal values, like `is
 * not distinct from`, and runs as a hash semi-join. For plain columns,
 * {@link rowMatch} is faster; this is for a condition that must stay a
 * condition (several of them joined by `or`).
 *
 * @example
 * `select * from visits v where ${inRowsOf(["month"], ["date_trunc('month', v.started_at)"], "temp.months")}`
 */
export function inRowsOf(
  columns: readonly string[],
  values: readonly string[],
  from: string,
): string {
  const struct = (items: readonly string[]) =>
    `{${columns.map((column, i) => `${quoteLiteral(column)}: ${items[i]}`).join(", ")}}`;
  return `${struct(values)} in (select ${struct(columns.map(quoteIdentifier))} from ${from})`;
}

/** How to keep, or delete, the rows of a table that match some row of a small table. */
export interface RowMatch {
  /**
   * A `semi join` clause, to follow `from <table> <alias>`, keeping the rows
   * whose columns (or the given expressions, one per column) match.
   */
  semiJoin(alias: string, values?: readonly string[]): string;
  /**
   * A `delete` of the matching rows of `target` (aliased `t` for `values`):
   * a join (`using`), not `rowid`, which a column of that name would shadow.
   */
  deleteFrom(target: string, values?: readonly string[]): string;
}

/**
 * Matches rows against `from`, a small table or subquery, on `columns`,
 * nulls equal to nulls. Each column is compared with `=` when `from` has no
 * null in it (a null can then match nothing either way), else with `is not
 * distinct from`: with `=`, DuckDB pushes the join's min/max into the scan
 * and skips row groups. Finding the rows of a day's 88k keys among 10.7M
 * sessions took 0.07 s this way, against 0.55 s with {@link inRowsOf};
 * deleting them 0.04 s against 1.3 s.
 *
 * @example
 * const touched = await rowMatch(session, ["user_id"], "temp.keys");
 * await session.run(`select t.* from visits t ${touched.semiJoin("t")}`);
 * await session.run(touched.deleteFrom("visits"));
 */
export async function rowMatch(
  session: SqlSession,
  columns: readonly string[],
  from: string,
): Promise<RowMatch> {
  const [nulls = {}] =
    columns.length === 0
      ? []
      : await session.all<Record<string, boolean | null>>(
          `select ${columns.map((column, i) => `bool_or(${quoteIdentifier(column)} is null) as n${i}`).join(", ")} from ${from}`,
        );
  // Renamed, so that an expression in `values` cannot bind to a column of
  // `from`; distinct, so that a deleting join meets each row once.
  const matched = `(select distinct ${columns.length === 0 ? "true" : columns.map((column, i) => `${quoteIdentifier(column)} as __match_${i}`).join(", ")} from ${from})`;
  const on = (alias: string, values?: readonly string[]) => {
    if (values !== undefined && values.length !== columns.length)
      throw new Error(`${values.length} values for ${columns.length} columns`);
    const equal = columns.map((column, i) => {
      const value = values?.[i] ?? `${alias}.${quoteIdentifier(column)}`;
      const equals = nulls[`n${i}`] === true ? "is not distinct from" : "=";
      return `__match.__match_${i} ${equals} ${value}`;
    });
    return equal.length === 0 ? "true" : equal.join(" and ");
  };
  return {
    semiJoin: (alias, values) => `semi join ${matched} as __match on ${on(alias, values)}`,
    deleteFrom: (target, values) =>
      `delete from ${target} as t using ${matched} as __match where ${on("t", values)}`,
  };
}
