/*
description: >
  Lifetime value of buyer cohorts (SPEC §3 mart_ltv) per ISO week and
  calendar month: orders, revenue and gross profit of the cohort's orders
  in each lifetime, cumulated, and per cohort member. Dense lifetimes up to
  as_of_date.
grain: one row per (grain, cohort_start, lifetime)
columns:
  grain: {description: week or month, type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  cohort_start: {description: first day of the buyer cohort's period, type: DATE, tests: [not_null]}
  lifetime: {description: whole periods since cohort_start, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  cohort_size: {description: buyers in the cohort, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  orders: {description: the cohort's orders in the lifetime, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  revenue: {description: revenue of those orders, type: DOUBLE, tests: [not_null]}
  gross_profit: {description: revenue × margin, type: DOUBLE, tests: [not_null]}
  cum_gross_profit: {description: gross profit over lifetimes 0 … lifetime, type: DOUBLE, tests: [not_null]}
  ltv: {description: cum_gross_profit / cohort_size, type: DOUBLE, tests: [not_null]}
tests:
  - unique: {columns: [grain, cohort_start, lifetime]}
  - range: {name: lifetime_0_has_orders, column: orders, min: 1, where: lifetime = 0}
  - reconcile:
      name: month_revenue_matches_staged_orders
      left: select coalesce(fsum(revenue), 0) from main.mart_ltv where grain = 'month'
      right: select coalesce(fsum(revenue), 0) from staging.stg_orders
*/
with

lifetimes as (
    select * from intermediate.int_cohort_lifetimes
    where basis = 'orders'
),

orders as (
    select * from intermediate.int_cohort_orders
),

per_period as (
    select
        grain,
        cohort_start,
        period_start,
        count(*) as orders,
        -- summed in a fixed order: bit-identical from run to run (SPEC §5), unlike parallel fsum
        fsum(revenue order by revenue) as revenue
    from orders
    group by grain, cohort_start, period_start
),

-- §2: rows are dense, a lifetime without orders has zeros
dense as (
    select
        lifetimes.grain,
        lifetimes.cohort_start,
        lifetimes.lifetime,
        lifetimes.cohort_size,
        coalesce(per_period.orders, 0) as orders,
        coalesce(per_period.revenue, 0) as revenue,
        -- §2: gross profit = revenue × margin
        coalesce(per_period.revenue, 0) * getvariable('margin') as gross_profit
    from lifetimes
    left join per_period
        on lifetimes.grain = per_period.grain
        and lifetimes.cohort_start = per_period.cohort_start
        and lifetimes.period_start = per_period.period_start
),

cumulated as (
    select
        *,
        sum(gross_profit) over (
            partition by grain, cohort_start
            order by lifetime
            rows between unbounded preceding and current row
        ) as cum_gross_profit
    from dense
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(cohort_start as date) as cohort_start,
        cast(lifetime as integer) as lifetime,
        cast(cohort_size as bigint) as cohort_size,
        cast(orders as bigint) as orders,
        cast(revenue as double) as revenue,
        cast(gross_profit as double) as gross_profit,
        cast(cum_gross_profit as double) as cum_gross_profit,
        cast(cum_gross_profit / cohort_size as double) as ltv
    from cumulated
)

select * from final
order by grain, cohort_start, lifetime
