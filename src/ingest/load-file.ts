import type { ObjectInfo } from "../storage/object-store.ts";
import {
  quoteIdentifier,
  quoteLiteral,
  type SqlSession,
  type Warehouse,
} from "../warehouse/warehouse.ts";
import { type FileFormat, FileRejected, type ReaderReject } from "./file-format.ts";
import { rawTableName } from "./raw-tables.ts";
import { lineageColumns, type SourceDefinition } from "./sources.ts";
import { typedSelect } from "./typing.ts";

/** One downloaded object, ready to load. */
export interface FileToLoad {
  readonly object: ObjectInfo;
  readonly source: SourceDefinition;
  readonly format: FileFormat;
  readonly localPath: string;
}

/** What happened to one file. Always: rowsRead = rowsLoaded + rowsRejected. */
export interface FileLoadResult {
  readonly key: string;
  readonly source: string;
  readonly status: "loaded" | "failed";
  readonly rowsRead: number;
  readonly rowsLoaded: number;
  readonly rowsRejected: number;
  /** Why a failed file failed, in one line. */
  readonly reason?: string;
  readonly seconds: number;
}

/** Per-run context of a load. */
export interface LoadContext {
  readonly runId: string;
  readonly maxRejectRatio: number;
  readonly scratchDir: string;
}

const reservedColumns = new Set<string>(["_file_row", ...lineageColumns.map((c) => c.name)]);

/**
 * Loads one file atomically: its old rows (same key) are replaced by the
 * valid new ones, its rejected rows are recorded, and the manifest row is
 * written, all in one transaction. A file that cannot be used as a whole
 * leaves the warehouse as it was and comes back as `failed`.
 */
export async function loadFile(
  warehouse: Warehouse,
  file: FileToLoad,
  context: LoadContext,
): Promise<FileLoadResult> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const { object, source } = file;
  try {
    const staged = await file.format.stage(
      warehouse,
      file.localPath,
      "staged_text",
      context.scratchDir,
    );
    checkColumns(source, staged.columns);
    await warehouse.run(
      `create or replace temp table typed_rows as ${typedSelect(source, staged.columns, "staged_text")}`,
    );
    const [counts] = await warehouse.all<{ loaded: number; rejected: number }>(
      "select count(*) filter (where _reject_column is null) as loaded, count(*) filter (where _reject_column is not null) as rejected from typed_rows",
    );
    const rowsLoaded = counts?.loaded ?? 0;
    const rowsRejected = (counts?.rejected ?? 0) + staged.rejects.length;
    const rowsRead = rowsLoaded + rowsRejected;
    if (rowsRead > 0 && rowsRejected / rowsRead > context.maxRejectRatio) {
      const example = await firstReject(warehouse, staged.rejects);
      throw new FileRejected(
        `${rowsRejected} of ${rowsRead} rows rejected (${((100 * rowsRejected) / rowsRead).toFixed(1)}%), more than maxRejectRatio ${context.maxRejectRatio}; first: ${example}`,
      );
    }
    const extras = staged.columns.filter((name) => !source.columns.some((c) => c.name === name));
    await warehouse.transaction(async (session) => {
      for (const extra of extras) {
        await session.run(
          `alter table ${rawTableName(source)} add column if not exists ${quoteIdentifier(extra)} varchar`,
        );
      }
      await session.run(`delete from ${rawTableName(source)} where _file_key = $1`, [object.key]);
      const dataColumns = [...source.columns.map((c) => c.name), ...extras]
        .map(quoteIdentifier)
        .join(", ");
      await session.run(
        `insert into ${rawTableName(source)} (${dataColumns}, _file_row, _file_key, _file_modified, _run_id)
         select ${dataColumns}, _file_row, $1, $2::timestamp, $3 from typed_rows where _reject_column is null`,
        [object.key, object.lastModified.toISOString(), context.runId],
      );
      await session.run(
        `insert into meta.rejected_rows
         select $1, $2, $3, _file_row, _reject_column, _reject_column || ': ' || _reject_reason, _reject_value
         from typed_rows where _reject_column is not null`,
        [context.runId, source.name, object.key],
      );
      await insertReaderRejects(session, context.runId, source.name, object.key, staged.rejects);
      await session.run(
        "insert or replace into meta.loaded_files values ($1, $2, $3, $4, $5, $6::timestamp, $7, $8, $9, $10, now()::timestamp)",
        [
          object.key,
          source.name,
          file.format.name,
          object.etag,
          object.size,
          object.lastModified.toISOString(),
          rowsRead,
          rowsLoaded,
          rowsRejected,
          context.runId,
        ],
      );
      await recordAttempt(
        session,
        context.runId,
        file,
        "loaded",
        { rowsRead, rowsLoaded, rowsRejected },
        seconds(),
      );
    });
    return {
      key: object.key,
      source: source.name,
      status: "loaded",
      rowsRead,
      rowsLoaded,
      rowsRejected,
      seconds: seconds(),
    };
  } catch (error) {
    if (!(error instanceof FileRejected)) throw error;
    await recordAttempt(
      warehouse,
      context.runId,
      file,
      "failed",
      undefined,
      seconds(),
      error.message,
    );
    return {
      key: object.key,
      source: source.name,
      status: "failed",
      rowsRead: 0,
      rowsLoaded: 0,
      rowsRejected: 0,
      reason: error.message,
      seconds: seconds(),
    };
  } finally {
    await warehouse.run("drop table if exists staged_text; drop table if exists typed_rows");
  }
}

function checkColumns(source: SourceDefinition, columns: readonly string[]): void {
  const missing = source.columns
    .filter((c) => c.required && !columns.includes(c.name))
    .map((c) => c.name);
  if (missing.length > 0) {
    throw new FileRejected(
      `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  }
  const reserved = columns.filter((name) => reservedColumns.has(name));
  if (reserved.length > 0)
    throw new FileRejected(`column ${reserved.join(", ")} is reserved for lineage`);
}

async function firstReject(
  warehouse: Warehouse,
  readerRejects: readonly ReaderReject[],
): Promise<string> {
  const [typed] = await warehouse.all<{
    _file_row: number;
    _reject_column: string;
    _reject_reason: string;
    _reject_value: string;
  }>(
    "select _file_row, _reject_column, _reject_reason, _reject_value from typed_rows where _reject_column is not null order by _file_row limit 1",
  );
  const reader = readerRejects[0];
  if (reader && (!typed || (reader.fileRow ?? 0) <= typed._file_row))
    return `row ${reader.fileRow}: ${reader.reason}`;
  if (typed)
    return `row ${typed._file_row}: ${typed._reject_column} ${typed._reject_reason}: ${JSON.stringify(typed._reject_value)}`;
  return "none";
}

async function insertReaderRejects(
  session: SqlSession,
  runId: string,
  source: string,
  key: string,
  rejects: readonly ReaderReject[],
): Promise<void> {
  for (let start = 0; start < rejects.length; start += 200) {
    const batch = rejects.slice(start, start + 200);
    const values = batch
      .map(
        (r) =>
          `(${r.fileRow ?? "null"}, ${quoteLiteral(r.reason)}, ${r.rawValue === null ? "null" : quoteLiteral(r.rawValue)})`,
      )
      .join(", ");
    await session.run(
      `insert into meta.rejected_rows select $1, $2, $3, file_row, null, reason, raw_value from (values ${values}) as t(file_row, reason, raw_value)`,
      [runId, source, key],
    );
  }
}

async function recordAttempt(
  session: SqlSession,
  runId: string,
  file: FileToLoad,
  status: "loaded" | "failed",
  rows: { rowsRead: number; rowsLoaded: number; rowsRejected: number } | undefined,
  seconds: number,
  reason?: string,
): Promise<void> {
  await session.run(
    "insert into meta.file_loads values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now()::timestamp)",
    [
      runId,
      file.object.key,
      file.source.name,
      file.object.etag,
      file.object.size,
      status,
      rows?.rowsRead ?? null,
      rows?.rowsLoaded ?? null,
      rows?.rowsRejected ?? null,
      reason ?? null,
      seconds,
    ],
  );
}
