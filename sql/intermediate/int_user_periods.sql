/*
description: >
  Each visitor's activity per day, ISO week and calendar month (SPEC §3
  mart_activity): the sessions that start in the period and their summed
  length. mart_activity counts these rows instead of distinct users over
  every session, and a new day recomputes only the users it touches.
kind: incremental_by_partition
partitioned_by: [user_id]
grain: one row per (grain, period_start, user) with a session starting in the period
columns:
  grain: {description: "day, week or month", type: VARCHAR, tests: [not_null, {accepted_values: [day, week, month]}]}
  period_start: {description: first day of the period, type: DATE, tests: [not_null]}
  user_id: {description: visitor, type: VARCHAR, tests: [not_null]}
  sessions: {description: the user's sessions starting in the period, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  session_microseconds: {description: "summed session_end − session_start of those sessions, in microseconds", type: BIGINT, tests: [not_null]}
tests:
  - unique: {columns: [grain, period_start, user_id]}
*/
with

visits as (
    select * from staging.stg_visits
),

grains as (
    select unnest(['day', 'week', 'month']) as grain
),

sessions as (
    select
        user_id,
        cast(session_start as date) as session_date,
        date_diff('microsecond', session_start, session_end) as session_microseconds
    from visits
),

-- date_trunc('week', …) starts weeks on Monday (ISO)
placed as (
    select
        grains.grain,
        cast(date_trunc(grains.grain, sessions.session_date) as date) as period_start,
        sessions.user_id,
        sessions.session_microseconds
    from sessions
    cross join grains
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(period_start as date) as period_start,
        user_id,
        cast(count(*) as bigint) as sessions,
        -- integer microseconds sum exactly, whatever the order
        cast(sum(session_microseconds) as bigint) as session_microseconds
    from placed
    group by grain, period_start, user_id
)

select * from final
