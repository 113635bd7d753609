import type { CsvDialect } from "../sources/source-settings.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";

export { normalizeColumnName } from "../sources/resolve-sources.ts";

/** A row the reader could not parse, before typing. */
export interface ReaderReject {
  readonly fileRow: number | null;
  readonly reason: string;
  readonly rawValue: string | null;
}

/** A local file of a batch, with the id it has in the staging table. */
export interface StagingInput {
  readonly fileId: number;
  readonly path: string;
}

/** What a format found in one file of the batch. */
export type StagedFile =
  | {
      readonly ok: true;
      /** Column names found in the file (normalised), in file order. */
      readonly columns: readonly string[];
      /** Rows the reader itself rejected (broken quoting, bad JSON, invalid UTF-8…). */
      readonly rejects: readonly ReaderReject[];
      /**
       * Rows the reader returned for the file, when the format knows them
       * apart from the relation: the loader holds the relation's rows of the
       * file against it, so that none is lost on the way.
       */
      readonly rows?: number;
    }
  | { readonly ok: false; readonly reason: string };

/** What a format made of a batch: per-file verdicts and one relation over the typed rows. */
export interface StagedBatch {
  readonly files: ReadonlyMap<number, StagedFile>;
  /**
   * A SELECT over the temporary tables the format filled, cheap to run more
   * than once, yielding `_file_id`, `_file_row` (number of the record in
   * its file, 1-based, header and blank lines not counted, rejected records
   * counted) and the columns of `RowTyping.select`; null when no file has
   * rows to offer.
   */
  readonly relation: string | null;
  /** Names of the export's text columns found in the files read. */
  readonly columns: readonly string[];
}

/** How the loader types what a reader found; formats apply it as they read. */
export interface RowTyping {
  /**
   * The SELECT over `relation`, which yields the `carried` columns and the
   * export's text columns `columns`, that passes `carried` through, types
   * the source's columns and flags each row's first invalid value
   * (`_reject_column`, `_reject_reason`, `_reject_value`).
   */
  select(columns: readonly string[], relation: string, carried: readonly string[]): string;
  /**
   * Why a file fails when the typing does not fit it (a SQL mapping naming
   * a column the file lacks), or undefined when `error` is about something else.
   */
  misfit(error: unknown): string | undefined;
}

/** What a format needs besides the files. */
export interface StagingOptions {
  /** Where decompressed or cleaned copies go. */
  readonly scratchDir: string;
  /** The source's CSV dialect (other formats ignore it). */
  readonly csv: CsvDialect;
  readonly typing: RowTyping;
}

/**
 * Reads a batch of local files of one format into temporary tables, typing
 * the rows as it goes: one typed copy, not a text copy and then a typed one.
 * A file that cannot be used as a whole comes back `ok: false` (its rows,
 * if any, are left out by the loader); the others are unaffected.
 * Temporary tables it makes start with `staged_`.
 */
export interface FileFormat {
  readonly name: "csv" | "jsonl" | "parquet";
  /** File name endings this format reads, e.g. ".csv.gz". */
  readonly extensions: readonly string[];
  stage(
    session: SqlSession,
    files: readonly StagingInput[],
    options: StagingOptions,
  ): Promise<StagedBatch>;
}

/** The whole file is unusable; the message is one line for the operator. */
export class FileRejected extends Error {}

/** Names the loader adds itself; a file may not bring them. */
export const reservedColumns: ReadonlySet<string> = new Set([
  "_file_id",
  "_file_row",
  "_file_key",
  "_file_modified",
  "_run_id",
]);

/** Throws when normalised names repeat, one is empty, or one is reserved. */
export function assertUsableColumns(columns: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of columns) {
    if (name === "") throw new FileRejected("a column has an empty name");
    if (reservedColumns.has(name) || name.startsWith("__"))
      throw new FileRejected(`column ${name} is reserved for lineage`);
    if (seen.has(name)) throw new FileRejected(`column ${name} appears twice`);
    seen.add(name);
  }
}

/**
 * Runs `read` for each file, turning FileRejected into a failed entry;
 * `concurrency` reads may be under way at once (one by one by default).
 */
export async function stageEach<T extends { fileId: number }>(
  files: readonly T[],
  read: (file: T) => Promise<StagedFile>,
  concurrency = 1,
): Promise<Map<number, StagedFile>> {
  const staged = new Map<number, StagedFile>();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    // After an unforeseen error no new read starts; the running ones finish before it is thrown.
    while (next < files.length && failure === undefined) {
      const file = files[next] as T;
      next += 1;
      try {
        staged.set(file.fileId, await read(file));
      } catch (error) {
        if (error instanceof FileRejected)
          staged.set(file.fileId, { ok: false, reason: error.message });
        else failure ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(concurrency, files.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure) throw failure.error;
  return staged;
}
