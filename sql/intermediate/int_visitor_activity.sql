/*
description: >
  Visitor cohorts' activity (SPEC §3 mart_retention, basis visits): for each
  ISO week and calendar month, the distinct visitors with a session in it,
  by the cohort (of the same grain) of their first visit. A period's rows
  count only its own sessions, so a new day recomputes its week and month;
  a member whose cohort changed (a late first visit) recomputes every period
  with a row of its old or new cohort, which holds every period it was
  active in.
kind: incremental_by_partition
partitioned_by: [period_start]
partition_of:
  stg_visits:
    - cast(date_trunc('week', session_start) as date)
    - cast(date_trunc('month', session_start) as date)
lookups:
  int_cohort_members: >
    changed.basis = 'visits'
    and ((t.grain = 'week' and t.cohort_start = changed.week_cohort_start)
      or (t.grain = 'month' and t.cohort_start = changed.month_cohort_start))
grain: one row per (grain, cohort_start, period_start) with at least one active visitor
columns:
  grain: {description: week or month, type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  cohort_start: {description: first day of the visitors' cohort period, type: DATE, tests: [not_null]}
  period_start: {description: first day of the period they were active in, type: DATE, tests: [not_null]}
  active_users: {description: distinct visitors of the cohort with a session starting in the period, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
tests:
  - unique: {columns: [grain, cohort_start, period_start]}
*/
with

visits as (
    select * from staging.stg_visits
),

visitors as (
    select * from intermediate.int_cohort_members
    where basis = 'visits'
),

-- each session once, with its visitor's week and month cohorts: one pass
-- counts both grains
sessions as (
    select
        visits.user_id,
        visitors.week_cohort_start,
        visitors.month_cohort_start,
        -- date_trunc('week', …) starts weeks on Monday (ISO)
        cast(date_trunc('week', visits.session_start) as date) as week_start,
        cast(date_trunc('month', visits.session_start) as date) as month_start
    from visits
    inner join visitors
        on visits.user_id = visitors.user_id
),

-- a visitor is active in each period holding one of its sessions
final as (
    select
        cast(case when grouping(week_start) = 0 then 'week' else 'month' end as varchar) as grain,
        cast(coalesce(week_cohort_start, month_cohort_start) as date) as cohort_start,
        cast(coalesce(week_start, month_start) as date) as period_start,
        cast(count(distinct user_id) as bigint) as active_users
    from sessions
    group by grouping sets ((week_cohort_start, week_start), (month_cohort_start, month_start))
)

select * from final
