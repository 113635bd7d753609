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
