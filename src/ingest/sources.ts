/** How a raw column is typed at load (SPEC §1). */
export type ColumnKind = "text" | "timestamp" | "date" | "double" | "bigint";

/** One declared column of a source. */
export interface SourceColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly required: boolean;
}

/** One raw source of SPEC §1: its columns and the key that picks one row. */
export interface SourceDefinition {
  readonly name: SourceName;
  readonly columns: readonly SourceColumn[];
  /** Columns that identify a row; rows equal in all of them are one. */
  readonly key: readonly string[];
}

export type SourceName = "visits" | "orders" | "events" | "costs" | "fx_rates";

const column = (name: string, kind: ColumnKind, required = false): SourceColumn => ({
  name,
  kind,
  required,
});

/** The five sources, in load order. */
export const sources: readonly SourceDefinition[] = [
  {
    name: "visits",
    columns: [
      column("user_id", "text", true),
      column("session_start", "timestamp", true),
      column("session_end", "timestamp", true),
      column("device", "text"),
      column("source_id", "text"),
    ],
    key: ["user_id", "session_start", "session_end", "device", "source_id"],
  },
  {
    name: "orders",
    columns: [
      column("order_id", "text", true),
      column("user_id", "text", true),
      column("created_at", "timestamp", true),
      column("revenue", "double", true),
      column("currency", "text"),
      column("tickets_count", "bigint"),
      column("service", "text"),
      column("event_id", "text"),
      column("device", "text"),
    ],
    key: ["order_id"],
  },
  {
    name: "events",
    columns: [
      column("event_id", "text", true),
      column("event_type", "text"),
      column("region", "text"),
      column("city", "text"),
    ],
    key: ["event_id"],
  },
  {
    name: "costs",
    columns: [
      column("dt", "date", true),
      column("source_id", "text", true),
      column("costs", "double", true),
    ],
    key: ["dt", "source_id"],
  },
  {
    name: "fx_rates",
    columns: [
      column("dt", "date", true),
      column("currency", "text", true),
      column("rate", "double", true),
    ],
    key: ["dt", "currency"],
  },
];

/** Lineage columns every raw table carries after the source's own columns. */
export const lineageColumns = [
  { name: "_file_key", type: "varchar" },
  { name: "_file_row", type: "bigint" },
  { name: "_file_modified", type: "timestamp" },
  { name: "_run_id", type: "varchar" },
] as const;

/** DuckDB type of a declared column once loaded. */
export function duckdbType(kind: ColumnKind): string {
  switch (kind) {
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
