import { DuckDBTypeId, type DuckDBValue, type Json } from "@duckdb/node-api";
import { numericTypeIds } from "../warehouse/duckdb-values.ts";
import type { QueryColumn, QueryResult } from "./query-analyst-database.ts";

/** Output formats of `duckmart query`. */
export const queryFormats = ["table", "csv", "json"] as const;

/** One of `table` (aligned text), `csv`, `json`. */
export type QueryFormat = (typeof queryFormats)[number];

/** Integer and decimal types whose exact digits go into JSON unchanged. */
const exactNumberTypes: ReadonlySet<DuckDBTypeId> = new Set(
  [...numericTypeIds].filter((id) => id !== DuckDBTypeId.FLOAT && id !== DuckDBTypeId.DOUBLE),
);

/**
 * Renders a result as text in one of the query formats; the text ends with
 * a newline.
 *
 * @example
 * process.stdout.write(formatQueryResult(result, "csv"));
 */
export function formatQueryResult(result: QueryResult, format: QueryFormat): string {
  switch (format) {
    case "table":
      return formatTable(result);
    case "csv":
      return formatCsv(result);
    case "json":
      return formatJson(result);
  }
}

/** DuckDB's own text for a value (timestamps as `2018-01-31 23:59:10`); null stays null. */
function valueText(value: DuckDBValue): string | null {
  return value === null ? null : String(value);
}

function isNumeric(column: QueryColumn): boolean {
  return numericTypeIds.has(column.type.typeId);
}

/**
 * An aligned table: numbers right-aligned, NULL spelled out (so it differs
 * from an empty string), a row count at the end.
 */
function formatTable(result: QueryResult): string {
  const cells = result.rows.map((row) => row.map((value) => valueText(value) ?? "NULL"));
  const headers = result.columns.map((column) => column.name);
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...cells.map((row) => displayWidth(row[index] ?? ""))),
  );
  const numeric = result.columns.map(isNumeric);
  const line = (row: readonly string[]): string =>
    row
      .map((cell, index) => pad(cell, widths[index] ?? 0, numeric[index] ?? false))
      .join(" | ")
      .trimEnd();
  const count = `(${result.rows.length} ${result.rows.length === 1 ? "row" : "rows"})`;
  const rule = widths.map((width) => "-".repeat(width)).join("-+-");
  return `${[line(headers), rule, ...cells.map(line), count].join("\n")}\n`;
}

function pad(cell: string, width: number, right: boolean): string {
  // Control characters would break the alignment; show them escaped.
  const shown = cell.replace(/[\r\n\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));
  const fill = " ".repeat(Math.max(0, width - displayWidth(shown)));
  return right ? fill + shown : shown + fill;
}

function displayWidth(text: string): number {
  return [...text.replace(/[\r\n\t]/g, "  ")].length;
}

/** RFC 4180: a header row, fields quoted when they hold a comma, quote or line break; NULL is empty. */
function formatCsv(result: QueryResult): string {
  const lines = [result.columns.map((column) => csvField(column.name))];
  for (const row of result.rows) lines.push(row.map((value) => csvField(valueText(value) ?? "")));
  return `${lines.map((fields) => fields.join(",")).join("\r\n")}\r\n`;
}

function csvField(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A JSON array of row objects, one per line. Integers and decimals keep all
 * their digits (a BIGINT id above 2^53 is not rounded); dates and timestamps
 * are DuckDB's text; NaN and infinities, which JSON lacks, become strings.
 */
function formatJson(result: QueryResult): string {
  const keys = result.columns.map((column) => JSON.stringify(column.name));
  const objects = result.jsonRows.map((row, rowIndex) => {
    const fields = row.map((value, index) => {
      const column = result.columns[index] as QueryColumn;
      const raw = result.rows[rowIndex]?.[index] ?? null;
      return `${keys[index]}:${jsonValue(value, raw, column)}`;
    });
    return `{${fields.join(",")}}`;
  });
  return objects.length === 0 ? "[]\n" : `[\n${objects.join(",\n")}\n]\n`;
}

function jsonValue(value: Json, raw: DuckDBValue, column: QueryColumn): string {
  if (value === null) return "null";
  if (exactNumberTypes.has(column.type.typeId)) return String(raw);
  if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
  return JSON.stringify(value);
}
