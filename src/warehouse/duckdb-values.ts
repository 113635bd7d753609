import {
  BLOB,
  DOUBLE,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  jsToDuckDBValue,
  TIMESTAMP,
} from "@duckdb/node-api";

/** DuckDB's number types: integers of every width, FLOAT, DOUBLE, DECIMAL and BIGNUM. */
export const numericTypeIds: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BIGNUM,
]);

/**
 * Converts a value DuckDB returned (`getRowObjectsJS`) to what the table
 * types promise: BIGINT and HUGEINT become numbers, like the Warehouse does,
 * because counts are far below 2^53 and ids are VARCHAR. A larger integer
 * would lose precision: cast it to VARCHAR in SQL to keep every digit.
 * DATE and TIMESTAMP stay Dates; lists and structs are converted inside.
 */
export function fromDuckDB(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(fromDuckDB);
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const converted: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) converted[key] = fromDuckDB(inner);
    return converted;
  }
  return value;
}

/** A row with every value converted by `fromDuckDB`. */
export function rowFromDuckDB(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) converted[key] = fromDuckDB(value);
  return converted;
}

/**
 * Converts a Kysely parameter for binding. DuckDB cannot infer a type for a
 * JS Date or bytes, so they are bound as TIMESTAMP (the Date's UTC fields as
 * wall-clock time, the inverse of reading) and BLOB; DuckDB casts a
 * TIMESTAMP to DATE where a DATE column is compared.
 */
export function toDuckDB(value: unknown): DuckDBValue {
  if (value === undefined) return null;
  if (value instanceof Date) return jsToDuckDBValue(value, TIMESTAMP);
  if (value instanceof Uint8Array) return jsToDuckDBValue(value, BLOB);
  return value as DuckDBValue;
}

/**
 * Binding types for parameters: DOUBLE for a whole number beyond 2^53, which
 * DuckDB would otherwise bind as BIGINT and may overflow (a diverging fit
 * parameter, say); undefined lets DuckDB infer the rest.
 */
export function bindingTypes(values: readonly unknown[]): (DuckDBType | undefined)[] {
  return values.map((value) =>
    typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)
      ? DOUBLE
      : undefined,
  );
}
