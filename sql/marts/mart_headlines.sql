/*
description: >
  The headline numbers in one row, the one definition read by the run
  report's KPIs and the demo summary: activity (SPEC §3
  mart_activity_summary), buyers and return rate, month-0 and month-5 LTV,
  and CAC and ROMI to date both of every source together ('(all)' in
  mart_cac) and of the largest source by costs.
grain: one row
columns:
  data_as_of: {description: the data's as-of point (SPEC §2), type: TIMESTAMP}
  buyers: {description: buyers with at least one staged order, type: BIGINT}
  orders: {description: their staged orders, type: BIGINT}
  revenue: {description: their revenue in the base currency, type: DOUBLE}
  return_rate: {description: share of buyers with two or more orders, type: DOUBLE, tests: [{range: {min: 0, max: 1}}]}
  dau: {description: mean daily active users (mart_activity_summary), type: DOUBLE}
  wau: {description: mean weekly active users (mart_activity_summary), type: DOUBLE}
  mau: {description: mean monthly active users (mart_activity_summary), type: DOUBLE}
  sticky_mau: {description: dau / mau (mart_activity_summary), type: DOUBLE}
  ltv_month_0: {description: "gross profit per buyer at month lifetime 0 over every cohort, weighted by cohort size", type: DOUBLE}
  ltv_month_5: {description: "the same at month lifetime 5, over the cohorts that have reached it", type: DOUBLE}
  costs: {description: "marketing costs of every source; months without cost data (cac_basis = assumed) count their new buyers at the assumed CPA", type: DOUBLE}
  cac: {description: costs / new buyers of every source, type: DOUBLE}
  assumed_cpa: {description: the assumed CPA (setting assumedCac) where a month without cost data used it; null otherwise, type: DOUBLE}
  assumed_months: {description: months priced at the assumed CPA, type: BIGINT}
  gross_profit: {description: gross profit to date of every buyer, type: DOUBLE}
  romi: {description: gross_profit / costs, type: DOUBLE}
  largest_source_id: {description: "the real source with the most costs (on equal costs, the smallest source_id)", type: VARCHAR}
  largest_source_costs: {description: its costs, type: DOUBLE}
  largest_source_new_buyers: {description: the buyers it acquired, type: BIGINT}
  largest_source_cac: {description: its costs / its new buyers, type: DOUBLE}
  largest_source_romi: {description: gross profit to date of its buyers / its costs, type: DOUBLE}
tests:
  - row_count: {min: 1, max: 1}
*/
with

as_of as (
    select * from intermediate.int_data_as_of
),

profiles as (
    select * from mart_user_profile
),

summary as (
    select * from mart_activity_summary
),

month_ltv as (
    select * from mart_ltv
    where grain = 'month'
),

cac as (
    select * from mart_cac
),

romi as (
    select * from mart_romi
),

buyers as (
    select
        count(*) as buyers,
        sum(orders_count)::bigint as orders,
        fsum(revenue_total) as revenue,
        count(*) filter (where is_returning) / nullif(count(*), 0) as return_rate
    from profiles
),

-- LTV at month k over every cohort that has reached lifetime k, weighted by
-- cohort size: Σ cum_gross_profit / Σ cohort_size
ltv as (
    select
        fsum(cum_gross_profit) filter (where lifetime = 0)
            / nullif(sum(cohort_size) filter (where lifetime = 0), 0) as ltv_month_0,
        fsum(cum_gross_profit) filter (where lifetime = 5)
            / nullif(sum(cohort_size) filter (where lifetime = 5), 0) as ltv_month_5
    from month_ltv
),

-- gross profit to date of every buyer: each monthly cohort's cumulative
-- gross profit at its latest lifetime
latest_lifetimes as (
    select cum_gross_profit
    from month_ltv
    qualify lifetime = max(lifetime) over (partition by cohort_start)
),

gross_profit as (
    select fsum(cum_gross_profit) as gross_profit
    from latest_lifetimes
),

-- every source together: the '(all)' rows of mart_cac; a month without cost
-- data (cac_basis = assumed) counts its new buyers at the assumed CPA
all_costs as (
    select
        fsum(costs) + coalesce(fsum(cac * new_buyers) filter (where cac_basis = 'assumed'), 0)
            as costs,
        sum(new_buyers)::bigint as new_buyers,
        max(cac) filter (where cac_basis = 'assumed') as assumed_cpa,
        count(*) filter (where cac_basis = 'assumed') as assumed_months
    from cac
    where source_id = '(all)'
),

-- the real source with the most staged costs (ties: smallest source_id)
largest_source as (
    select
        source_id,
        fsum(costs) as costs,
        sum(new_buyers)::bigint as new_buyers
    from cac
    where source_id not in ('(all)', '(unknown)')
    group by source_id
    order by costs desc, source_id
    limit 1
),

-- gross profit to date of the buyers it acquired: ltv × new_buyers at each
-- cohort's latest lifetime
latest_source_cohorts as (
    select
        romi.ltv,
        romi.new_buyers
    from romi
    inner join largest_source
        on romi.source_id = largest_source.source_id
    qualify romi.lifetime = max(romi.lifetime) over (partition by romi.cohort_start)
),

source_gross_profit as (
    select fsum(ltv * new_buyers) as gross_profit
    from latest_source_cohorts
),

final as (
    select
        as_of.data_as_of,
        buyers.buyers,
        buyers.orders,
        buyers.revenue,
        buyers.return_rate,
        summary.dau,
        summary.wau,
        summary.mau,
        summary.sticky_mau,
        ltv.ltv_month_0,
        ltv.ltv_month_5,
        all_costs.costs,
        all_costs.costs / nullif(all_costs.new_buyers, 0) as cac,
        all_costs.assumed_cpa,
        all_costs.assumed_months,
        gross_profit.gross_profit,
        gross_profit.gross_profit / nullif(all_costs.costs, 0) as romi,
        largest_source.source_id as largest_source_id,
        largest_source.costs as largest_source_costs,
        largest_source.new_buyers as largest_source_new_buyers,
        largest_source.costs / nullif(largest_source.new_buyers, 0) as largest_source_cac,
        source_gross_profit.gross_profit / nullif(largest_source.costs, 0) as largest_source_romi
    from as_of
    cross join buyers
    cross join ltv
    cross join all_costs
    cross join gross_profit
    left join summary on true
    left join largest_source on true
    left join source_gross_profit on true
)

select * from final
