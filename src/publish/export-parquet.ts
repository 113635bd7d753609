import { rm } from "node:fs/promises";
import { join } from "node:path";
import { PublishError, toError } from "../util/errors.ts";
import { quoteIdentifier, quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import type { MartTable } from "./mart-tables.ts";

/** How marts are laid out in Parquet. */
export interface ParquetLayout {
  /**
   * Rows per file. A mart with more rows is split into several files by
   * `rowid` ranges, so each file holds a contiguous, ordered slice of the
   * table and the split does not depend on thread scheduling.
   */
  readonly rowsPerFile: number;
  /** Rows per row group (DuckDB rounds up to a multiple of 2048). */
  readonly rowGroupSize: number;
}

/**
 * Defaults sized for BI scans. Row groups of 122,880 rows, DuckDB's own
 * table row group: small enough for min/max pruning and for DuckDB to
 * compress and write them in parallel (a 360k-row, 20-column mart took
 * 0.31 s against 1.06 s with half-million-row groups, for files 0.2 %
 * larger). Four million rows per file keep typical marts at tens of MB per
 * object (one file for all but the largest).
 */
export const defaultParquetLayout: ParquetLayout = {
  rowsPerFile: 4_000_000,
  rowGroupSize: 122_880,
};

/** One Parquet file written for a mart. */
export interface ParquetPart {
  readonly index: number;
  readonly path: string;
  readonly rows: number;
}

/** A column as DuckDB describes it; the type name is what the manifest publishes. */
export interface MartColumn {
  readonly name: string;
  readonly type: string;
}

/** Columns of a mart, in table order, with DuckDB type names (`BIGINT`, `DATE`, …). */
export async function describeMart(session: SqlSession, mart: MartTable): Promise<MartColumn[]> {
  const rows = await session.all<{ column_name: string; column_type: string }>(
    `describe select * from main.${quoteIdentifier(mart.name)}`,
  );
  return rows.map((row) => ({ name: row.column_name, type: row.column_type }));
}

/**
 * Writes one mart as zstd Parquet files `part-000.parquet`, … in `directory`
 * (which must exist) and calls `onPart` as each file is complete, so uploads
 * can start while later parts are written. DuckDB keeps the column types
 * (DATE, TIMESTAMP as microseconds without zone, BIGINT, DOUBLE, INTEGER,
 * BOOLEAN). An empty mart still gets one file, so readers learn its schema.
 */
export async function exportMartToParquet(
  session: SqlSession,
  mart: MartTable,
  directory: string,
  layout: ParquetLayout,
  onPart: (part: ParquetPart) => void,
): Promise<ParquetPart[]> {
  const table = `main.${quoteIdentifier(mart.name)}`;
  const parts: ParquetPart[] = [];
  /** Writes the next part; an empty slice is dropped unless `keepEmpty`. */
  const write = async (select: string, keepEmpty: boolean): Promise<void> => {
    const index = parts.length;
    const path = join(directory, `part-${String(index).padStart(3, "0")}.parquet`);
    let rows: number;
    try {
      const [result] = await session.all<{ Count: number }>(
        `copy (${select}) to ${quoteLiteral(path)} (format parquet, compression zstd, row_group_size ${layout.rowGroupSize})`,
      );
      rows = Number(result?.Count ?? 0);
    } catch (error) {
      throw new PublishError(
        `writing Parquet for ${mart.name} to ${path} failed: ${toError(error).message}`,
        {
          cause: error,
        },
      );
    }
    if (rows === 0 && !keepEmpty) {
      await rm(path, { force: true });
      return;
    }
    const part = { index, path, rows };
    parts.push(part);
    onPart(part);
  };

  if (mart.isView) {
    await write(`select * from ${table}`, true);
    return parts;
  }
  const [range] = await session.all<{ low: number | null; high: number | null }>(
    `select min(rowid) as low, max(rowid) as high from ${table}`,
  );
  if (range?.low === null || range?.low === undefined || range.high === null) {
    await write(`select * from ${table}`, true);
    return parts;
  }
  // Ranges over rowid rather than limit/offset: each slice is found from the
  // row groups' rowid bounds, without an ordering scan of the whole table.
  for (let low = range.low; low <= range.high; low += layout.rowsPerFile) {
    // Gaps in rowid (deleted rows) can leave a slice empty; an empty file adds nothing.
    await write(
      `select * from ${table} where rowid >= ${low} and rowid < ${low + layout.rowsPerFile}`,
      false,
    );
  }
  if (parts.length === 0) await write(`select * from ${table}`, true);
  return parts;
}
