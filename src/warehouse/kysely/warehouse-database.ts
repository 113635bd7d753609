import type {
  analystColumns,
  ColumnSpec,
  ColumnSqlType,
  martColumns,
  metaColumns,
} from "./warehouse-columns.ts";

/**
 * The JS type a column arrives as through the duckmart Kysely driver:
 * BIGINT and INTEGER as number (counts fit easily below 2^53; ids are
 * VARCHAR), DATE and TIMESTAMP as Date holding the wall-clock time in its
 * UTC fields (duckmart timestamps have no zone).
 */
export type JsTypeOf<T extends ColumnSqlType> = T extends "VARCHAR"
  ? string
  : T extends "BOOLEAN"
    ? boolean
    : T extends "DATE" | "TIMESTAMP"
      ? Date
      : number;

/** A row type from a column map: nullable columns admit null. */
export type RowOf<Columns> = {
  readonly [Name in keyof Columns]: Columns[Name] extends ColumnSpec<infer T, infer N>
    ? N extends true
      ? JsTypeOf<T> | null
      : JsTypeOf<T>
    : never;
};

/** `mart_user_profile`: one row per buyer. */
export type MartUserProfile = RowOf<typeof martColumns.mart_user_profile>;
/** `mart_return_rates`: share of returning buyers by first-order attribute. */
export type MartReturnRates = RowOf<typeof martColumns.mart_return_rates>;
/** `mart_activity`: active users and sessions per day, week and month. */
export type MartActivity = RowOf<typeof martColumns.mart_activity>;
/** `mart_activity_summary`: DAU, WAU, MAU and stickiness, one row. */
export type MartActivitySummary = RowOf<typeof martColumns.mart_activity_summary>;
/** `mart_retention`: cohort retention by lifetime. */
export type MartRetention = RowOf<typeof martColumns.mart_retention>;
/** `mart_ltv`: buyer-cohort lifetime value by lifetime. */
export type MartLtv = RowOf<typeof martColumns.mart_ltv>;
/** `mart_cac`: acquisition cost per month and source. */
export type MartCac = RowOf<typeof martColumns.mart_cac>;
/** `mart_romi`: return on marketing investment per cohort, source and lifetime. */
export type MartRomi = RowOf<typeof martColumns.mart_romi>;
/** `mart_kpi_monthly`: monthly buyers, orders, revenue and costs. */
export type MartKpiMonthly = RowOf<typeof martColumns.mart_kpi_monthly>;
/** `mart_rfm`: recency, frequency, monetary scores and segment per buyer. */
export type MartRfm = RowOf<typeof martColumns.mart_rfm>;
/** `mart_conversion`: visitor cohorts by source and how many of them bought, and how fast. */
export type MartConversion = RowOf<typeof martColumns.mart_conversion>;
/** `mart_value_at_risk`: valuable buyers who are probably gone, ranked by value at risk. */
export type MartValueAtRisk = RowOf<typeof martColumns.mart_value_at_risk>;
/** `mart_clusters`: each buyer's k-means cluster and distance to its centre. */
export type MartClusters = RowOf<typeof martColumns.mart_clusters>;
/** `mart_cluster_summary`: one row per k-means cluster with its profile. */
export type MartClusterSummary = RowOf<typeof martColumns.mart_cluster_summary>;
/** `mart_clv`: predicted customer lifetime value per buyer. */
export type MartClv = RowOf<typeof martColumns.mart_clv>;
/** `mart_clv_model`: the current BG/NBD and Gamma-Gamma fit, one row. */
export type MartClvModel = RowOf<typeof martColumns.mart_clv_model>;
/** `mart_headlines`: the headline numbers of the run report and the demo summary, one row. */
export type MartHeadlines = RowOf<typeof martColumns.mart_headlines>;

/** Every mart, keyed by table name. */
export type MartTables = {
  readonly [Name in keyof typeof martColumns]: RowOf<(typeof martColumns)[Name]>;
};

/** Every metadata table, keyed `meta.<name>`. */
export type MetaTables = {
  readonly [Name in keyof typeof metaColumns]: RowOf<(typeof metaColumns)[Name]>;
};

/** Tables only the analyst database has (`meta.snapshot`). */
export type AnalystTables = {
  readonly [Name in keyof typeof analystColumns]: RowOf<(typeof analystColumns)[Name]>;
};

/**
 * The Kysely database type of the analyst database: every mart and every
 * metadata table.
 *
 * @example
 * const db: Kysely<WarehouseDatabase> = openWarehouse();
 * const champions = await db.selectFrom("mart_rfm").selectAll().where("segment", "=", "champions").execute();
 */
export type WarehouseDatabase = MartTables & MetaTables & AnalystTables;
