/*
description: >
  Cohort membership (SPEC §2): visitor cohorts by the period of the first
  visit (basis visits) and buyer cohorts by the period of the first order
  (basis orders), for week (ISO, from Monday) and month grains. A period is
  named by its first day.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (basis, grain, user)
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null, {accepted_values: [visits, orders]}]}
  grain: {description: week or month, type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  user_id: {description: member, type: VARCHAR, tests: [not_null]}
  cohort_start: {description: first day of the cohort's period, type: DATE, tests: [not_null]}
tests:
  - unique: {columns: [basis, grain, user_id]}
*/
with

first_visits as (
    select * from intermediate.int_first_visits
),

buyers as (
    select * from intermediate.int_buyers
),

grains as (
    select unnest(['week', 'month']) as grain
),

members as (
    select
        'visits' as basis,
        user_id,
        cast(first_visit_at as date) as joined_on
    from first_visits
    union all
    select
        'orders' as basis,
        user_id,
        cast(first_order_at as date) as joined_on
    from buyers
),

-- date_trunc('week', …) starts weeks on Monday (ISO)
final as (
    select
        members.basis,
        grains.grain,
        members.user_id,
        cast(date_trunc(grains.grain, members.joined_on) as date) as cohort_start
    from members
    cross join grains
)

select * from final
