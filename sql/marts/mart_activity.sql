/*
description: >
  Active users and sessions per day, ISO week and calendar month (SPEC §3
  mart_activity). Only periods with at least one session have a row.
grain: one row per (grain, period_start)
# A period's rows count only its own sessions: a new day recomputes its day,
# week and month, reading the sessions of those periods only.
kind: incremental_by_partition
partitioned_by: [period_start]
partition_of:
  stg_visits:
    - cast(session_start as date)
    - cast(date_trunc('week', session_start) as date)
    - cast(date_trunc('month', session_start) as date)
columns:
  grain: {description: "day, week or month", type: VARCHAR, tests: [not_null, {accepted_values: [day, week, month]}]}
  period_start: {description: first day of the period, type: DATE, tests: [not_null]}
  active_users: {description: distinct users with a session starting in the period, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  sessions: {description: sessions starting in the period, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  avg_session_seconds: {description: mean session_end − session_start in seconds, type: DOUBLE, tests: [not_null, {range: {min: 0}}]}
tests:
  - unique: {columns: [grain, period_start]}
  - expression: {name: active_users_within_sessions, check: active_users <= sessions}
*/
with

visits as (
    select * from staging.stg_visits
),

-- date_trunc('week', …) starts weeks on Monday (ISO)
sessions as (
    select
        user_id,
        cast(session_start as date) as day,
        cast(date_trunc('week', session_start) as date) as week,
        cast(date_trunc('month', session_start) as date) as month,
        date_diff('microsecond', session_start, session_end) as session_microseconds
    from visits
),

-- one pass over the sessions for the three grains
final as (
    select
        cast(
            case when grouping(day) = 0 then 'day' when grouping(week) = 0 then 'week' else 'month' end
            as varchar
        ) as grain,
        cast(coalesce(day, week, month) as date) as period_start,
        cast(count(distinct user_id) as bigint) as active_users,
        cast(count(*) as bigint) as sessions,
        -- integer microseconds sum exactly: the mean does not depend on thread scheduling
        cast(avg(session_microseconds) / 1e6 as double) as avg_session_seconds
    from sessions
    group by grouping sets ((day), (week), (month))
)

select * from final
order by grain, period_start
