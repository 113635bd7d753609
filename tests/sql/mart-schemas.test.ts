import { beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../src/warehouse/warehouse.ts";
import { buildAll, fixtureWarehouse } from "../transform/fixture-warehouse.ts";

// SPEC §3 column lists, in order, with the §3 type rules: counts BIGINT;
// money, rates, ratios DOUBLE; lifetimes, scores, whole days, weekdays
// INTEGER; flags BOOLEAN; dates DATE; timestamps TIMESTAMP; ids, labels VARCHAR.
const expected: Record<string, [string, string][]> = {
  mart_user_profile: [
    ["user_id", "VARCHAR"],
    ["first_order_at", "TIMESTAMP"],
    ["last_order_at", "TIMESTAMP"],
    ["orders_count", "BIGINT"],
    ["revenue_total", "DOUBLE"],
    ["avg_order_revenue", "DOUBLE"],
    ["avg_tickets_per_order", "DOUBLE"],
    ["avg_days_between_orders", "DOUBLE"],
    ["first_order_device", "VARCHAR"],
    ["first_order_region", "VARCHAR"],
    ["first_order_service", "VARCHAR"],
    ["first_order_event_type", "VARCHAR"],
    ["first_order_weekday", "INTEGER"],
    ["acquisition_source_id", "VARCHAR"],
    ["first_visit_at", "TIMESTAMP"],
    ["order_count_segment", "VARCHAR"],
    ["is_returning", "BOOLEAN"],
    ["is_frequent", "BOOLEAN"],
    ["days_since_last_order", "INTEGER"],
    ["minutes_to_first_order", "DOUBLE"],
  ],
  mart_return_rates: [
    ["dimension", "VARCHAR"],
    ["value", "VARCHAR"],
    ["users", "BIGINT"],
    ["share_of_users", "DOUBLE"],
    ["returning_users", "BIGINT"],
    ["return_rate", "DOUBLE"],
    ["frequent_users", "BIGINT"],
    ["frequent_rate", "DOUBLE"],
    ["return_rate_ci_low", "DOUBLE"],
    ["return_rate_ci_high", "DOUBLE"],
  ],
  mart_activity: [
    ["grain", "VARCHAR"],
    ["period_start", "DATE"],
    ["active_users", "BIGINT"],
    ["sessions", "BIGINT"],
    ["avg_session_seconds", "DOUBLE"],
  ],
  mart_activity_summary: [
    ["dau", "DOUBLE"],
    ["wau", "DOUBLE"],
    ["mau", "DOUBLE"],
    ["sticky_wau", "DOUBLE"],
    ["sticky_mau", "DOUBLE"],
    ["sessions_per_user_per_day", "DOUBLE"],
    ["avg_session_seconds", "DOUBLE"],
  ],
  mart_retention: [
    ["basis", "VARCHAR"],
    ["grain", "VARCHAR"],
    ["cohort_start", "DATE"],
    ["lifetime", "INTEGER"],
    ["cohort_size", "BIGINT"],
    ["active_users", "BIGINT"],
    ["retention_rate", "DOUBLE"],
  ],
  mart_ltv: [
    ["grain", "VARCHAR"],
    ["cohort_start", "DATE"],
    ["lifetime", "INTEGER"],
    ["cohort_size", "BIGINT"],
    ["orders", "BIGINT"],
    ["revenue", "DOUBLE"],
    ["gross_profit", "DOUBLE"],
    ["cum_gross_profit", "DOUBLE"],
    ["ltv", "DOUBLE"],
  ],
  mart_cac: [
    ["month", "DATE"],
    ["source_id", "VARCHAR"],
    ["costs", "DOUBLE"],
    ["new_buyers", "BIGINT"],
    ["cac", "DOUBLE"],
    ["cac_basis", "VARCHAR"],
  ],
  mart_romi: [
    ["cohort_start", "DATE"],
    ["source_id", "VARCHAR"],
    ["lifetime", "INTEGER"],
    ["new_buyers", "BIGINT"],
    ["cac", "DOUBLE"],
    ["ltv", "DOUBLE"],
    ["romi", "DOUBLE"],
    ["payback_lifetime", "INTEGER"],
    ["cac_basis", "VARCHAR"],
  ],
  mart_kpi_monthly: [
    ["month", "DATE"],
    ["buyers", "BIGINT"],
    ["new_buyers", "BIGINT"],
    ["returning_buyers", "BIGINT"],
    ["orders", "BIGINT"],
    ["revenue", "DOUBLE"],
    ["avg_check", "DOUBLE"],
    ["orders_per_buyer", "DOUBLE"],
    ["revenue_new_buyers", "DOUBLE"],
    ["revenue_returning_buyers", "DOUBLE"],
    ["costs", "DOUBLE"],
  ],
  // Not a SPEC §3 mart: the headline numbers of the report and the demo summary.
  mart_headlines: [
    ["data_as_of", "TIMESTAMP"],
    ["buyers", "BIGINT"],
    ["orders", "BIGINT"],
    ["revenue", "DOUBLE"],
    ["return_rate", "DOUBLE"],
    ["dau", "DOUBLE"],
    ["wau", "DOUBLE"],
    ["mau", "DOUBLE"],
    ["sticky_mau", "DOUBLE"],
    ["ltv_month_0", "DOUBLE"],
    ["ltv_month_5", "DOUBLE"],
    ["costs", "DOUBLE"],
    ["cac", "DOUBLE"],
    ["gross_profit", "DOUBLE"],
    ["romi", "DOUBLE"],
    ["largest_source_id", "VARCHAR"],
    ["largest_source_costs", "DOUBLE"],
    ["largest_source_new_buyers", "BIGINT"],
    ["largest_source_cac", "DOUBLE"],
    ["largest_source_romi", "DOUBLE"],
  ],
  mart_rfm: [
    ["user_id", "VARCHAR"],
    ["recency_days", "INTEGER"],
    ["frequency", "BIGINT"],
    ["monetary", "DOUBLE"],
    ["r_score", "INTEGER"],
    ["f_score", "INTEGER"],
    ["m_score", "INTEGER"],
    ["rfm_cell", "VARCHAR"],
    ["segment", "VARCHAR"],
  ],
  mart_category_monthly: [
    ["month", "DATE"],
    ["category", "VARCHAR"],
    ["orders", "BIGINT"],
    ["buyers", "BIGINT"],
    ["quantity", "DOUBLE"],
    ["revenue", "DOUBLE"],
    ["revenue_share", "DOUBLE"],
    ["returning_buyers", "BIGINT"],
  ],
  mart_clv: [
    ["user_id", "VARCHAR"],
    ["frequency", "BIGINT"],
    ["recency_days", "INTEGER"],
    ["tenure_days", "INTEGER"],
    ["monetary_value", "DOUBLE"],
    ["p_alive", "DOUBLE"],
    ["expected_purchases", "DOUBLE"],
    ["expected_avg_revenue", "DOUBLE"],
    ["predicted_clv", "DOUBLE"],
    ["horizon_days", "INTEGER"],
  ],
  mart_clv_model: [
    ["r", "DOUBLE"],
    ["alpha", "DOUBLE"],
    ["a", "DOUBLE"],
    ["b", "DOUBLE"],
    ["p", "DOUBLE"],
    ["q", "DOUBLE"],
    ["v", "DOUBLE"],
    ["bgnbd_log_likelihood", "DOUBLE"],
    ["gg_log_likelihood", "DOUBLE"],
    ["bgnbd_customers", "BIGINT"],
    ["gg_customers", "BIGINT"],
    ["bgnbd_converged", "BOOLEAN"],
    ["gg_converged", "BOOLEAN"],
  ],
  mart_conversion: [
    ["grain", "VARCHAR"],
    ["cohort_start", "DATE"],
    ["source_id", "VARCHAR"],
    ["visitors", "BIGINT"],
    ["buyers", "BIGINT"],
    ["conversion_rate", "DOUBLE"],
    ["buyers_day_0", "BIGINT"],
    ["buyers_day_7", "BIGINT"],
    ["buyers_day_30", "BIGINT"],
    ["conversion_day_0", "DOUBLE"],
    ["conversion_day_7", "DOUBLE"],
    ["conversion_day_30", "DOUBLE"],
    ["median_minutes_to_first_order", "DOUBLE"],
  ],
  mart_value_at_risk: [
    ["user_id", "VARCHAR"],
    ["segment", "VARCHAR"],
    ["r_score", "INTEGER"],
    ["f_score", "INTEGER"],
    ["m_score", "INTEGER"],
    ["orders_count", "BIGINT"],
    ["gross_profit_total", "DOUBLE"],
    ["days_since_last_order", "INTEGER"],
    ["p_alive", "DOUBLE"],
    ["churn_risk", "DOUBLE"],
    ["predicted_clv", "DOUBLE"],
    ["value_at_risk", "DOUBLE"],
    ["risk_rank", "INTEGER"],
  ],
  mart_clusters: [
    ["user_id", "VARCHAR"],
    ["cluster", "INTEGER"],
    ["distance", "DOUBLE"],
  ],
  mart_cluster_summary: [
    ["cluster", "INTEGER"],
    ["k", "INTEGER"],
    ["buyers", "BIGINT"],
    ["share_of_buyers", "DOUBLE"],
    ["mean_recency_days", "DOUBLE"],
    ["mean_frequency", "DOUBLE"],
    ["mean_monetary", "DOUBLE"],
    ["revenue_share", "DOUBLE"],
    ["silhouette", "DOUBLE"],
    ["label", "VARCHAR"],
  ],
};

let warehouse: Warehouse;

beforeAll(async () => {
  // Empty raw tables are enough: the types come from the queries.
  warehouse = await fixtureWarehouse();
  await buildAll(warehouse);
});

describe("mart tables", () => {
  it("are exactly the SPEC §3 marts (but CLV) and mart_headlines, as tables in main", async () => {
  it("are exactly the SPEC §3 marts as tables in main", async () => {
    const rows = await warehouse.all<{ table_name: string; table_type: string }>(
      "select table_name, table_type from information_schema.tables where table_schema = 'main' and table_name like 'mart_%' order by table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual(Object.keys(expected).sort());
    expect(new Set(rows.map((row) => row.table_type))).toEqual(new Set(["BASE TABLE"]));
  });

  for (const [mart, columns] of Object.entries(expected)) {
    it(`${mart} has the SPEC columns in order with the SPEC types`, async () => {
      const rows = await warehouse.all<{ column_name: string; data_type: string }>(
        "select column_name, data_type from information_schema.columns where table_schema = 'main' and table_name = $1 order by ordinal_position",
        [mart],
      );
      expect(rows.map((row) => [row.column_name, row.data_type])).toEqual(columns);
    });
  }

  it("the cluster marts are empty without buyers", async () => {
    expect(await warehouse.all("select count(*) as n from mart_cluster_summary")).toEqual([
      { n: 0 },
    ]);
    expect(await warehouse.all("select count(*) as n from mart_clusters")).toEqual([{ n: 0 }]);
  });

  it("mart_activity_summary has its one row even without data", async () => {
    expect(await warehouse.all("select count(*) as n from mart_activity_summary")).toEqual([
      { n: 1 },
    ]);
  });
});
