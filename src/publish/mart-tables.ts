import { PublishError } from "../util/errors.ts";
import type { SqlSession } from "../warehouse/warehouse.ts";

/** A mart relation in the warehouse's `main` schema. */
export interface MartTable {
  /** `mart_…`, also the folder name under the publish prefix. */
  readonly name: string;
  /** Views cannot be split by `rowid`, so they are published as one file. */
  readonly isView: boolean;
}

/** Mart names become object keys and file names: keep them to a safe alphabet. */
const martNamePattern = /^mart_[a-z0-9_]+$/;

/**
 * Lists every `main.mart_*` table and view of the session's current database
 * (not of attached ones), in name order. Publishing takes whatever marts
 * exist, so a new mart needs no change here.
 */
export async function listMartTables(session: SqlSession): Promise<MartTable[]> {
  const rows = await session.all<{ name: string; is_view: boolean }>(
    `select table_name as name, false as is_view
       from duckdb_tables()
      where database_name = current_database() and schema_name = 'main'
        and not temporary and starts_with(table_name, 'mart_')
     union all
     select view_name, true
       from duckdb_views()
      where database_name = current_database() and schema_name = 'main'
        and not temporary and not internal and starts_with(view_name, 'mart_')
     order by name`,
  );
  return rows.map((row) => {
    if (!martNamePattern.test(row.name)) {
      throw new PublishError(
        `mart ${JSON.stringify(row.name)} cannot be published: mart names must match ${martNamePattern}`,
      );
    }
    return { name: row.name, isView: row.is_view };
  });
}
