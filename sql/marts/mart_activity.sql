/*
description: >
  Active users and sessions per day, ISO week and calendar month (SPEC §3
  mart_activity). Only periods with at least one session have a row.
grain: one row per (grain, period_start)
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

user_periods as (
    select * from intermediate.int_user_periods
),

-- one row per user and period: counting rows counts distinct users
final as (
    select
        cast(grain as varchar) as grain,
        cast(period_start as date) as period_start,
        cast(count(*) as bigint) as active_users,
        cast(sum(sessions) as bigint) as sessions,
        -- integer microseconds sum exactly: the mean does not depend on thread scheduling
        cast(cast(sum(session_microseconds) as double) / cast(sum(sessions) as double) / 1e6 as double)
            as avg_session_seconds
    from user_periods
    group by grain, period_start
)

select * from final
order by grain, period_start
