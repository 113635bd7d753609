/** How a raw column is typed at load (SPEC §1). */
export type ColumnType = "text" | "timestamp" | "date" | "double" | "bigint";

/** Every column type, for settings validation and docs. */
export const columnTypes: readonly ColumnType[] = ["text", "timestamp", "date", "double", "bigint"];

/** One declared column of a source: its contract, not where an export keeps it. */
export interface SourceColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly description: string;
}

/**
 * A row rule of staging step 3 (SPEC §1): the winning row of its key is
 * quarantined with `reason` when `when` (a SQL condition over the source's
 * columns) holds. Rules are checked in order; the first that holds names the reason.
 */
export interface RowRule {
  readonly reason: string;
  readonly when: string;
}

/**
 * Conversion of an amount to the base currency (SPEC §1): the rate of the
 * row's currency with the latest `dt` on or before the row's date. A winner
 * in a foreign currency with no rate yet is quarantined as `no_fx_rate`.
 */
export interface CurrencyConversion {
  /** Column holding the amount in the row's own currency. */
  readonly amount: string;
  readonly currency: string;
  /** Timestamp or date column whose date picks the rate. */
  readonly on: string;
}

/**
 * One raw source: its columns, the key that picks one row, and the rules
 * that quarantine a winner. The loader, the raw table, the three staging
 * models (`stg_<s>_classified`, `stg_<s>`, `stg_<s>_quarantine`) and the
 * data dictionary are all generated from this one declaration.
 */
export interface SourceDeclaration {
  readonly name: string;
  /** What one row is, in a sentence: documentation only. */
  readonly description: string;
  readonly columns: readonly SourceColumn[];
  /** Columns that identify a row; rows equal in all of them are one. */
  readonly key: readonly string[];
  readonly rules: readonly RowRule[];
  readonly conversion?: CurrencyConversion;
  /**
   * The relation staging reads instead of `raw.<name>`: orders derived from
   * order lines read `staging.stg_orders_from_lines` (SPEC §1.2).
   */
  readonly input?: string;
  /** Whether the source comes with duckmart (its contract cannot be redeclared). */
  readonly builtIn: boolean;
  /** The timestamp or date column that says when a row happened (event-time freshness). */
  readonly eventTime?: string;
  /** A source a deployment may never receive (order lines): no files is no freshness breach. */
  readonly optional?: boolean;
}

/** Lineage columns every raw table carries after the source's own columns. */
export const lineageColumns = [
  { name: "_file_key", type: "varchar", description: "object key the row came from" },
  {
    name: "_file_row",
    type: "bigint",
    description: "number of the record in its object (1-based, rejected records counted)",
  },
  { name: "_file_modified", type: "timestamp", description: "last-modified time of the object" },
  { name: "_run_id", type: "varchar", description: "run that loaded the row" },
] as const;

/** DuckDB type of a declared column once loaded. */
export function duckdbType(type: ColumnType): string {
  switch (type) {
    case "text":
      return "varchar";
    case "timestamp":
      return "timestamp";
    case "date":
      return "date";
    case "double":
      return "double";
    case "bigint":
      return "bigint";
  }
}

/** The declared column called `name`, or undefined. */
export function findColumn(source: SourceDeclaration, name: string): SourceColumn | undefined {
  return source.columns.find((column) => column.name === name);
}
