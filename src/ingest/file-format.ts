import type { SqlSession } from "../warehouse/warehouse.ts";

/** A row the reader could not parse, before typing. */
export interface ReaderReject {
  readonly fileRow: number | null;
  readonly reason: string;
  readonly rawValue: string | null;
}

/** What a format left in the staging table. */
export interface StagedText {
  /** Column names found in the file (normalised), in file order. */
  readonly columns: readonly string[];
  /** Rows the reader itself rejected (broken quoting, bad JSON, invalid UTF-8…). */
  readonly rejects: readonly ReaderReject[];
}

/**
 * Reads one local file into a temporary table `table` with a `_file_row`
 * BIGINT column and one VARCHAR column per file column, mapped by name.
 * Throws FileRejected when the file as a whole cannot be read.
 */
export interface FileFormat {
  readonly name: "csv" | "jsonl" | "parquet";
  /** File name endings this format reads, e.g. ".csv.gz". */
  readonly extensions: readonly string[];
  stage(session: SqlSession, path: string, table: string, scratchDir: string): Promise<StagedText>;
}

/** The whole file is unusable; `reason` is one line for the operator. */
export class FileRejected extends Error {}

/** Header names compare trimmed and case-insensitively. */
export function normalizeColumnName(name: string): string {
  return name.trim().toLowerCase();
}

/** Throws when normalised names repeat. */
export function assertUniqueColumns(columns: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of columns) {
    if (name === "") throw new FileRejected("a column has an empty name");
    if (seen.has(name)) throw new FileRejected(`column ${name} appears twice`);
    seen.add(name);
  }
}
