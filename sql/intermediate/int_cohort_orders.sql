/*
description: >
  Every staged order of a buyer placed in its buyer cohort (SPEC §2), per
  grain, with the period it falls in; int_cohort_lifetimes names that
  period's lifetime. Visitor activity needs no such table:
  int_visitor_activity counts it from the sessions, per period.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (grain, order)
columns:
  grain: {description: week or month, type: VARCHAR, tests: [not_null]}
  user_id: {description: buyer, type: VARCHAR, tests: [not_null]}
  cohort_start: {description: first day of the buyer's cohort period, type: DATE, tests: [not_null]}
  period_start: {description: first day of the order's period, type: DATE, tests: [not_null]}
  order_id: {description: the order, type: VARCHAR, tests: [not_null]}
  revenue: {description: revenue of the order in the base currency, type: DOUBLE}
tests:
  - unique: {columns: [grain, order_id]}
*/
with

orders as (
    select * from staging.stg_orders
),

members as (
    select * from intermediate.int_cohort_members
    where basis = 'orders'
),

grains as (
    select unnest(['week', 'month']) as grain
),

final as (
    select
        grains.grain,
        orders.user_id,
        case grains.grain
            when 'week' then members.week_cohort_start
            when 'month' then members.month_cohort_start
        end as cohort_start,
        cast(date_trunc(grains.grain, cast(orders.created_at as date)) as date) as period_start,
        orders.order_id,
        orders.revenue
    from orders
    inner join members
        on orders.user_id = members.user_id
    cross join grains
)

select * from final
