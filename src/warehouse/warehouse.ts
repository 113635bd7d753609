import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  type DuckDBConnection,
  DuckDBDecimalValue,
  DuckDBInstance,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from "@duckdb/node-api";
import type { Logger } from "../log/logger.ts";
import { DuckmartError, toError } from "../util/errors.ts";
import { Mutex } from "../util/mutex.ts";
import { bindingTypes, numericTypeIds, rowFromDuckDB, toDuckDB } from "./duckdb-values.ts";

/** A row as plain JS values: BIGINT as number, TIMESTAMP and DATE as Date (see duckdb-values.ts). */
export type Row = Record<string, unknown>;

/** Statement parameters, bound positionally to `$1`, `$2`, … */
export type Params = readonly (string | number | boolean | bigint | Date | null)[];

/** Runs SQL. A Warehouse is one; so is the session inside a transaction. */
export interface SqlSession {
  run(sql: string, params?: Params): Promise<void>;
  all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  /**
   * Runs `sql` and returns the named numeric columns as Float64Arrays, index
   * for index with the rows (NULL becomes NaN). Read vector by vector, with
   * no object per row: for the hundreds of thousands of rows the fits read,
   * the objects cost more than the query.
   *
   * @example
   * const { frequency } = await session.numberColumns("select frequency from t order by 1", ["frequency"]);
   */
  numberColumns<K extends string>(
    sql: string,
    names: readonly K[],
    params?: Params,
  ): Promise<Record<K, Float64Array>>;
}

/** Resource limits applied to the DuckDB instance. */
export interface WarehouseOptions {
  readonly readOnly?: boolean;
  /** e.g. "4GB"; empty keeps DuckDB's default (80% of RAM). */
  readonly memoryLimit?: string;
  /** 0 keeps DuckDB's default (all cores). */
  readonly threads?: number;
  readonly tempDirectory?: string;
  /** Turns off file and network access from SQL and locks the configuration. */
  readonly sandboxed?: boolean;
  readonly logger?: Logger;
}

/**
 * The one handle on a DuckDB database file: opened once, refuses use after
 * close, and serialises statements so that a transaction owns the
 * connection until it ends.
 */
export class Warehouse implements SqlSession {
  readonly path: string;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #mutex = new Mutex();
  /**
   * Marks the work of a transaction while it holds the mutex, which is not
   * reentrant. Tasks the work starts inherit the marker; once the transaction
   * has ended it is inactive, so such a task may use the warehouse again.
   */
  readonly #inTransaction = new AsyncLocalStorage<{ active: boolean }>();
  readonly #logger: Logger | undefined;
  #closed = false;

  private constructor(
    path: string,
    instance: DuckDBInstance,
    connection: DuckDBConnection,
    logger?: Logger,
  ) {
    this.path = path;
    this.#instance = instance;
    this.#connection = connection;
    this.#logger = logger;
  }

  /** Opens (creating if needed) the database at `path`; ":memory:" for a scratch one. */
  static async open(path: string, options: WarehouseOptions = {}): Promise<Warehouse> {
    if (path !== ":memory:" && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
    const config: Record<string, string> = {};
    if (options.readOnly) config.access_mode = "READ_ONLY";
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    if (options.sandboxed) {
      config.enable_external_access = "false";
      config.lock_configuration = "true";
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (error) {
      throw new DuckmartError(`cannot open warehouse ${path}: ${toError(error).message}`, {
        cause: error,
      });
    }
    const connection = await instance.connect();
    return new Warehouse(path, instance, connection, options.logger);
  }

  async run(sql: string, params?: Params): Promise<void> {
    this.#assertNotInTransaction("run");
    await this.#mutex.runExclusive(() => this.#execute(sql, params));
  }

  async all<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    this.#assertNotInTransaction("all");
    return this.#mutex.runExclusive(() => this.#query<T>(sql, params));
  }

  async numberColumns<K extends string>(
    sql: string,
    names: readonly K[],
    params?: Params,
  ): Promise<Record<K, Float64Array>> {
    this.#assertNotInTransaction("numberColumns");
    return this.#mutex.runExclusive(() => this.#numberColumns(sql, names, params));
  }

  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back
   * when it throws. Nothing else runs on the warehouse meanwhile.
   */
  async transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    this.#assertNotInTransaction("transaction");
    return this.#mutex.runExclusive(async () => {
      await this.#execute("begin transaction");
      const session: SqlSession = {
        run: (sql, params) => this.#execute(sql, params),
        all: (sql, params) => this.#query(sql, params),
        numberColumns: (sql, names, params) => this.#numberColumns(sql, names, params),
      };
      const marker = { active: true };
      try {
        const result = await this.#inTransaction.run(marker, () => work(session));
        await this.#execute("commit");
        return result;
      } catch (error) {
        await this.#execute("rollback").catch(() => undefined);
        throw error;
      } finally {
        marker.active = false;
      }
    });
  }

  /** Closes the database; later calls throw. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  async #execute(sql: string, params?: Params): Promise<void> {
    this.#assertOpen();
    const started = performance.now();
    await this.#connection.run(sql, ...bound(params));
    this.#trace(sql, started);
  }

  async #query<T extends Row>(sql: string, params?: Params): Promise<T[]> {
    this.#assertOpen();
    const started = performance.now();
    const reader = await this.#connection.runAndReadAll(sql, ...bound(params));
    const rows = reader.getRowObjectsJS().map((row) => rowFromDuckDB(row) as T);
    this.#trace(sql, started, rows.length);
    return rows;
  }

  async #numberColumns<K extends string>(
    sql: string,
    names: readonly K[],
    params?: Params,
  ): Promise<Record<K, Float64Array>> {
    this.#assertOpen();
    const started = performance.now();
    const result = await this.#connection.run(sql, ...bound(params));
    const columnNames = result.columnNames();
    const indexes = names.map((name) => {
      const index = columnNames.indexOf(name);
      if (index === -1)
        throw new DuckmartError(
          `the query returns no column ${name} (it has ${columnNames.join(", ")})`,
        );
      // A NULL literal's column has type SQLNULL: all NaN.
      const type = result.columnTypeId(index);
      if (!numericTypeIds.has(type) && type !== DuckDBTypeId.SQLNULL)
        throw new DuckmartError(
          `column ${name} is ${result.columnType(index).toString()}, not a number: cast it in the query`,
        );
      return index;
    });
    const chunks: Float64Array[][] = names.map(() => []);
    let rows = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      indexes.forEach((index, k) => {
        const vector = chunk.getColumnVector(index);
        const values = new Float64Array(chunk.rowCount);
        for (let i = 0; i < values.length; i++) values[i] = numberOf(vector.getItem(i));
        chunks[k]?.push(values);
      });
      rows += chunk.rowCount;
    }
    const columns = {} as Record<K, Float64Array>;
    names.forEach((name, k) => {
      const column = new Float64Array(rows);
      let at = 0;
      for (const values of chunks[k] ?? []) {
        column.set(values, at);
        at += values.length;
      }
      columns[name] = column;
    });
    this.#trace(sql, started, rows);
    return columns;
  }

  /** A trace-level log line per statement: its start, duration and rows read. */
  #trace(sql: string, started: number, rows?: number): void {
    this.#logger?.trace(
      {
        sql: sql.slice(0, 200),
        ...(rows === undefined ? {} : { rows }),
        ms: Math.round(performance.now() - started),
      },
      "sql",
    );
  }

  /**
   * The warehouse itself, called from inside a transaction's work, would wait
   * for the transaction to end and so never run: fail at once instead.
   */
  #assertNotInTransaction(method: string): void {
    if (this.#inTransaction.getStore()?.active) {
      throw new DuckmartError(
        `warehouse.${method}() called inside transaction() on ${this.path}: use the session passed to the transaction's callback`,
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new DuckmartError(`warehouse ${this.path} is closed`);
  }
}

/** A statement's parameters converted for binding, and their binding types. */
function bound(params?: Params): [DuckDBValue[] | undefined, DuckDBType[] | undefined] {
  return [params?.map(toDuckDB), params && (bindingTypes(params) as DuckDBType[])];
}

/**
 * A value of a numeric vector as a double, as `all()` converts it: NULL as
 * NaN, integers (bigint from BIGINT on, BIGNUM too) by value, a DECIMAL by
 * DuckDB's own conversion (what `::double` gives in SQL).
 */
function numberOf(value: unknown): number {
  if (value === null) return Number.NaN;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  throw new DuckmartError(`not a number: ${String(value)}`);
}

/** Quotes an identifier for DuckDB, whatever characters it holds. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
