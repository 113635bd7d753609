/** A row as charts and JSON take it: numbers, flags, text; no Dates or BigInts. */
export type PlainRow = Record<string, string | number | boolean | null>;

/**
 * Turns a DuckDB row into plain values. Dates become ISO text: the whole
 * timestamp, or only the day for charts that plot dates (`dates: "day"`).
 */
export function plainRow(
  row: Readonly<Record<string, unknown>>,
  dates: "day" | "timestamp" = "timestamp",
): PlainRow {
  const plain: PlainRow = {};
  for (const [key, value] of Object.entries(row)) {
    plain[key] =
      value === null || typeof value === "number" || typeof value === "boolean"
        ? value
        : value instanceof Date
          ? dates === "day"
            ? value.toISOString().slice(0, 10)
            : value.toISOString()
          : String(value);
  }
  return plain;
}
