import type { ResolvedSource } from "../sources/resolve-sources.ts";
import type { ObjectInfo } from "../storage/object-store.ts";
import { insertMeta, replaceMeta } from "../warehouse/state-store.ts";
import {
  quoteIdentifier,
  quoteLiteral,
  type SqlSession,
  type Warehouse,
} from "../warehouse/warehouse.ts";
import {
  type FileFormat,
  type ReaderReject,
  type RowTyping,
  reservedColumns,
  type StagedBatch,
  type StagedFile,
} from "./file-format.ts";
import { rawTableName } from "./raw-tables.ts";
import { extraColumns, rowKeyText, rowTyping } from "./typing.ts";

/** One downloaded object, ready to load. */
export interface FileToLoad {
  readonly object: ObjectInfo;
  readonly source: ResolvedSource;
  readonly format: FileFormat;
  readonly localPath: string;
  /** The key was loaded before with another ETag: its old rows go. */
  readonly replaces: boolean;
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
}

/** Per-run context of a load. */
export interface LoadContext {
  readonly runId: string;
  readonly maxRejectRatio: number;
  readonly scratchDir: string;
}

/**
 * Loads a batch of files of one source and format in one transaction: the
 * rows of every usable file replace that key's old rows, rejected rows are
 * recorded, and manifest rows are written. A file that cannot be used as a
 * whole (unreadable, missing a required column, too many rejects) is left
 * out and comes back `failed`; the others load. A crash mid-batch leaves
 * none of its rows.
 */
export async function loadBatch(
  warehouse: Warehouse,
  batch: readonly FileToLoad[],
  context: LoadContext,
): Promise<FileLoadResult[]> {
  const source = batch[0]?.source;
  const format = batch[0]?.format;
  if (!source || !format) return [];
  const typing = rowTyping(source);
  let staged: StagedBatch;
  try {
    staged = await format.stage(
      warehouse,
      batch.map((file, fileId) => ({ fileId, path: file.localPath })),
      { scratchDir: context.scratchDir, csv: source.csv, typing },
    );
  } catch (error) {
    // A reader error the format did not foresee (DuckDB refusing a file) must
    // fail that file, not the run: retry one by one to find it.
    await dropStagingTables(warehouse);
    if (batch.length > 1) {
      const results: FileLoadResult[] = [];
      for (const file of batch) results.push(...(await loadBatch(warehouse, [file], context)));
      return results;
    }
    return recordUnreadable(warehouse, batch, source, context, typing, error);
  }
  try {
    const relation = staged.relation;
    const verdicts = batch.map((_, fileId) => checkColumns(source, staged.files.get(fileId)));
    const counts = new Map(
      relation === null
        ? []
        : (
            await warehouse.all<{ file_id: number; loaded: number; rejected: number }>(
              `select _file_id as file_id, count(*) filter (where _reject_column is null) as loaded,
                      count(*) filter (where _reject_column is not null) as rejected
               from (${relation}) group by _file_id`,
            )
          ).map((row) => [row.file_id, row]),
    );
    const results: FileLoadResult[] = [];
    const usable: number[] = [];
    for (const [fileId, file] of batch.entries()) {
      const verdict = verdicts[fileId] as Verdict;
      const key = file.object.key;
      if (!verdict.ok) {
        results.push(failedFile(key, source, verdict.reason));
        continue;
      }
      const rowsLoaded = counts.get(fileId)?.loaded ?? 0;
      const typedRejects = counts.get(fileId)?.rejected ?? 0;
      if (verdict.rows !== undefined && rowsLoaded + typedRejects !== verdict.rows) {
        // Not seen: a row lost between the reader and the typed relation must not go unnoticed.
        const reason = `cannot be read as ${format.name}: the reader returned ${verdict.rows} rows but ${rowsLoaded + typedRejects} reached the loader`;
        results.push(failedFile(key, source, reason));
        continue;
      }
      const rowsRejected = typedRejects + verdict.rejects.length;
      const rowsRead = rowsLoaded + rowsRejected;
      if (rowsRead > 0 && rowsRejected / rowsRead > context.maxRejectRatio) {
        const reason = `${rowsRejected} of ${rowsRead} rows rejected (${((100 * rowsRejected) / rowsRead).toFixed(1)}%), more than maxRejectRatio ${context.maxRejectRatio}; first: ${await firstReject(warehouse, relation, fileId, verdict.rejects)}`;
        results.push(failedFile(key, source, reason));
        continue;
      }
      usable.push(fileId);
      results.push({
        key,
        source: source.declaration.name,
        status: "loaded",
        rowsRead,
        rowsLoaded,
        rowsRejected,
      });
    }
    await warehouse.transaction((session) =>
      writeBatch(session, {
        batch,
        source,
        relation,
        stagedColumns: staged.columns,
        usable,
        typedRejects: usable.some((fileId) => (counts.get(fileId)?.rejected ?? 0) > 0),
        results,
        staged: verdicts,
        context,
      }),
    );
    return results;
  } finally {
    await dropStagingTables(warehouse);
  }
}

async function dropStagingTables(warehouse: Warehouse): Promise<void> {
  const leftovers = await warehouse.all<{ table_name: string }>(
    "select table_name from duckdb_tables() where temporary and starts_with(table_name, 'staged_')",
  );
  for (const { table_name } of leftovers)
    await warehouse.run(`drop table if exists ${quoteIdentifier(table_name)}`);
}

/** Records a single file the reader threw on as failed, with the error's first line. */
async function recordUnreadable(
  warehouse: Warehouse,
  batch: readonly FileToLoad[],
  source: ResolvedSource,
  context: LoadContext,
  typing: RowTyping,
  error: unknown,
): Promise<FileLoadResult[]> {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
  const reason = typing.misfit(error) ?? `cannot be read as ${batch[0]?.format.name}: ${message}`;
  const results = batch.map((file) => failedFile(file.object.key, source, reason));
  await warehouse.transaction((session) =>
    writeBatch(session, {
      batch,
      source,
      relation: null,
      stagedColumns: [],
      usable: [],
      typedRejects: false,
      results,
      staged: batch.map(() => ({ ok: false, reason })),
      context,
    }),
  );
  return results;
}

/** A file that loads nothing: rows read stay 0, so read = loaded + rejected holds. */
function failedFile(key: string, source: ResolvedSource, reason: string): FileLoadResult {
  return {
    key,
    source: source.declaration.name,
    status: "failed",
    rowsRead: 0,
    rowsLoaded: 0,
    rowsRejected: 0,
    reason,
  };
}

type Verdict =
  | { ok: true; rejects: readonly ReaderReject[]; rows?: number }
  | { ok: false; reason: string };

function checkColumns(source: ResolvedSource, staged: StagedFile | undefined): Verdict {
  if (!staged) return { ok: false, reason: "was not read" };
  if (!staged.ok) return staged;
  const missing = source.mappings
    .filter(
      (m) =>
        m.column.required &&
        m.feed.kind === "column" &&
        !staged.columns.includes(m.feed.exportColumn),
    )
    .map((m) =>
      m.feed.kind === "column" && m.feed.exportColumn !== m.column.name
        ? `${m.column.name} (export column "${m.feed.exportColumn}", ${m.setting})`
        : m.column.name,
    );
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `missing required column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    };
  }
  const reserved = staged.columns.filter((name) => reservedColumns.has(name));
  if (reserved.length > 0)
    return { ok: false, reason: `column ${reserved.join(", ")} is reserved for lineage` };
  return { ok: true, rejects: staged.rejects, rows: staged.rows };
}

async function writeBatch(
  session: SqlSession,
  input: {
    readonly batch: readonly FileToLoad[];
    readonly source: ResolvedSource;
    readonly relation: string | null;
    readonly stagedColumns: readonly string[];
    readonly usable: readonly number[];
    /** Whether a usable file has rows the typing rejected (counted before the transaction). */
    readonly typedRejects: boolean;
    readonly results: readonly FileLoadResult[];
    readonly staged: readonly Verdict[];
    readonly context: LoadContext;
  },
): Promise<void> {
  const { batch, source, usable, results, context } = input;
  const table = rawTableName(source);
  const files = `(values ${batch
    .map(
      (file, fileId) =>
        `(${fileId}, ${quoteLiteral(file.object.key)}, ${quoteLiteral(file.object.lastModified.toISOString())}::timestamp)`,
    )
    .join(", ")}) as f(file_id, file_key, file_modified)`;
  if (usable.length > 0) {
    const extras = extraColumns(source, input.stagedColumns);
    for (const extra of extras) {
      await session.run(
        `alter table ${table} add column if not exists ${quoteIdentifier(extra)} varchar`,
      );
    }
    const replaced = usable.filter((fileId) => batch[fileId]?.replaces);
    if (replaced.length > 0) {
      await session.run(
        `delete from ${table} where _file_key in (${replaced.map((id) => quoteLiteral(batch[id]?.object.key ?? "")).join(", ")})`,
      );
    }
    if (input.relation !== null) {
      const names = [...source.mappings.map((m) => m.column.name), ...extras];
      const values = [
        ...source.mappings.map((m) =>
          m.feed.kind === "row_key"
            ? rowKeyText("f.file_key", "t._file_row")
            : `t.${quoteIdentifier(m.column.name)}`,
        ),
        ...extras.map((extra) => `t.${quoteIdentifier(extra)}`),
      ];
      const usableList = usable.join(", ");
      await session.run(
        `insert into ${table} (${names.map(quoteIdentifier).join(", ")}, _file_row, _file_key, _file_modified, _run_id)
         select ${values.join(", ")}, t._file_row, f.file_key, f.file_modified, $1
         from (${input.relation}) t join ${files} on f.file_id = t._file_id
         where t._reject_column is null and t._file_id in (${usableList})`,
        [context.runId],
      );
      // Skipped when there are none: the insert would scan every row of the batch again.
      if (input.typedRejects)
        await session.run(
          `insert into meta.rejected_rows
         select $1, $2, f.file_key, t._file_row, t._reject_column, t._reject_column || ': ' || t._reject_reason, t._reject_value
         from (${input.relation}) t join ${files} on f.file_id = t._file_id
         where t._reject_column is not null and t._file_id in (${usableList})`,
          [context.runId, source.declaration.name],
        );
    }
    const readerRejects = usable.flatMap((fileId) => {
      const verdict = input.staged[fileId];
      return verdict?.ok ? verdict.rejects.map((reject) => ({ fileId, reject })) : [];
    });
    await insertReaderRejects(
      session,
      context.runId,
      source.declaration.name,
      files,
      readerRejects,
    );
  }
  const now = new Date();
  await replaceMeta(
    session,
    "meta.loaded_files",
    usable.map((fileId) => {
      const file = batch[fileId] as FileToLoad;
      const result = results[fileId] as FileLoadResult;
      return {
        key: file.object.key,
        source: source.declaration.name,
        format: file.format.name,
        etag: file.object.etag,
        size: file.object.size,
        last_modified: file.object.lastModified,
        rows_read: result.rowsRead,
        rows_loaded: result.rowsLoaded,
        rows_rejected: result.rowsRejected,
        run_id: context.runId,
        loaded_at: now,
      };
    }),
  );
  await insertMeta(
    session,
    "meta.file_loads",
    batch.map((file, fileId) => {
      const result = results[fileId] as FileLoadResult;
      const loadedOk = result.status === "loaded";
      return {
        run_id: context.runId,
        key: file.object.key,
        source: source.declaration.name,
        etag: file.object.etag,
        size: file.object.size,
        status: result.status,
        rows_read: loadedOk ? result.rowsRead : null,
        rows_loaded: loadedOk ? result.rowsLoaded : null,
        rows_rejected: loadedOk ? result.rowsRejected : null,
        reason: result.reason ?? null,
        seconds: null,
        loaded_at: now,
      };
    }),
  );
}

async function firstReject(
  warehouse: Warehouse,
  relation: string | null,
  fileId: number,
  readerRejects: readonly ReaderReject[],
): Promise<string> {
  const [typed] =
    relation === null
      ? []
      : await warehouse.all<{
          _file_row: number;
          _reject_column: string;
          _reject_reason: string;
          _reject_value: string;
        }>(
          `select _file_row, _reject_column, _reject_reason, _reject_value from (${relation})
     where _file_id = $1 and _reject_column is not null order by _file_row limit 1`,
          [fileId],
        );
  const reader = readerRejects[0];
  if (reader && (!typed || (reader.fileRow ?? 0) <= typed._file_row))
    return `row ${reader.fileRow}: ${reader.reason}`;
  if (typed)
    return `row ${typed._file_row}: ${typed._reject_column} ${typed._reject_reason}: ${JSON.stringify(typed._reject_value)}`;
  return "none";
}

/** Rows the readers rejected, many to a statement: a batch may hold thousands. */
async function insertReaderRejects(
  session: SqlSession,
  runId: string,
  source: string,
  files: string,
  rejects: readonly { readonly fileId: number; readonly reject: ReaderReject }[],
): Promise<void> {
  for (let start = 0; start < rejects.length; start += 500) {
    const values = rejects
      .slice(start, start + 500)
      .map(
        ({ fileId, reject: r }) =>
          `(${fileId}, ${r.fileRow ?? "null"}, ${quoteLiteral(r.reason)}, ${r.rawValue === null ? "null" : quoteLiteral(r.rawValue)})`,
      )
      .join(", ");
    await session.run(
      `insert into meta.rejected_rows
       select $1, $2, f.file_key, t.file_row, null, t.reason, t.raw_value
       from (values ${values}) as t(file_id, file_row, reason, raw_value) join ${files} on f.file_id = t.file_id
       order by t.file_id, t.file_row`,
      [runId, source],
    );
  }
}
