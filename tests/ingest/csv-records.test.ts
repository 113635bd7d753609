import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CsvDelimiters,
  type CsvRecordCount,
  CsvRecordCounter,
  countCsvRecords,
} from "../../src/ingest/csv-records.ts";
import { tempDir } from "../support/temp-dir.ts";

/*
 * countCsvRecords runs on every CSV loaded, so it is written for speed (one
 * shared read buffer, state in locals, unquoted fields skipped in a tight
 * loop). The byte-at-a-time state machine below is what it must still do;
 * tests/reliability/csv-record-count.test.ts holds both against DuckDB.
 */
function reference(
  bytes: Buffer,
  columns: number,
  delimiters: CsvDelimiters,
  offsets: readonly number[],
): CsvRecordCount {
  const quote = delimiters.quote.charCodeAt(0);
  const comma = delimiters.delimiter.charCodeAt(0);
  const sorted = [...offsets].sort((a, b) => a - b);
  const found = new Map<number, number>();
  let next = 0;
  let records = 0;
  let line = 1;
  let inQuotes = false;
  let justClosed = false;
  let atFieldStart = true;
  let hasContent = false;
  let previousCr = false;
  let quoteLine = 0;
  let quoteRecord = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number;
    if (!inQuotes && !hasContent && byte !== 0x0a && byte !== 0x0d) {
      while (next < sorted.length && (sorted[next] as number) <= i) {
        found.set(sorted[next] as number, records);
        next += 1;
      }
    }
    if (inQuotes) {
      if (byte === quote) {
        inQuotes = false;
        justClosed = true;
      } else if (byte === 0x0a) line += 1;
      continue;
    }
    if (byte === 0x0a || byte === 0x0d) {
      const crlf = byte === 0x0a && previousCr;
      previousCr = byte === 0x0d;
      if (byte === 0x0a) line += 1;
      if (crlf) continue;
      if (hasContent || columns === 1) records += 1;
      hasContent = false;
      atFieldStart = true;
      justClosed = false;
      continue;
    }
    previousCr = false;
    hasContent = true;
    if (byte === quote && (atFieldStart || justClosed)) {
      inQuotes = true;
      if (!justClosed) {
        quoteLine = line;
        quoteRecord = records + 1;
      }
      atFieldStart = false;
      justClosed = false;
    } else {
      atFieldStart = byte === comma;
      justClosed = false;
    }
  }
  if (hasContent) records += 1;
  const dataRecords = Math.max(0, records - 1);
  const recordsAt = offsets.map((offset) => found.get(offset) ?? dataRecords + 1);
  return inQuotes
    ? { dataRecords, recordsAt, unclosedQuote: { line: quoteLine, record: quoteRecord - 1 } }
    : { dataRecords, recordsAt };
}

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const dialects: readonly CsvDelimiters[] = [
  { delimiter: ",", quote: '"' },
  { delimiter: ";", quote: "'" },
];

describe("countCsvRecords", () => {
  it("agrees with the byte-at-a-time state machine on random input, however it is cut into chunks", () => {
    const next = random(20240101);
    const pieces = ["a", "bc", ",", ";", '"', "'", '""', "\n", "\r", "\r\n", " ", "é"];
    for (let round = 0; round < 3000; round += 1) {
      const length = Math.floor(next() * 40);
      let text = "";
      for (let i = 0; i < length; i += 1) text += pieces[Math.floor(next() * pieces.length)];
      const bytes = Buffer.from(text);
      const dialect = dialects[round % dialects.length] as CsvDelimiters;
      const columns = next() < 0.2 ? 1 : 3;
      const offsets = Array.from({ length: Math.floor(next() * 4) }, () =>
        Math.floor(next() * (bytes.length + 2)),
      );
      const counter = new CsvRecordCounter(columns, dialect, offsets);
      for (let start = 0; start < bytes.length; ) {
        const end = Math.min(bytes.length, start + 1 + Math.floor(next() * 8));
        // A reused buffer, as readChunks gives: the counter may keep nothing of it.
        const chunk = Buffer.alloc(end - start);
        bytes.copy(chunk, 0, start, end);
        counter.scan(chunk);
        chunk.fill(0);
        start = end;
      }
      expect({ text, columns, dialect, offsets, ...counter.finish() }).toEqual({
        text,
        columns,
        dialect,
        offsets,
        ...reference(bytes, columns, dialect, offsets),
      });
    }
  });

  it("reads a file larger than its 1 MiB read buffer, records split across reads", async () => {
    const dir = tempDir("csv-records-unit");
    const path = join(dir, "large.csv");
    const row = 'u1,"a ""quoted""\nvalue",2024-01-01 10:00:00\r\n';
    const text = `a,b,c\n${row.repeat(50_000)}`;
    writeFileSync(path, text);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    const offsets = [row.length * 30_000 + 6];
    expect(await countCsvRecords(path, 3, undefined, offsets)).toEqual(
      reference(Buffer.from(text), 3, { delimiter: ",", quote: '"' }, offsets),
    );
    expect((await countCsvRecords(path, 3)).dataRecords).toBe(50_000);
  });
});
