import { DuckDBInstance } from "@duckdb/node-api";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from "kysely";
import { DuckmartError, toError } from "../../util/errors.ts";
import { DuckDBConnection } from "./duckdb-connection.ts";

/** Where the Kysely dialect gets its DuckDB database from. */
export interface DuckDBDialectConfig {
  /**
   * A database file (":memory:" for a scratch one), opened on first use and
   * closed by `db.destroy()`; or an open instance, which the caller keeps
   * owning and closing.
   */
  readonly database: string | DuckDBInstance;
  /** DuckDB options for opening a path, e.g. `{ access_mode: "READ_ONLY" }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Kysely driver over @duckdb/node-api. Each Kysely connection is one DuckDB
 * connection on a shared instance; DuckDB runs them in parallel, so idle ones
 * are pooled rather than serialised behind a single connection.
 */
export class DuckDBDriver implements Driver {
  readonly #config: DuckDBDialectConfig;
  readonly #idle: DuckDBConnection[] = [];
  readonly #all: DuckDBConnection[] = [];
  #instance: DuckDBInstance | undefined;
  #ownsInstance = false;
  #destroyed = false;

  constructor(config: DuckDBDialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const { database } = this.#config;
    if (typeof database !== "string") {
      this.#instance = database;
      return;
    }
    try {
      this.#instance = await DuckDBInstance.create(database, { ...this.#config.config });
      this.#ownsInstance = true;
    } catch (error) {
      throw new DuckmartError(
        `cannot open DuckDB database ${database}: ${toError(error).message}`,
        { cause: error },
      );
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#destroyed || !this.#instance)
      throw new DuckmartError("the DuckDB Kysely instance is destroyed");
    const idle = this.#idle.pop();
    if (idle) return idle;
    const connection = new DuckDBConnection(await this.#instance.connect());
    this.#all.push(connection);
    return connection;
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      // DuckDB transactions are snapshot-isolated and take no options.
      throw new DuckmartError("DuckDB transactions do not take an isolation level or access mode");
    }
    await connection.executeQuery(CompiledQuery.raw("begin transaction"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (this.#destroyed) return;
    this.#idle.push(connection as DuckDBConnection);
  }

  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const connection of this.#all) connection.close();
    this.#idle.length = 0;
    this.#all.length = 0;
    if (this.#ownsInstance) this.#instance?.closeSync();
    this.#instance = undefined;
  }
}
