-- Headline KPIs of the run report, read from the marts only (the analyst
-- database has no staging or intermediate tables). One row; see
-- read-report-data.ts for the meaning of each column.
with

profiles as (
    select * from main.mart_user_profile
),

summary as (
    select * from main.mart_activity_summary
),

month_ltv as (
    select * from main.mart_ltv
    where grain = 'month'
),

all_cac as (
    select * from main.mart_cac
    where source_id = '(all)'
),

buyers as (
    select
        count(*) as buyers,
        sum(orders_count) as orders,
        fsum(revenue_total) as revenue,
        count(*) filter (where is_returning) / nullif(count(*), 0) as return_rate
    from profiles
),

-- LTV at month k over every cohort that has reached lifetime k, weighted by
-- cohort size (Σ cum_gross_profit / Σ cohort_size), as in the demo summary
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

-- months without cost data priced at the assumed CPA (cac_basis = assumed) count at that price
costs as (
    select
        fsum(costs) + coalesce(fsum(cac * new_buyers) filter (where cac_basis = 'assumed'), 0)
            as costs,
        sum(new_buyers) as new_buyers,
        max(cac) filter (where cac_basis = 'assumed') as assumed_cpa,
        count(*) filter (where cac_basis = 'assumed') as assumed_months
    from all_cac
),

final as (
    select
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
        costs.costs,
        costs.costs / nullif(costs.new_buyers, 0) as cac,
        costs.assumed_cpa,
        costs.assumed_months,
        gross_profit.gross_profit,
        gross_profit.gross_profit / nullif(costs.costs, 0) as romi
    from buyers
    cross join ltv
    cross join costs
    cross join gross_profit
    left join summary on true
)

select * from final
