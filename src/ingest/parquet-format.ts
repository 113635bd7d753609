import { quoteIdentifier, quoteLiteral } from "../warehouse/warehouse.ts";
import {
  assertUsableColumns,
  type FileFormat,
  FileRejected,
  normalizeColumnName,
  type StagedFile,
  stageEach,
} from "./file-format.ts";

/** Where the typed rows of a batch go. */
const table = "staged_parquet";

/** DuckDB's name for the row position that `file_row_number = true` adds. */
const rowNumberColumn = "file_row_number";

/**
 * Parquet. Columns are matched by name and cast to VARCHAR, so that the
 * shared typing step validates them exactly like CSV values (a revenue
 * column stored as text is checked, not trusted).
 */
export const parquetFormat: FileFormat = {
  name: "parquet",
  extensions: [".parquet"],
  async stage(session, files, { typing }) {
    const selects: string[] = [];
    const union = new Set<string>();
    const staged = await stageEach(files, async (file): Promise<StagedFile> => {
      const path = quoteLiteral(file.path);
      let described: { column_name: string }[];
      try {
        described = await session.all<{ column_name: string }>(
          `describe select * from read_parquet(${path}, hive_partitioning = false)`,
        );
      } catch (error) {
        throw new FileRejected(
          `cannot be read as Parquet: ${String((error as Error).message).split("\n")[0]}`,
        );
      }
      const columns = described.map((row) => normalizeColumnName(row.column_name));
      assertUsableColumns(columns);
      if (columns.includes(rowNumberColumn)) {
        // DuckDB cannot number the rows of such a file (its binder refuses the option).
        throw new FileRejected(
          `column ${rowNumberColumn} cannot be loaded from Parquet: DuckDB reserves the name for row numbers`,
        );
      }
      const casts = described.map(
        (row, index) =>
          `cast(${quoteIdentifier(row.column_name)} as varchar) as ${quoteIdentifier(columns[index] as string)}`,
      );
      selects.push(
        `select ${file.fileId} as _file_id, file_row_number + 1 as _file_row${casts.length ? `, ${casts.join(", ")}` : ""}
         from read_parquet(${path}, file_row_number = true, hive_partitioning = false)`,
      );
      for (const column of columns) union.add(column);
      return { ok: true, columns, rejects: [] };
    });
    const columns = [...union];
    if (selects.length === 0) return { files: staged, relation: null, columns };
    const read = `(${selects.map((s) => `(${s})`).join("\nunion all by name\n")})`;
    await session.run(
      `create or replace temp table ${table} as ${typing.select(columns, read, ["_file_id", "_file_row"])}`,
    );
    return { files: staged, relation: `select * from ${table}`, columns };
  },
};
