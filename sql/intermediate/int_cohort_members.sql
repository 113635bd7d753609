/*
description: >
  Cohort membership (SPEC §2): visitor cohorts by the period of the first
  visit (basis visits) and buyer cohorts by the period of the first order
  (basis orders), for week (ISO, from Monday) and month grains. A period is
  named by its first day. Both grains sit on one row, so a reader placing
  sessions or orders joins each member once.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (basis, user)
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null, {accepted_values: [visits, orders]}]}
  user_id: {description: member, type: VARCHAR, tests: [not_null]}
  week_cohort_start: {description: Monday of the week the member joined in, type: DATE, tests: [not_null]}
  month_cohort_start: {description: first day of the month the member joined in, type: DATE, tests: [not_null]}
tests:
  - unique: {columns: [basis, user_id]}
*/
with

first_visits as (
    select * from intermediate.int_first_visits
),

buyers as (
    select * from intermediate.int_buyers
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
        basis,
        user_id,
        cast(date_trunc('week', joined_on) as date) as week_cohort_start,
        cast(date_trunc('month', joined_on) as date) as month_cohort_start
    from members
)

select * from final
