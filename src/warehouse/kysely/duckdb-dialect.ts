import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresQueryCompiler,
  type QueryCompiler,
} from "kysely";
import { type DuckDBDialectConfig, DuckDBDriver } from "./duckdb-driver.ts";
import { DuckDBIntrospector } from "./duckdb-introspector.ts";

/**
 * Kysely dialect for DuckDB. DuckDB's SQL follows Postgres closely: the
 * Postgres query compiler's output (double-quoted identifiers, `$1`
 * parameters, `limit $n offset $m`, `returning`, `on conflict`) runs on
 * DuckDB unchanged (checked in tests/serve/kysely.test.ts), so only the
 * driver and the introspector are DuckDB's own.
 *
 * @example
 * const db = new Kysely<MyTables>({ dialect: new DuckDBDialect({ database: "my.duckdb" }) });
 */
export class DuckDBDialect implements Dialect {
  readonly #config: DuckDBDialectConfig;

  constructor(config: DuckDBDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new DuckDBDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface declares Kysely<any>.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}
