import { closeSync, openSync, readSync } from "node:fs";

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
/** Read size. */
const chunkBytes = 1024 * 1024;

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
  const counter = new CsvRecordCounter(columns, delimiters, offsets);
  await readChunks(path, (chunk) => counter.scan(chunk));
  return counter.finish();
}

/** The one read buffer of readChunks (allocated on first use). */
let sharedChunk: Buffer | undefined;

/**
 * Feeds a file to `consume` in chunks of up to 1 MiB; returns its size as
 * read. Reads are
 * synchronous into one buffer shared by every call, and `consume` must be
 * done with a chunk when it returns; between chunks the event loop runs.
 * The file was just downloaded, so reads come from the page cache: a fresh
 * buffer per file (as streams allocate) and the thread-pool round trips of
 * asynchronous reads cost more than the reads over hundreds of small files.
 */
export async function readChunks(
  path: string,
  consume: (chunk: Buffer) => void,
): Promise<{ bytes: number }> {
  sharedChunk ??= Buffer.allocUnsafeSlow(chunkBytes);
  const buffer = sharedChunk;
  const fd = openSync(path, "r");
  let bytes = 0;
  try {
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      consume(buffer.subarray(0, bytesRead));
      if (bytesRead === buffer.length) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
  return { bytes };
}

/** Where the record-delimiting state machine is between two chunks of a file. */
interface ScanState {
  records: number;
  line: number;
  inQuotes: boolean;
  justClosed: boolean;
  atFieldStart: boolean;
  hasContent: boolean;
  previousCr: boolean;
  quoteLine: number;
  quoteRecord: number;
  /** Index into the sorted offsets of the next one to place. */
  nextOffset: number;
}

/**
 * The record-delimiting state machine of `countCsvRecords`, fed chunk by
 * chunk, for a caller that reads the file itself (e.g. for its header too).
 * A chunk may be reused once `scan` returns.
 */
export class CsvRecordCounter {
  readonly #quote: number;
  readonly #comma: number;
  readonly #countBlank: boolean;
  readonly #offsets: readonly number[];
  readonly #sortedOffsets: readonly number[];
  readonly #recordsAtOffset = new Map<number, number>();
  readonly #state: ScanState = {
    records: 0,
    line: 1,
    inQuotes: false,
    justClosed: false,
    atFieldStart: true,
    hasContent: false,
    previousCr: false,
    quoteLine: 0,
    quoteRecord: 0,
    nextOffset: 0,
  };
  #chunkStart = 0;

  constructor(columns: number, delimiters: CsvDelimiters, offsets: readonly number[] = []) {
    this.#quote = delimiters.quote.charCodeAt(0);
    this.#comma = delimiters.delimiter.charCodeAt(0);
    this.#countBlank = columns === 1;
    this.#offsets = offsets;
    this.#sortedOffsets = [...offsets].sort((a, b) => a - b);
  }

  /** Reads the next bytes of the file. */
  scan(bytes: Buffer): void {
    scanChunk(
      bytes,
      this.#state,
      this.#quote,
      this.#comma,
      this.#countBlank,
      this.#sortedOffsets,
      this.#chunkStart,
      this.#recordsAtOffset,
    );
    this.#chunkStart += bytes.length;
  }

  /** What the whole file held, once every chunk was scanned. */
  finish(): CsvRecordCount {
    const state = this.#state;
    const records = state.hasContent ? state.records + 1 : state.records;
    const dataRecords = Math.max(0, records - 1);
    const recordsAt = this.#offsets.map(
      (offset) => this.#recordsAtOffset.get(offset) ?? dataRecords + 1,
    );
    if (state.inQuotes) {
      return {
        dataRecords,
        recordsAt,
        unclosedQuote: { line: state.quoteLine, record: state.quoteRecord - 1 },
      };
    }
    return { dataRecords, recordsAt };
  }
}

/**
 * One chunk through the state machine. A plain function over locals: it
 * visits every byte of every CSV loaded, and state kept in the closure of
 * an async function (or in object fields) made each visit several times slower.
 */
function scanChunk(
  bytes: Buffer,
  state: ScanState,
  quote: number,
  comma: number,
  countBlank: boolean,
  sortedOffsets: readonly number[],
  chunkStart: number,
  recordsAtOffset: Map<number, number>,
): void {
  let { records, line, inQuotes, justClosed, atFieldStart, hasContent, previousCr } = state;
  let { quoteLine, quoteRecord, nextOffset } = state;
  const offsetCount = sortedOffsets.length;
  const end = bytes.length;
  for (let i = 0; i < end; i += 1) {
    const byte = bytes[i] as number;
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
    if (!hasContent && nextOffset < offsetCount) {
      // A record starts here: data record number `records` (the header is record 0).
      while (nextOffset < offsetCount && (sortedOffsets[nextOffset] as number) <= chunkStart + i) {
        recordsAtOffset.set(sortedOffsets[nextOffset] as number, records);
        nextOffset += 1;
      }
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
      // The rest of an unquoted field changes nothing (a quote in it is text)
      // up to the next delimiter or line end: skip it in a tight loop.
      while (i + 1 < end) {
        const next = bytes[i + 1] as number;
        if (next === comma || next === lf || next === cr) break;
        i += 1;
      }
    }
  }
  Object.assign(state, {
    records,
    line,
    inQuotes,
    justClosed,
    atFieldStart,
    hasContent,
    previousCr,
    quoteLine,
    quoteRecord,
    nextOffset,
  });
}
