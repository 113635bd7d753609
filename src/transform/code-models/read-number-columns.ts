import type { SqlSession } from "../../warehouse/warehouse.ts";

/**
 * Runs `sql` and returns the named numeric columns as Float64Arrays, index
 * for index with the rows (NULL becomes NaN). The CLV fits loop over
 * columns, and typed arrays keep a few hundred thousand groups compact.
 *
 * @example
 * const { frequency } = await readNumberColumns(session, "select frequency from t order by 1", ["frequency"]);
 */
export async function readNumberColumns<K extends string>(
  session: SqlSession,
  sql: string,
  names: readonly K[],
): Promise<Record<K, Float64Array>> {
  const rows = await session.all(sql);
  const columns = {} as Record<K, Float64Array>;
  for (const name of names) {
    const column = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = (rows[i] as Record<string, unknown>)[name];
      column[i] = value === null || value === undefined ? Number.NaN : Number(value);
    }
    columns[name] = column;
  }
  return columns;
}

/**
 * A column of doubles as one text parameter, for `unnest(string_split($n, ','))`:
 * binding tens of thousands of values this way is one statement instead of
 * as many placeholders (which DuckDB prepares far more slowly). JS prints the shortest text that reads back as
 * the same double and DuckDB's text-to-double cast rounds correctly, so
 * every value arrives bit for bit; NaN (no value) becomes an empty item,
 * which `nullif(…, '')` turns into NULL.
 */
export function numberListParameter(values: ArrayLike<number>): string {
  const items = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    items[i] = Number.isNaN(value) ? "" : String(value);
  }
  return items.join(",");
}
