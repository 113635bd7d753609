import { quoteIdentifier, quoteLiteral, type SqlSession } from "../warehouse/warehouse.ts";
import {
  assertUniqueColumns,
  type FileFormat,
  FileRejected,
  normalizeColumnName,
  type StagedText,
} from "./file-format.ts";

/**
 * Parquet. Columns are matched by name and cast to VARCHAR, so that the
 * shared typing step validates them exactly like CSV values (a revenue
 * column stored as text is checked, not trusted).
 */
export const parquetFormat: FileFormat = {
  name: "parquet",
  extensions: [".parquet"],
  async stage(session: SqlSession, path: string, table: string): Promise<StagedText> {
    let described: { column_name: string }[];
    try {
      described = await session.all<{ column_name: string }>(
        `describe select * from read_parquet(${quoteLiteral(path)})`,
      );
    } catch (error) {
      throw new FileRejected(
        `cannot be read as Parquet: ${String((error as Error).message).split("\n")[0]}`,
      );
    }
    const columns = described.map((row) => normalizeColumnName(row.column_name));
    assertUniqueColumns(columns);
    const select = described
      .map(
        (row, index) =>
          `cast(${quoteIdentifier(row.column_name)} as varchar) as ${quoteIdentifier(columns[index] as string)}`,
      )
      .join(", ");
    await session.run(
      `create or replace temp table ${table} as
       select file_row_number + 1 as _file_row${select ? `, ${select}` : ""}
       from read_parquet(${quoteLiteral(path)}, file_row_number = true)`,
    );
    return { columns, rejects: [] };
  },
};
