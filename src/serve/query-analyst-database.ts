import { existsSync } from "node:fs";
import { DuckDBInstance, type DuckDBType, type DuckDBValue, type Json } from "@duckdb/node-api";
import { DuckmartError, toError } from "../util/errors.ts";
import { QueryError } from "./query-error.ts";

/** One result column. */
export interface QueryColumn {
  /** Unique within the result (DuckDB appends `_1`, … to repeated names). */
  readonly name: string;
  readonly type: DuckDBType;
}

/**
 * A query result with DuckDB's own values, so that formatters can print
 * BIGINT, HUGEINT and DECIMAL without going through a JS double.
 */
export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly (readonly DuckDBValue[])[];
  /** The same values converted for JSON by DuckDB (nested types become arrays and objects). */
  readonly jsonRows: readonly (readonly Json[])[];
}

/**
 * Settings that make the connection read-only whatever the SQL says: the
 * file is opened read-only, SQL cannot touch files or the network, and
 * neither can be switched back on because the configuration is locked.
 */
export const analystSandboxConfig: Readonly<Record<string, string>> = {
  access_mode: "READ_ONLY",
  enable_external_access: "false",
  lock_configuration: "true",
};

/**
 * Runs `sql` on the analyst database at `path`, opened read-only with
 * external access disabled (SPEC §4). Nothing is parsed or filtered here:
 * DuckDB itself refuses writes, file reads and writes, ATTACH and SET, and
 * such a refusal becomes a QueryError with `refused` set. With several
 * statements, the last one's result is returned.
 *
 * @example
 * const result = await queryAnalystDatabase(".duckmart/analyst.duckdb", "select count(*) from mart_rfm");
 */
export async function queryAnalystDatabase(path: string, sql: string): Promise<QueryResult> {
  if (!existsSync(path)) {
    throw new DuckmartError(
      `the analyst database ${path} does not exist yet: it is created when \`duckmart run\` publishes the marts`,
    );
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, { ...analystSandboxConfig });
  } catch (error) {
    throw new DuckmartError(`cannot open the analyst database ${path}: ${toError(error).message}`, {
      cause: error,
    });
  }
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const names = reader.deduplicatedColumnNames();
    const types = reader.columnTypes();
    return {
      columns: names.map((name, index) => ({ name, type: types[index] as DuckDBType })),
      rows: reader.getRows(),
      jsonRows: reader.getRowsJson(),
    };
  } catch (error) {
    throw explainQueryError(error);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** How DuckDB phrases each kind of sandbox refusal, and what to tell the analyst. */
const refusals: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  {
    pattern: /read-only mode|read only mode|in read-only|read-only database/i,
    reason:
      "duckmart query is read-only: the analyst database is opened read-only, so statements that change it are refused",
  },
  {
    pattern:
      /Permission Error|disabled by configuration|external access|file system operations are disabled/i,
    reason:
      "duckmart query cannot read or write files or reach the network (external access is disabled)",
  },
  {
    pattern: /configuration has been locked/i,
    reason: "duckmart query cannot change settings (the configuration is locked)",
  },
];

function explainQueryError(error: unknown): QueryError {
  const detail = toError(error).message.replace(/^Error: /, "");
  for (const refusal of refusals) {
    if (refusal.pattern.test(detail)) {
      return new QueryError(`refused: ${refusal.reason}. DuckDB said: ${detail}`, {
        cause: error,
        refused: true,
      });
    }
  }
  return new QueryError(`query failed: ${detail}`, { cause: error, refused: false });
}
