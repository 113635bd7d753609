/*
description: >
  Cohort retention (SPEC §3 mart_retention): visitor cohorts active by
  session (basis visits) and buyer cohorts active by order (basis orders),
  per ISO week and calendar month, with dense lifetimes up to as_of_date.
grain: one row per (basis, grain, cohort_start, lifetime)
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null, {accepted_values: [visits, orders]}]}
  grain: {description: week or month, type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  cohort_start: {description: first day of the cohort's period, type: DATE, tests: [not_null]}
  lifetime: {description: whole periods since cohort_start, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  cohort_size: {description: members of the cohort, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  active_users: {description: members active in the lifetime's period, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  retention_rate: {description: active_users / cohort_size, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
tests:
  - unique: {columns: [basis, grain, cohort_start, lifetime]}
  # everyone is active in the period they joined in
  - range: {name: lifetime_0_retention_is_1, column: retention_rate, min: 1, max: 1, where: lifetime = 0}
*/
with

lifetimes as (
    select * from intermediate.int_cohort_lifetimes
),

-- visitors active per cohort and period, kept current by period
visitor_activity as (
    select 'visits' as basis, grain, cohort_start, period_start, active_users
    from intermediate.int_visitor_activity
),

orders as (
    select * from intermediate.int_cohort_orders
),

-- a buyer is active in each period holding one of its orders
buyer_activity as (
    select
        'orders' as basis,
        grain,
        cohort_start,
        period_start,
        count(distinct user_id) as active_users
    from orders
    group by grain, cohort_start, period_start
),

active_members as (
    select * from visitor_activity
    union all
    select * from buyer_activity
),

-- §2: rows are dense, a lifetime without activity has zero active users
final as (
    select
        cast(lifetimes.basis as varchar) as basis,
        cast(lifetimes.grain as varchar) as grain,
        cast(lifetimes.cohort_start as date) as cohort_start,
        cast(lifetimes.lifetime as integer) as lifetime,
        cast(lifetimes.cohort_size as bigint) as cohort_size,
        cast(coalesce(active_members.active_users, 0) as bigint) as active_users,
        cast(coalesce(active_members.active_users, 0) / lifetimes.cohort_size as double) as retention_rate
    from lifetimes
    left join active_members
        on lifetimes.basis = active_members.basis
        and lifetimes.grain = active_members.grain
        and lifetimes.cohort_start = active_members.cohort_start
        and lifetimes.period_start = active_members.period_start
)

select * from final
order by basis, grain, cohort_start, lifetime
