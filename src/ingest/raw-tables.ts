import { builtInSources } from "../sources/built-in-sources.ts";
import type { ResolvedSource } from "../sources/resolve-sources.ts";
import {
  duckdbType,
  lineageColumns,
  type SourceDeclaration,
} from "../sources/source-declaration.ts";
import { quoteIdentifier, type SqlSession } from "../warehouse/warehouse.ts";

/** `raw.orders` for the orders source. */
export function rawTableName(source: ResolvedSource): string {
  return `raw.${quoteIdentifier(source.declaration.name)}`;
}

/**
 * Creates the raw table of every source that does not have one yet: the
 * declared columns typed, then the lineage columns. Extra columns that
 * files bring are added later as VARCHAR.
 */
export async function ensureRawTables(
  session: SqlSession,
  sources: readonly SourceDeclaration[] = builtInSources,
): Promise<void> {
  await session.run("create schema if not exists raw");
  for (const source of sources) {
    const columns = [
      ...source.columns.map((c) => `${quoteIdentifier(c.name)} ${duckdbType(c.type)}`),
      ...lineageColumns.map((c) => `${c.name} ${c.type}`),
    ];
    await session.run(
      `create table if not exists raw.${quoteIdentifier(source.name)} (${columns.join(", ")})`,
    );
  }
}
