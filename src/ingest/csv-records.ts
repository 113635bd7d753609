import { createReadStream } from "node:fs";

/** What a pass over a CSV file found, independently of DuckDB's reader. */
export interface CsvRecordCount {
  /** Records after the header row (blank lines do not count, as in DuckDB). */
  readonly dataRecords: number;
  /** Set when a quoted field is still open at the end of the file: where it opened. */
  readonly unclosedQuote?: { readonly line: number; readonly record: number };
  /**
   * For each byte offset asked for, the number of the first data record
   * starting at or after it (1-based; `dataRecords + 1` past the last).
   */
  readonly recordsAt: readonly number[];
}

/** The two characters that delimit CSV records, as one byte each. */
export interface CsvDelimiters {
  readonly delimiter: string;
  readonly quote: string;
}

const lf = 0x0a;
const cr = 0x0d;

/**
 * Counts the records of a CSV file (comma-separated, `"` quoting with `""`
 * as an escaped quote, LF, CRLF or CR line ends) the way DuckDB's reader
 * delimits them: a quote opens a quoted field only at the start of a field,
 * and blank lines are skipped unless the file has a single column. The count
 * lets the loader check that every record came back loaded or rejected, and
 * an unclosed quote, after which no record can be delimited, is reported
 * instead of letting the rest of the file vanish into one value.
 *
 * @example
 * const { dataRecords, unclosedQuote } = await countCsvRecords("orders.csv", 6);
 */
export async function countCsvRecords(
  path: string,
  columns: number,
  delimiters: CsvDelimiters = { delimiter: ",", quote: '"' },
  offsets: readonly number[] = [],
): Promise<CsvRecordCount> {
  const quote = delimiters.quote.charCodeAt(0);
  const comma = delimiters.delimiter.charCodeAt(0);
  const sortedOffsets = [...offsets].sort((a, b) => a - b);
  const recordsAtOffset = new Map<number, number>();
  let nextOffset = 0;
  const countBlank = columns === 1;
  let records = 0;
  let line = 1;
  let inQuotes = false;
  let justClosed = false;
  let atFieldStart = true;
  let hasContent = false;
  let previousCr = false;
  let quoteLine = 0;
  let quoteRecord = 0;
  let chunkStart = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    for (let i = 0; i < bytes.length; i += 1) {
      const byte = bytes[i] as number;
      if (
        !inQuotes &&
        !hasContent &&
        nextOffset < sortedOffsets.length &&
        byte !== lf &&
        byte !== cr
      ) {
        // A record starts here: data record number `records` (the header is record 0).
        while (
          nextOffset < sortedOffsets.length &&
          (sortedOffsets[nextOffset] as number) <= chunkStart + i
        ) {
          recordsAtOffset.set(sortedOffsets[nextOffset] as number, records);
          nextOffset += 1;
        }
      }
      if (inQuotes) {
        if (byte === quote) {
          inQuotes = false;
          justClosed = true;
        } else if (byte === lf) line += 1;
        continue;
      }
      if (byte === lf || byte === cr) {
        const crlf = byte === lf && previousCr;
        previousCr = byte === cr;
        if (byte === lf) line += 1;
        if (crlf) continue;
        if (hasContent || countBlank) records += 1;
        hasContent = false;
        atFieldStart = true;
        justClosed = false;
        continue;
      }
      previousCr = false;
      hasContent = true;
      if (byte === quote && (atFieldStart || justClosed)) {
        // A quote right after a closing one is an escaped quote: the field goes on.
        inQuotes = true;
        if (!justClosed) {
          quoteLine = line;
          quoteRecord = records + 1;
        }
        atFieldStart = false;
        justClosed = false;
      } else if (byte === comma) {
        atFieldStart = true;
        justClosed = false;
      } else {
        atFieldStart = false;
        justClosed = false;
      }
    }
    chunkStart += bytes.length;
  }
  if (hasContent) records += 1;
  const dataRecords = Math.max(0, records - 1);
  const recordsAt = offsets.map((offset) => recordsAtOffset.get(offset) ?? dataRecords + 1);
  if (inQuotes)
    return { dataRecords, recordsAt, unclosedQuote: { line: quoteLine, record: quoteRecord - 1 } };
  return { dataRecords, recordsAt };
}
