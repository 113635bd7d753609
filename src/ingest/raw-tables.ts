import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";
import { duckdbType, lineageColumns, type SourceDefinition, sources } from "./sources.ts";

/** `raw.orders` for the orders source. */
export function rawTableName(source: SourceDefinition): string {
  return `raw.${quoteIdentifier(source.name)}`;
}

/**
 * Creates the raw table of every source that does not have one yet: the
 * declared columns typed, then the lineage columns. Extra columns that
 * files bring are added later as VARCHAR.
 */
export async function ensureRawTables(session: SqlSession): Promise<void> {
  await session.run("create schema if not exists raw");
  for (const source of sources) {
    const columns = [
      ...source.columns.map((c) => `${quoteIdentifier(c.name)} ${duckdbType(c.kind)}`),
      ...lineageColumns.map((c) => `${c.name} ${c.type}`),
    ];
    await session.run(`create table if not exists ${rawTableName(source)} (${columns.join(", ")})`);
  }
}
