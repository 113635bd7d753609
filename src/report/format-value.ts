/** How a number is shown in the report. */
export type ValueKind = "count" | "decimal" | "money" | "percent" | "ratio" | "seconds";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const twoDecimals = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/**
 * Formats a number the way the report prints it: counts whole with
 * thousands separators, money whole from 1,000 up and with cents below,
 * shares as percentages with one decimal. A missing value is "n/a".
 * The report test formats the marts' values with this same function, so
 * the page and the marts are compared as a reader sees them.
 *
 * @example
 * formatValue("money", 1234.5, "RUB"); // "1,235 RUB"
 * formatValue("percent", 0.525);       // "52.5%"
 */
export function formatValue(
  kind: ValueKind,
  value: number | null | undefined,
  currency?: string,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  switch (kind) {
    case "count":
      return integer.format(value);
    case "decimal":
      return oneDecimal.format(value);
    case "money": {
      const digits = Math.abs(value) >= 1000 ? integer : twoDecimals;
      return currency ? `${digits.format(value)} ${currency}` : digits.format(value);
    }
    case "percent":
      return `${oneDecimal.format(100 * value)}%`;
    case "ratio":
      return twoDecimals.format(value);
    case "seconds":
      return value < 10 ? `${twoDecimals.format(value)} s` : `${oneDecimal.format(value)} s`;
  }
}

/** `2024-06-28 23:47:39` for a TIMESTAMP read as a Date (its UTC fields are the wall-clock time). */
export function formatTimestamp(value: Date | null | undefined): string {
  if (!value) return "n/a";
  return value.toISOString().replace("T", " ").slice(0, 19);
}

/** A byte count in B, KB, MB or GB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
