/** Characters that force a CSV field into quotes (RFC 4180, plus CR). */
const needsQuotes = /[",\r\n]/;

/**
 * Quotes one CSV field when it holds a comma, quote or line break, doubling
 * inner quotes; anything else is written as is.
 *
 * @example
 * csvField('Concert Hub, LLC'); // '"Concert Hub, LLC"'
 */
export function csvField(value: string): string {
  return needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Joins fields into one CSV line (without the line break). */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(",");
}
