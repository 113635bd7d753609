// The column lists of SPEC §3 with the §3 type rules, and how a mart row is
// written by the reference: dates as `YYYY-MM-DD`, timestamps as
// microseconds since 1970 (no millisecond rounding of JS Dates), counts,
// money and whole numbers as numbers, flags as booleans.

export type ColumnKind = "text" | "count" | "double" | "int" | "bool" | "date" | "timestamp";

export type OutValue = string | number | boolean | null;
export type MartRow = Record<string, OutValue>;

export interface MartSpec {
  /** Columns in SPEC order with their kind. */
  readonly columns: readonly (readonly [string, ColumnKind])[];
  /** Columns that identify a row. */
  readonly key: readonly string[];
}

/** The DuckDB type each kind must have (SPEC §3 "Types"). */
export const duckdbTypeOfKind: Readonly<Record<ColumnKind, string>> = {
  text: "VARCHAR",
  count: "BIGINT",
  double: "DOUBLE",
  int: "INTEGER",
  bool: "BOOLEAN",
  date: "DATE",
  timestamp: "TIMESTAMP",
};

export const martSpecs = {
  mart_user_profile: {
    key: ["user_id"],
    columns: [
      ["user_id", "text"],
      ["first_order_at", "timestamp"],
      ["last_order_at", "timestamp"],
      ["orders_count", "count"],
      ["revenue_total", "double"],
      ["avg_order_revenue", "double"],
      ["avg_tickets_per_order", "double"],
      ["avg_days_between_orders", "double"],
      ["first_order_device", "text"],
      ["first_order_region", "text"],
      ["first_order_service", "text"],
      ["first_order_event_type", "text"],
      ["first_order_weekday", "int"],
      ["acquisition_source_id", "text"],
      ["first_visit_at", "timestamp"],
      ["order_count_segment", "text"],
      ["is_returning", "bool"],
      ["is_frequent", "bool"],
      ["days_since_last_order", "int"],
      ["minutes_to_first_order", "double"],
    ],
  },
  mart_return_rates: {
    key: ["dimension", "value"],
    columns: [
      ["dimension", "text"],
      ["value", "text"],
      ["users", "count"],
      ["share_of_users", "double"],
      ["returning_users", "count"],
      ["return_rate", "double"],
      ["frequent_users", "count"],
      ["frequent_rate", "double"],
      ["return_rate_ci_low", "double"],
      ["return_rate_ci_high", "double"],
    ],
  },
  mart_activity: {
    key: ["grain", "period_start"],
    columns: [
      ["grain", "text"],
      ["period_start", "date"],
      ["active_users", "count"],
      ["sessions", "count"],
      ["avg_session_seconds", "double"],
    ],
  },
  mart_activity_summary: {
    key: [],
    columns: [
      ["dau", "double"],
      ["wau", "double"],
      ["mau", "double"],
      ["sticky_wau", "double"],
      ["sticky_mau", "double"],
      ["sessions_per_user_per_day", "double"],
      ["avg_session_seconds", "double"],
    ],
  },
  mart_retention: {
    key: ["basis", "grain", "cohort_start", "lifetime"],
    columns: [
      ["basis", "text"],
      ["grain", "text"],
      ["cohort_start", "date"],
      ["lifetime", "int"],
      ["cohort_size", "count"],
      ["active_users", "count"],
      ["retention_rate", "double"],
    ],
  },
  mart_ltv: {
    key: ["grain", "cohort_start", "lifetime"],
    columns: [
      ["grain", "text"],
      ["cohort_start", "date"],
      ["lifetime", "int"],
      ["cohort_size", "count"],
      ["orders", "count"],
      ["revenue", "double"],
      ["gross_profit", "double"],
      ["cum_gross_profit", "double"],
      ["ltv", "double"],
    ],
  },
  mart_cac: {
    key: ["month", "source_id"],
    columns: [
      ["month", "date"],
      ["source_id", "text"],
      ["costs", "double"],
      ["new_buyers", "count"],
      ["cac", "double"],
      ["cac_basis", "text"],
    ],
  },
  mart_romi: {
    key: ["cohort_start", "source_id", "lifetime"],
    columns: [
      ["cohort_start", "date"],
      ["source_id", "text"],
      ["lifetime", "int"],
      ["new_buyers", "count"],
      ["cac", "double"],
      ["ltv", "double"],
      ["romi", "double"],
      ["payback_lifetime", "int"],
      ["cac_basis", "text"],
    ],
  },
  mart_kpi_monthly: {
    key: ["month"],
    columns: [
      ["month", "date"],
      ["buyers", "count"],
      ["new_buyers", "count"],
      ["returning_buyers", "count"],
      ["orders", "count"],
      ["revenue", "double"],
      ["avg_check", "double"],
      ["orders_per_buyer", "double"],
      ["revenue_new_buyers", "double"],
      ["revenue_returning_buyers", "double"],
      ["costs", "double"],
    ],
  },
  mart_rfm: {
    key: ["user_id"],
    columns: [
      ["user_id", "text"],
      ["recency_days", "int"],
      ["frequency", "count"],
      ["monetary", "double"],
      ["r_score", "int"],
      ["f_score", "int"],
      ["m_score", "int"],
      ["rfm_cell", "text"],
      ["segment", "text"],
    ],
  },
  mart_conversion: {
    key: ["grain", "cohort_start", "source_id"],
    columns: [
      ["grain", "text"],
      ["cohort_start", "date"],
      ["source_id", "text"],
      ["visitors", "count"],
      ["buyers", "count"],
      ["conversion_rate", "double"],
      ["buyers_day_0", "count"],
      ["buyers_day_7", "count"],
      ["buyers_day_30", "count"],
      ["conversion_day_0", "double"],
      ["conversion_day_7", "double"],
      ["conversion_day_30", "double"],
      ["median_minutes_to_first_order", "double"],
    ],
  },
  mart_value_at_risk: {
    key: ["user_id"],
    columns: [
      ["user_id", "text"],
      ["segment", "text"],
      ["r_score", "int"],
      ["f_score", "int"],
      ["m_score", "int"],
      ["orders_count", "count"],
      ["gross_profit_total", "double"],
      ["days_since_last_order", "int"],
      ["p_alive", "double"],
      ["churn_risk", "double"],
      ["predicted_clv", "double"],
      ["value_at_risk", "double"],
      ["risk_rank", "int"],
    ],
  },
  mart_clusters: {
    key: ["user_id"],
    columns: [
      ["user_id", "text"],
      ["cluster", "int"],
      ["distance", "double"],
    ],
  },
  mart_cluster_summary: {
    key: ["cluster"],
    columns: [
      ["cluster", "int"],
      ["k", "int"],
      ["buyers", "count"],
      ["share_of_buyers", "double"],
      ["mean_recency_days", "double"],
      ["mean_frequency", "double"],
      ["mean_monetary", "double"],
      ["revenue_share", "double"],
      ["silhouette", "double"],
      ["label", "text"],
    ],
  },
} as const satisfies Record<string, MartSpec>;

export type MartName = keyof typeof martSpecs;

export const martNames = Object.keys(martSpecs) as MartName[];
