import { Kysely } from "kysely";
import { loadSettings } from "../config/load-settings.ts";
import { DuckDBDialect } from "../warehouse/kysely/duckdb-dialect.ts";
import type { WarehouseDatabase } from "../warehouse/kysely/warehouse-database.ts";
import { analystDatabasePath } from "./analyst-database.ts";
import { analystSandboxConfig } from "./query-analyst-database.ts";

/**
 * A typed, read-only Kysely instance over the analyst database: every mart
 * and every metadata table of the last completed run. The file is opened
 * read-only with external access disabled and the configuration locked, so
 * it can be used while a run holds the warehouse. `path` defaults to the
 * analyst database of the current settings (`config/duckmart.yaml` and
 * `DUCKMART_*`). Counts (BIGINT) arrive as numbers, dates and timestamps as
 * Dates. Call `db.destroy()` when done.
 *
 * @example
 * const db = openWarehouse();
 * const rows = await db.selectFrom("mart_kpi_monthly").select(["month", "revenue"]).orderBy("month").execute();
 * await db.destroy();
 */
export function openWarehouse(path?: string): Kysely<WarehouseDatabase> {
  const database = path ?? analystDatabasePath(loadSettings());
  return new Kysely<WarehouseDatabase>({
    dialect: new DuckDBDialect({ database, config: analystSandboxConfig }),
  });
}
