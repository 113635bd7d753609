import type { ColumnType, SourceColumn, SourceDeclaration } from "./source-declaration.ts";

const column = (
  name: string,
  type: ColumnType,
  description: string,
  required = false,
): SourceColumn => ({ name, type, required, description });

/** Names of the sources the generator writes (SPEC §1; order_lines aside). */
export type SourceName = "visits" | "orders" | "events" | "costs" | "fx_rates";

/** The sources of SPEC §1, in load order; the user's own come after them. */
export const builtInSources: readonly SourceDeclaration[] = [
  {
    name: "visits",
    description: "sessions; visits have no key: rows equal in all five columns are one session",
    columns: [
      column("user_id", "text", "visitor", true),
      column("session_start", "timestamp", "start of the session", true),
      column("session_end", "timestamp", "end of the session", true),
      column("device", "text", "device of the session"),
      column("source_id", "text", "advertising source of the session"),
    ],
    key: ["user_id", "session_start", "session_end", "device", "source_id"],
    rules: [{ reason: "session_end_before_start", when: "session_end < session_start" }],
    builtIn: true,
    eventTime: "session_start",
  },
  {
    name: "orders",
    description: "orders, one per order_id, with revenue in the order's currency",
    columns: [
      column("order_id", "text", "order identifier", true),
      column("user_id", "text", "buyer", true),
      column("created_at", "timestamp", "time the order was placed", true),
      column("revenue", "double", "revenue in the order's currency, as exported", true),
      column("currency", "text", "currency as exported (empty means the base currency)"),
      column("tickets_count", "bigint", "tickets in the order"),
      column("service", "text", "service the order was placed through"),
      column("event_id", "text", "event the order is for"),
      column("device", "text", "device the order was placed from"),
    ],
    key: ["order_id"],
    rules: [{ reason: "negative_revenue", when: "revenue < 0" }],
    conversion: { amount: "revenue", currency: "currency", on: "created_at" },
    builtIn: true,
    eventTime: "created_at",
  },
  {
    name: "events",
    description: "events that orders are for, one per event_id",
    columns: [
      column("event_id", "text", "event identifier", true),
      column("event_type", "text", "type of event"),
      column("region", "text", "region of the event"),
      column("city", "text", "city of the event"),
    ],
    key: ["event_id"],
    rules: [],
    builtIn: true,
  },
  {
    name: "costs",
    description: "advertising spend per day and source, in the base currency",
    columns: [
      column("dt", "date", "date of the spend", true),
      column("source_id", "text", "advertising source", true),
      column("costs", "double", "spend in the base currency", true),
    ],
    key: ["dt", "source_id"],
    rules: [{ reason: "negative_costs", when: "costs < 0" }],
    builtIn: true,
    eventTime: "dt",
  },
  {
    name: "order_lines",
    description:
      "order lines (SPEC §1.2), one per (order_id, product), unit price in the order's currency",
    columns: [
      column("order_id", "text", "order the line belongs to", true),
      column("product", "text", "product name or id", true),
      column("quantity", "double", "units bought", true),
      column("price", "double", "unit price in the order's currency", true),
      column("category", "text", "category as exported (empty: categoryRules decide)"),
      column("user_id", "text", "buyer (required when orders are derived from lines)"),
      column(
        "created_at",
        "timestamp",
        "time of the line (required when orders are derived from lines)",
      ),
      column("currency", "text", "currency of the line (used to derive orders)"),
    ],
    key: ["order_id", "product"],
    rules: [
      { reason: "non_positive_quantity", when: "quantity <= 0" },
      { reason: "negative_price", when: "price < 0" },
    ],
    builtIn: true,
    eventTime: "created_at",
    optional: true,
  },
  {
    name: "fx_rates",
    description:
      "exchange rates to the base currency per day; rows for the base currency are ignored by conversion",
    columns: [
      column("dt", "date", "rate date", true),
      column("currency", "text", "currency code as exported", true),
      column("rate", "double", "units of base currency one unit of currency is worth on dt", true),
    ],
    key: ["dt", "currency"],
    rules: [],
    builtIn: true,
    eventTime: "dt",
  },
];

/**
 * The built-in sources as the settings shape them: with `ordersFromLines`,
 * orders are derived from staged lines (their files are not read) and a
 * line's user_id and created_at become required (SPEC §1.2).
 */
export function builtInSourcesFor(ordersFromLines: boolean): readonly SourceDeclaration[] {
  if (!ordersFromLines) return builtInSources;
  return builtInSources.map((source) => {
    if (source.name === "orders") return { ...source, input: "staging.stg_orders_from_lines" };
    if (source.name !== "order_lines") return source;
    return {
      ...source,
      columns: source.columns.map((column) =>
        column.name === "user_id" || column.name === "created_at"
          ? { ...column, required: true }
          : column,
      ),
    };
  });
}
