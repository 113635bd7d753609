import { type DuckDBConnection as NativeConnection, ResultReturnType } from "@duckdb/node-api";
import type { CompiledQuery, DatabaseConnection, QueryResult } from "kysely";
import { DuckmartError, toError } from "../../util/errors.ts";
import { rowFromDuckDB, toDuckDB } from "../duckdb-values.ts";

/** One DuckDB connection as Kysely sees it. */
export class DuckDBConnection implements DatabaseConnection {
  readonly #connection: NativeConnection;

  constructor(connection: NativeConnection) {
    this.#connection = connection;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const reader = await this.#run(compiledQuery, (sql, params) =>
      this.#connection.runAndReadAll(sql, params),
    );
    if (reader.returnType === ResultReturnType.CHANGED_ROWS) {
      return { rows: [], numAffectedRows: BigInt(reader.rowsChanged) };
    }
    return { rows: reader.getRowObjectsJS().map((row) => rowFromDuckDB(row) as R) };
  }

  /** Yields DuckDB's own chunks (about 2048 rows each); `chunkSize` is not needed. */
  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    _chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.#run(compiledQuery, (sql, params) =>
      this.#connection.stream(sql, params),
    );
    for await (const rows of result.yieldRowObjectJs()) {
      yield { rows: rows.map((row) => rowFromDuckDB(row) as R) };
    }
  }

  /** Closes the native connection; the driver calls it on destroy. */
  close(): void {
    this.#connection.closeSync();
  }

  async #run<T>(
    compiledQuery: CompiledQuery,
    call: (sql: string, params: ReturnType<typeof toDuckDB>[]) => Promise<T>,
  ): Promise<T> {
    try {
      return await call(compiledQuery.sql, compiledQuery.parameters.map(toDuckDB));
    } catch (error) {
      throw new DuckmartError(
        `${toError(error).message.replace(/^Error: /, "")} (in: ${compiledQuery.sql.slice(0, 200)})`,
        {
          cause: error,
        },
      );
    }
  }
}
