import {
  type Compilable,
  DummyDriver,
  type InsertObject,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from "kysely";
import type { MetaTables } from "./kysely/warehouse-database.ts";
import type { Params, SqlSession } from "./warehouse.ts";

/**
 * Kysely as a typed statement builder for the metadata tables only: it
 * compiles, and the statement runs on a `SqlSession`, so a write joins the
 * caller's transaction (a model's build and its state commit together).
 * The column map in `warehouse-columns.ts` types every statement, so a
 * renamed or missing column fails the type check instead of shifting a
 * positional `values ($1, …)`.
 */
export const metaStatements = new Kysely<MetaTables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A row of a metadata table, every column named (a value or an expression such as {@link databaseNow}). */
export type MetaRow<Table extends keyof MetaTables> = InsertObject<MetaTables, Table>;

/** Runs a statement built with {@link metaStatements} on `session`. */
export async function execute(session: SqlSession, statement: Compilable): Promise<void> {
  const { sql, parameters } = statement.compile();
  await session.run(sql, parameters as Params);
}

/** Inserts rows into a metadata table, in one statement per 500 rows. */
export async function insertMeta<Table extends keyof MetaTables>(
  session: SqlSession,
  table: Table,
  rows: readonly MetaRow<Table>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await execute(session, metaStatements.insertInto(table).values(chunk));
  }
}

/**
 * Writes rows into a metadata table keyed by its `key` column, replacing
 * the rows with the same keys (what `insert or replace` does; Kysely's
 * compiler has no spelling of it that DuckDB parses). Run it in a
 * transaction, so that no reader sees a key deleted and not yet written.
 */
export async function replaceMeta<Table extends "meta.loaded_files" | "meta.skipped_files">(
  session: SqlSession,
  table: Table,
  rows: readonly (MetaRow<Table> & { readonly key: string })[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    const keys = rows.slice(start, start + 500).map((row) => row.key);
    await execute(
      session,
      metaStatements.deleteFrom(table as "meta.loaded_files").where("key", "in", keys),
    );
  }
  await insertMeta(session, table, rows);
}

/** The database's clock, as the metadata tables store it (a timestamp without zone). */
export const databaseNow = sql<Date>`now()::timestamp`;
