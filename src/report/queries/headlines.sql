-- The demo's headline numbers, read from the marts of the last transform.
-- One row; see read-headlines.ts for the meaning of each column.
with

summary as (
    select * from main.mart_activity_summary
),

as_of as (
    select * from intermediate.int_data_as_of
),

profiles as (
    select * from main.mart_user_profile
),

ltv as (
    select * from main.mart_ltv
    where grain = 'month'
),

cac as (
    select * from main.mart_cac
),

romi as (
    select * from main.mart_romi
),

buyers as (
    select
        count(*) as buyers,
        count(*) filter (where is_returning) / nullif(count(*), 0) as return_rate
    from profiles
),

-- LTV at month k over every cohort that has reached lifetime k, weighted by
-- cohort size: Σ cum_gross_profit / Σ cohort_size
ltv_by_month as (
    select
        fsum(cum_gross_profit) filter (where lifetime = 0)
            / nullif(sum(cohort_size) filter (where lifetime = 0), 0) as ltv_month_0,
        fsum(cum_gross_profit) filter (where lifetime = 5)
            / nullif(sum(cohort_size) filter (where lifetime = 5), 0) as ltv_month_5
    from ltv
),

-- the real source with the most staged costs (ties: smallest source_id)
largest_source as (
    select
        source_id,
        fsum(costs) as costs,
        sum(new_buyers) as new_buyers
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
        summary.dau,
        summary.wau,
        summary.mau,
        buyers.buyers,
        buyers.return_rate,
        ltv_by_month.ltv_month_0,
        ltv_by_month.ltv_month_5,
        largest_source.source_id as largest_source_id,
        largest_source.costs as largest_source_costs,
        largest_source.new_buyers as largest_source_new_buyers,
        largest_source.costs / nullif(largest_source.new_buyers, 0) as largest_source_cac,
        source_gross_profit.gross_profit / nullif(largest_source.costs, 0) as largest_source_romi
    from as_of
    cross join summary
    cross join buyers
    cross join ltv_by_month
    left join largest_source on true
    left join source_gross_profit on true
)

select * from final
