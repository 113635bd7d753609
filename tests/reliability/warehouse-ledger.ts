import { builtInSources as sources } from "../../src/sources/built-in-sources.ts";
import { quoteIdentifier } from "../../src/warehouse/warehouse.ts";
import { inspectWarehouse } from "../support/warehouse.ts";

/** One loaded file as the manifest and the tables see it. */
export interface LedgerEntry {
  readonly key: string;
  readonly source: string;
  readonly rows_read: number;
  readonly rows_loaded: number;
  readonly rows_rejected: number;
  /** Rows in `raw.<source>` with this `_file_key`. */
  readonly raw_rows: number;
  /** Rows in `meta.rejected_rows` for this key from the run that loaded it. */
  readonly rejected_logged: number;
  /** Rows of this key that share a `_file_row` with another: a duplicated load. */
  readonly duplicate_rows: number;
}

/**
 * Every loaded file with its counts from `meta.loaded_files`, the raw rows
 * and the rejected-row log, so a test can hold them against each other.
 */
export function fileLedger(warehousePath: string): Promise<LedgerEntry[]> {
  const raw = sources
    .map(
      (source) =>
        `select _file_key, count(*) as n, count(*) - count(distinct _file_row) as dup from raw.${quoteIdentifier(source.name)} group by 1`,
    )
    .join(" union all ");
  return inspectWarehouse(warehousePath, (w) =>
    w.all<LedgerEntry & Record<string, unknown>>(
      `with raw_counts as (${raw}),
       rejected as (
         select r.file_key, count(*) as n from meta.rejected_rows r
         join meta.loaded_files f on f.key = r.file_key and f.run_id = r.run_id group by 1
       )
       select f.key, f.source, f.rows_read, f.rows_loaded, f.rows_rejected,
              coalesce(c.n, 0) as raw_rows, coalesce(j.n, 0) as rejected_logged,
              coalesce(c.dup, 0) as duplicate_rows
       from meta.loaded_files f
       left join raw_counts c on c._file_key = f.key
       left join rejected j on j.file_key = f.key
       order by f.key`,
    ),
  );
}

/** Keys of ledger entries whose counts do not add up (read ≠ loaded + rejected, or the tables disagree). */
export function unbalanced(ledger: readonly LedgerEntry[]): string[] {
  return ledger
    .filter(
      (entry) =>
        entry.rows_read !== entry.rows_loaded + entry.rows_rejected ||
        entry.raw_rows !== entry.rows_loaded ||
        entry.rejected_logged !== entry.rows_rejected ||
        entry.duplicate_rows !== 0,
    )
    .map((entry) => entry.key);
}

/** What ingest left in the warehouse, without what differs from run to run (run ids, load times). */
export interface RawSnapshot {
  readonly loadedFiles: readonly Record<string, unknown>[];
  readonly raw: Readonly<Record<string, readonly Record<string, unknown>[]>>;
  readonly rejected: readonly Record<string, unknown>[];
}

/**
 * Reads every raw table and the file manifest in a fixed order, leaving out
 * run ids and load times, so that two warehouses that loaded the same
 * objects compare equal with `toEqual`.
 */
export function rawSnapshot(warehousePath: string): Promise<RawSnapshot> {
  return inspectWarehouse(warehousePath, async (w) => {
    const raw: Record<string, Record<string, unknown>[]> = {};
    for (const source of sources) {
      raw[source.name] = await w.all(
        `select * exclude (_run_id) from raw.${quoteIdentifier(source.name)} order by _file_key, _file_row`,
      );
    }
    return {
      loadedFiles: await w.all(
        "select * exclude (run_id, loaded_at) from meta.loaded_files order by key",
      ),
      raw,
      rejected: await w.all(
        "select * exclude (run_id) from meta.rejected_rows order by file_key, file_row, column_name",
      ),
    };
  });
}
