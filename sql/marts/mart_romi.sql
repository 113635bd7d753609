/*
description: >
  Return on marketing investment of monthly buyer cohorts by acquisition
  source (SPEC §3 mart_romi): for every mart_cac row with new buyers, the
  cumulative gross profit per new buyer (ltv) through each lifetime, romi =
  ltv / cac, and the first lifetime where romi reaches 1. cac_basis as in
  mart_cac (assumed: cac is the assumedCac setting).
grain: one row per (cohort_start, source_id, lifetime)
columns:
  cohort_start: {description: first day of the cohort's month, type: DATE, tests: [not_null]}
  source_id: {description: "acquisition source, (unknown) or (all)", type: VARCHAR, tests: [not_null]}
  lifetime: {description: whole months since cohort_start, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  new_buyers: {description: buyers of the cohort acquired by the source, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  cac: {description: costs / new_buyers of the cohort's month and source, type: DOUBLE}
  ltv: {description: cumulative gross profit through the lifetime / new_buyers, type: DOUBLE, tests: [not_null]}
  romi: {description: ltv / cac; null when cac is null or 0, type: DOUBLE}
  payback_lifetime: {description: smallest lifetime with romi ≥ 1 for the cohort and source; null if none yet, type: INTEGER, tests: [{range: {min: 0}}]}
  cac_basis: {description: "costs or assumed, as in mart_cac", type: VARCHAR, tests: [not_null, {accepted_values: [costs, assumed]}]}
tests:
  - unique: {columns: [cohort_start, source_id, lifetime]}
  - relationships: {column: source_id, to: mart_cac, field: source_id}
  - expression:
      name: payback_when_romi_reaches_1
      check: romi is null or romi < 1 or payback_lifetime <= lifetime
*/
with

cac as (
    select * from mart_cac
),

buyers as (
    select * from intermediate.int_buyers
),

lifetimes as (
    select * from intermediate.int_cohort_lifetimes
    where basis = 'orders' and grain = 'month'
),

orders as (
    select * from intermediate.int_cohort_orders
    where grain = 'month'
),

-- §3: the rows of mart_cac that have new buyers
cohorts as (
    select
        month as cohort_start,
        source_id,
        new_buyers,
        cac,
        cac_basis
    from cac
    where new_buyers > 0
),

-- each order counts for its buyer's acquisition source and for (all)
attributed_orders as (
    select
        orders.cohort_start,
        buyers.acquisition_source_id as source_id,
        orders.period_start,
        orders.revenue
    from orders
    inner join buyers
        on orders.user_id = buyers.user_id
    union all
    select
        cohort_start,
        '(all)' as source_id,
        period_start,
        revenue
    from orders
),

per_period as (
    select
        cohort_start,
        source_id,
        period_start,
        -- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel fsum
        fsum(revenue order by revenue) as revenue
    from attributed_orders
    group by cohort_start, source_id, period_start
),

-- §2: dense lifetimes up to the one holding as_of_date
dense as (
    select
        cohorts.cohort_start,
        cohorts.source_id,
        lifetimes.lifetime,
        cohorts.new_buyers,
        cohorts.cac,
        cohorts.cac_basis,
        -- §2: gross profit = revenue × margin
        coalesce(per_period.revenue, 0) * getvariable('margin') as gross_profit
    from cohorts
    inner join lifetimes
        on cohorts.cohort_start = lifetimes.cohort_start
    left join per_period
        on cohorts.cohort_start = per_period.cohort_start
        and cohorts.source_id = per_period.source_id
        and lifetimes.period_start = per_period.period_start
),

valued as (
    select
        *,
        sum(gross_profit) over (
            partition by cohort_start, source_id
            order by lifetime
            rows between unbounded preceding and current row
        ) / new_buyers as ltv
    from dense
),

with_romi as (
    select
        *,
        case when cac is not null and cac <> 0 then ltv / cac end as romi
    from valued
),

-- §3: the same payback lifetime on every row of the cohort and source
final as (
    select
        cast(cohort_start as date) as cohort_start,
        cast(source_id as varchar) as source_id,
        cast(lifetime as integer) as lifetime,
        cast(new_buyers as bigint) as new_buyers,
        cast(cac as double) as cac,
        cast(ltv as double) as ltv,
        cast(romi as double) as romi,
        cast(
            min(lifetime) filter (where romi >= 1) over (partition by cohort_start, source_id)
            as integer
        ) as payback_lifetime,
        cast(cac_basis as varchar) as cac_basis
    from with_romi
)

select * from final
order by cohort_start, source_id, lifetime
