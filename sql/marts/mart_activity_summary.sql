/*
description: >
  DAU, WAU, MAU and stickiness (SPEC §3 mart_activity_summary): each is the
  mean of active_users over the periods of its grain that have a session.
grain: one row
columns:
  dau: {description: mean daily active users over days with a session, type: DOUBLE}
  wau: {description: mean weekly active users over ISO weeks with a session, type: DOUBLE}
  mau: {description: mean monthly active users over months with a session, type: DOUBLE}
  # means over different sets of periods, so above 1 is possible but suspicious
  sticky_wau: {description: dau / wau, type: DOUBLE, tests: [{range: {min: 0, max: 1, severity: warn}}]}
  sticky_mau: {description: dau / mau, type: DOUBLE, tests: [{range: {min: 0, max: 1, severity: warn}}]}
  sessions_per_user_per_day: {description: mean over days of sessions / active_users, type: DOUBLE, tests: [{range: {min: 1}}]}
  avg_session_seconds: {description: mean session length over all sessions, type: DOUBLE, tests: [{range: {min: 0}}]}
tests:
  - row_count: {min: 1, max: 1}
*/
with

activity as (
    select * from mart_activity
),

visits as (
    select * from staging.stg_visits
),

by_grain as (
    select
        avg(active_users) filter (where grain = 'day') as dau,
        avg(active_users) filter (where grain = 'week') as wau,
        avg(active_users) filter (where grain = 'month') as mau,
        avg(sessions / active_users order by period_start) filter (where grain = 'day')
            as sessions_per_user_per_day
    from activity
),

-- over all sessions, not the mean of the periods' means
session_lengths as (
    -- integer microseconds sum exactly, so the mean does not depend on thread scheduling
    select avg(date_diff('microsecond', session_start, session_end)) / 1e6 as avg_session_seconds
    from visits
),

final as (
    select
        cast(by_grain.dau as double) as dau,
        cast(by_grain.wau as double) as wau,
        cast(by_grain.mau as double) as mau,
        cast(by_grain.dau / by_grain.wau as double) as sticky_wau,
        cast(by_grain.dau / by_grain.mau as double) as sticky_mau,
        cast(by_grain.sessions_per_user_per_day as double) as sessions_per_user_per_day,
        cast(session_lengths.avg_session_seconds as double) as avg_session_seconds
    from by_grain
    cross join session_lengths
)

select * from final
