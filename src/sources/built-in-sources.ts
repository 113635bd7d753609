import type { ColumnType, SourceColumn, SourceDeclaration } from "./source-declaration.ts";

const column = (
  name: string,
  type: ColumnType,
  description: string,
  required = false,
): SourceColumn => ({ name, type, required, description });

/** Names of the built-in sources of SPEC §1 (order_lines aside). */
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
  },
];
