/**
 * The columns of every mart (SPEC §3) and every metadata table
 * (`sql/migrations/`), as data. The Kysely table types in
 * `warehouse-database.ts` are derived from these maps, and
 * `tests/serve/warehouse-columns.test.ts` compares them with `describe` of
 * real tables, so the types cannot drift from the SQL unnoticed.
 *
 * Nullability: for metadata tables it is the migrations' NOT NULL and is
 * checked by the test; marts are built with `create table … as`, which
 * declares nothing, so there it follows the SPEC's wording ("null if …").
 */

/** DuckDB types used by duckmart tables. */
export const columnSqlTypes = [
  "VARCHAR",
  "BIGINT",
  "INTEGER",
  "DOUBLE",
  "BOOLEAN",
  "DATE",
  "TIMESTAMP",
] as const;

/** One of {@link columnSqlTypes}. */
export type ColumnSqlType = (typeof columnSqlTypes)[number];

/** One column: its DuckDB type and whether it may hold NULL. */
export interface ColumnSpec<T extends ColumnSqlType = ColumnSqlType, N extends boolean = boolean> {
  readonly type: T;
  readonly nullable: N;
}

/** A table's columns in table order. */
export type TableColumns = Readonly<Record<string, ColumnSpec>>;

const required = <T extends ColumnSqlType>(type: T): ColumnSpec<T, false> => ({
  type,
  nullable: false,
});
const nullable = <T extends ColumnSqlType>(type: T): ColumnSpec<T, true> => ({
  type,
  nullable: true,
});

/** Columns of each `main.mart_*` table, in SPEC §3 order. */
export const martColumns = {
  mart_user_profile: {
    user_id: required("VARCHAR"),
    first_order_at: required("TIMESTAMP"),
    last_order_at: required("TIMESTAMP"),
    orders_count: required("BIGINT"),
    revenue_total: required("DOUBLE"),
    avg_order_revenue: required("DOUBLE"),
    avg_tickets_per_order: nullable("DOUBLE"),
    avg_days_between_orders: nullable("DOUBLE"),
    first_order_device: nullable("VARCHAR"),
    first_order_region: nullable("VARCHAR"),
    first_order_service: nullable("VARCHAR"),
    first_order_event_type: nullable("VARCHAR"),
    first_order_weekday: required("INTEGER"),
    acquisition_source_id: required("VARCHAR"),
    first_visit_at: nullable("TIMESTAMP"),
    order_count_segment: required("VARCHAR"),
    is_returning: required("BOOLEAN"),
    is_frequent: required("BOOLEAN"),
    days_since_last_order: required("INTEGER"),
    // Null without a visit; negative when the first order precedes the first visit.
    minutes_to_first_order: nullable("DOUBLE"),
  },
  mart_return_rates: {
    dimension: required("VARCHAR"),
    value: required("VARCHAR"),
    users: required("BIGINT"),
    share_of_users: required("DOUBLE"),
    returning_users: required("BIGINT"),
    return_rate: required("DOUBLE"),
    frequent_users: required("BIGINT"),
    frequent_rate: required("DOUBLE"),
    return_rate_ci_low: required("DOUBLE"),
    return_rate_ci_high: required("DOUBLE"),
  },
  mart_activity: {
    grain: required("VARCHAR"),
    period_start: required("DATE"),
    active_users: required("BIGINT"),
    sessions: required("BIGINT"),
    avg_session_seconds: required("DOUBLE"),
  },
  // One row of means; with no sessions at all every value is NULL.
  mart_activity_summary: {
    dau: nullable("DOUBLE"),
    wau: nullable("DOUBLE"),
    mau: nullable("DOUBLE"),
    sticky_wau: nullable("DOUBLE"),
    sticky_mau: nullable("DOUBLE"),
    sessions_per_user_per_day: nullable("DOUBLE"),
    avg_session_seconds: nullable("DOUBLE"),
  },
  mart_retention: {
    basis: required("VARCHAR"),
    grain: required("VARCHAR"),
    cohort_start: required("DATE"),
    lifetime: required("INTEGER"),
    cohort_size: required("BIGINT"),
    active_users: required("BIGINT"),
    retention_rate: required("DOUBLE"),
  },
  mart_ltv: {
    grain: required("VARCHAR"),
    cohort_start: required("DATE"),
    lifetime: required("INTEGER"),
    cohort_size: required("BIGINT"),
    orders: required("BIGINT"),
    revenue: required("DOUBLE"),
    gross_profit: required("DOUBLE"),
    cum_gross_profit: required("DOUBLE"),
    ltv: required("DOUBLE"),
  },
  mart_cac: {
    month: required("DATE"),
    source_id: required("VARCHAR"),
    costs: required("DOUBLE"),
    new_buyers: required("BIGINT"),
    cac: nullable("DOUBLE"),
    cac_basis: required("VARCHAR"),
  },
  mart_romi: {
    cohort_start: required("DATE"),
    source_id: required("VARCHAR"),
    lifetime: required("INTEGER"),
    new_buyers: required("BIGINT"),
    // SPEC §3 defines romi for a null cac, so readers must allow one.
    cac: nullable("DOUBLE"),
    ltv: required("DOUBLE"),
    romi: nullable("DOUBLE"),
    payback_lifetime: nullable("INTEGER"),
    cac_basis: required("VARCHAR"),
  },
  mart_kpi_monthly: {
    month: required("DATE"),
    buyers: required("BIGINT"),
    new_buyers: required("BIGINT"),
    returning_buyers: required("BIGINT"),
    orders: required("BIGINT"),
    revenue: required("DOUBLE"),
    avg_check: nullable("DOUBLE"),
    orders_per_buyer: nullable("DOUBLE"),
    revenue_new_buyers: required("DOUBLE"),
    revenue_returning_buyers: required("DOUBLE"),
    costs: required("DOUBLE"),
  },
  mart_rfm: {
    user_id: required("VARCHAR"),
    recency_days: required("INTEGER"),
    frequency: required("BIGINT"),
    monetary: required("DOUBLE"),
    r_score: required("INTEGER"),
    f_score: required("INTEGER"),
    m_score: required("INTEGER"),
    rfm_cell: required("VARCHAR"),
    segment: required("VARCHAR"),
  },
  mart_category_monthly: {
    month: required("DATE"),
    category: required("VARCHAR"),
    orders: required("BIGINT"),
    buyers: required("BIGINT"),
    quantity: required("DOUBLE"),
    revenue: required("DOUBLE"),
    revenue_share: nullable("DOUBLE"),
    returning_buyers: required("BIGINT"),
  },
  mart_conversion: {
    grain: required("VARCHAR"),
    cohort_start: required("DATE"),
    source_id: required("VARCHAR"),
    visitors: required("BIGINT"),
    buyers: required("BIGINT"),
    conversion_rate: required("DOUBLE"),
    buyers_day_0: required("BIGINT"),
    buyers_day_7: required("BIGINT"),
    buyers_day_30: required("BIGINT"),
    conversion_day_0: required("DOUBLE"),
    conversion_day_7: required("DOUBLE"),
    conversion_day_30: required("DOUBLE"),
    median_minutes_to_first_order: nullable("DOUBLE"),
  },
  mart_value_at_risk: {
    user_id: required("VARCHAR"),
    segment: required("VARCHAR"),
    r_score: required("INTEGER"),
    f_score: required("INTEGER"),
    m_score: required("INTEGER"),
    orders_count: required("BIGINT"),
    gross_profit_total: required("DOUBLE"),
    days_since_last_order: required("INTEGER"),
    p_alive: required("DOUBLE"),
    churn_risk: required("DOUBLE"),
    predicted_clv: nullable("DOUBLE"),
    value_at_risk: required("DOUBLE"),
    risk_rank: required("INTEGER"),
  },
  mart_clusters: {
    user_id: required("VARCHAR"),
    cluster: required("INTEGER"),
    distance: required("DOUBLE"),
  },
  mart_cluster_summary: {
    cluster: required("INTEGER"),
    k: required("INTEGER"),
    buyers: required("BIGINT"),
    share_of_buyers: required("DOUBLE"),
    mean_recency_days: required("DOUBLE"),
    mean_frequency: required("DOUBLE"),
    mean_monetary: required("DOUBLE"),
    revenue_share: nullable("DOUBLE"),
    silhouette: nullable("DOUBLE"),
    label: required("VARCHAR"),
  },
  mart_clv: {
    user_id: required("VARCHAR"),
    frequency: required("BIGINT"),
    recency_days: required("INTEGER"),
    tenure_days: required("INTEGER"),
    monetary_value: required("DOUBLE"),
    p_alive: required("DOUBLE"),
    expected_purchases: required("DOUBLE"),
    // Null when the spend model is undefined (no repeat purchase and q ≤ 1, or no Gamma-Gamma fit).
    expected_avg_revenue: nullable("DOUBLE"),
    predicted_clv: nullable("DOUBLE"),
    horizon_days: required("INTEGER"),
  },
  // Gamma-Gamma has nothing to fit without a repeat buyer with positive spend.
  // BG/NBD parameters are null only when there is no buyer at all.
  mart_clv_model: {
    r: nullable("DOUBLE"),
    alpha: nullable("DOUBLE"),
    a: nullable("DOUBLE"),
    b: nullable("DOUBLE"),
    p: nullable("DOUBLE"),
    q: nullable("DOUBLE"),
    v: nullable("DOUBLE"),
    bgnbd_log_likelihood: nullable("DOUBLE"),
    gg_log_likelihood: nullable("DOUBLE"),
    bgnbd_customers: required("BIGINT"),
    gg_customers: required("BIGINT"),
    bgnbd_converged: required("BOOLEAN"),
    gg_converged: required("BOOLEAN"),
  },
  // The headline numbers, one row (not a SPEC §3 mart: the one definition the
  // run report and the demo summary read).
  mart_headlines: {
    data_as_of: nullable("TIMESTAMP"),
    buyers: required("BIGINT"),
    orders: nullable("BIGINT"),
    revenue: nullable("DOUBLE"),
    return_rate: nullable("DOUBLE"),
    dau: nullable("DOUBLE"),
    wau: nullable("DOUBLE"),
    mau: nullable("DOUBLE"),
    sticky_mau: nullable("DOUBLE"),
    ltv_month_0: nullable("DOUBLE"),
    ltv_month_5: nullable("DOUBLE"),
    costs: nullable("DOUBLE"),
    cac: nullable("DOUBLE"),
    assumed_cpa: nullable("DOUBLE"),
    assumed_months: required("BIGINT"),
    gross_profit: nullable("DOUBLE"),
    romi: nullable("DOUBLE"),
    largest_source_id: nullable("VARCHAR"),
    largest_source_costs: nullable("DOUBLE"),
    largest_source_new_buyers: nullable("BIGINT"),
    largest_source_cac: nullable("DOUBLE"),
    largest_source_romi: nullable("DOUBLE"),
  },
} as const satisfies Readonly<Record<string, TableColumns>>;

/** Columns of each metadata table, keyed `meta.<table>` as Kysely names them. */
export const metaColumns = {
  "meta.migrations": {
    version: required("INTEGER"),
    name: required("VARCHAR"),
    applied_at: required("TIMESTAMP"),
  },
  "meta.runs": {
    run_id: required("VARCHAR"),
    job: required("VARCHAR"),
    trigger: required("VARCHAR"),
    started_at: required("TIMESTAMP"),
    finished_at: nullable("TIMESTAMP"),
    status: required("VARCHAR"),
    error: nullable("VARCHAR"),
    pid: nullable("INTEGER"),
    host: nullable("VARCHAR"),
    accepted_changes: nullable("BOOLEAN"),
    state_fingerprint: nullable("VARCHAR"),
    nothing_new: nullable("BOOLEAN"),
  },
  "meta.run_steps": {
    run_id: required("VARCHAR"),
    step: required("VARCHAR"),
    started_at: required("TIMESTAMP"),
    finished_at: nullable("TIMESTAMP"),
    status: required("VARCHAR"),
    rows: nullable("BIGINT"),
    detail: nullable("VARCHAR"),
    error: nullable("VARCHAR"),
  },
  "meta.loaded_files": {
    key: required("VARCHAR"),
    source: required("VARCHAR"),
    format: required("VARCHAR"),
    etag: required("VARCHAR"),
    size: required("BIGINT"),
    last_modified: required("TIMESTAMP"),
    rows_read: required("BIGINT"),
    rows_loaded: required("BIGINT"),
    rows_rejected: required("BIGINT"),
    run_id: required("VARCHAR"),
    loaded_at: required("TIMESTAMP"),
  },
  "meta.file_loads": {
    run_id: required("VARCHAR"),
    key: required("VARCHAR"),
    source: required("VARCHAR"),
    etag: required("VARCHAR"),
    size: required("BIGINT"),
    status: required("VARCHAR"),
    rows_read: nullable("BIGINT"),
    rows_loaded: nullable("BIGINT"),
    rows_rejected: nullable("BIGINT"),
    reason: nullable("VARCHAR"),
    seconds: nullable("DOUBLE"),
    loaded_at: required("TIMESTAMP"),
  },
  "meta.skipped_files": {
    key: required("VARCHAR"),
    etag: nullable("VARCHAR"),
    reason: nullable("VARCHAR"),
    skipped_at: required("TIMESTAMP"),
  },
  "meta.rejected_rows": {
    run_id: required("VARCHAR"),
    source: required("VARCHAR"),
    file_key: required("VARCHAR"),
    file_row: nullable("BIGINT"),
    column_name: nullable("VARCHAR"),
    reason: required("VARCHAR"),
    raw_value: nullable("VARCHAR"),
  },
  "meta.model_versions": {
    model: required("VARCHAR"),
    version: required("VARCHAR"),
    kind: required("VARCHAR"),
    query: required("VARCHAR"),
    settings: required("VARCHAR"),
    parents: required("VARCHAR"),
    first_run_id: required("VARCHAR"),
    created_at: required("TIMESTAMP"),
  },
  "meta.model_builds": {
    run_id: required("VARCHAR"),
    model: required("VARCHAR"),
    relation: required("VARCHAR"),
    version: required("VARCHAR"),
    input_fingerprint: required("VARCHAR"),
    inputs: required("VARCHAR"),
    status: required("VARCHAR"),
    reason: nullable("VARCHAR"),
    rows: nullable("BIGINT"),
    started_at: required("TIMESTAMP"),
    finished_at: required("TIMESTAMP"),
    seconds: required("DOUBLE"),
    error: nullable("VARCHAR"),
  },
  "meta.model_state": {
    model: required("VARCHAR"),
    relation: required("VARCHAR"),
    version: required("VARCHAR"),
    input_fingerprint: required("VARCHAR"),
    data_fingerprint: required("VARCHAR"),
    run_id: required("VARCHAR"),
    built_at: required("TIMESTAMP"),
    rows: nullable("BIGINT"),
    inputs: nullable("VARCHAR"),
  },
  "meta.data_test_results": {
    run_id: required("VARCHAR"),
    model: required("VARCHAR"),
    test_name: required("VARCHAR"),
    kind: required("VARCHAR"),
    column_name: nullable("VARCHAR"),
    severity: required("VARCHAR"),
    status: required("VARCHAR"),
    failures: required("BIGINT"),
    message: nullable("VARCHAR"),
    query: required("VARCHAR"),
    seconds: required("DOUBLE"),
    tested_at: required("TIMESTAMP"),
    input_fingerprint: nullable("VARCHAR"),
  },
  "meta.clv_fits": {
    run_id: required("VARCHAR"),
    model: required("VARCHAR"),
    parameters: required("VARCHAR"),
    log_param_std_errors: required("VARCHAR"),
    log_likelihood: nullable("DOUBLE"),
    customers: required("BIGINT"),
    groups: required("BIGINT"),
    converged: required("BOOLEAN"),
    iterations: required("INTEGER"),
    message: required("VARCHAR"),
    seconds: required("DOUBLE"),
    fitted_at: required("TIMESTAMP"),
  },
  // Publish guards and failing rows (migration 0006).
  "meta.guard_checks": {
    run_id: required("VARCHAR"),
    check_name: required("VARCHAR"),
    subject: required("VARCHAR"),
    compared_run_id: nullable("VARCHAR"),
    previous_value: nullable("VARCHAR"),
    current_value: nullable("VARCHAR"),
    figure: nullable("DOUBLE"),
    threshold: nullable("DOUBLE"),
    status: required("VARCHAR"),
    message: required("VARCHAR"),
    checked_at: required("TIMESTAMP"),
  },
  "meta.data_test_failures": {
    run_id: required("VARCHAR"),
    test_name: required("VARCHAR"),
    row_number: required("INTEGER"),
    row_json: required("VARCHAR"),
  },
} as const satisfies Readonly<Record<string, TableColumns>>;

/**
 * Tables only the analyst database has (written by `refreshAnalystDatabase`):
 * `meta.snapshot`, one row naming the run it was copied from, and
 * `meta.analyst_object_digests`, each staged table's objects (`_file_key`)
 * with their row count and sum of row hashes as the copy holds them, which
 * the next refresh compares with the warehouse's.
 */
export const analystColumns = {
  "meta.snapshot": {
    run_id: nullable("VARCHAR"),
    data_as_of: nullable("TIMESTAMP"),
    refreshed_at: nullable("TIMESTAMP"),
  },
  "meta.analyst_object_digests": {
    table_name: nullable("VARCHAR"),
    object: nullable("VARCHAR"),
    object_rows: nullable("BIGINT"),
    object_digest: nullable("VARCHAR"),
  },
} as const satisfies Readonly<Record<string, TableColumns>>;
