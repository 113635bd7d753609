/** Renders rows as an aligned text table; numbers right-aligned. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  const text = rows.map((row) => row.map(formatCell));
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...text.map((row) => (row[index] ?? "").length)),
  );
  const numeric = headers.map(
    (_, index) =>
      rows.length > 0 && rows.every((row) => typeof row[index] === "number" || row[index] === null),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        numeric[index] ? cell.padStart(widths[index] ?? 0) : cell.padEnd(widths[index] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/\.?0+$/, "");
  if (value instanceof Date)
    return value
      .toISOString()
      .replace("T", " ")
      .replace(/\.000Z$|Z$/, "");
  return String(value);
}
