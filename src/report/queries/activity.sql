-- Active users per day, week and month over the last year of data, for the
-- DAU/WAU/MAU chart.
with

activity as (
    select * from main.mart_activity
),

horizon as (
    select max(period_start) - interval 365 day as since
    from activity
    where grain = 'day'
),

final as (
    select
        activity.grain,
        strftime(activity.period_start, '%Y-%m-%d') as period_start,
        activity.active_users
    from activity
    cross join horizon
    where activity.period_start >= coalesce(horizon.since, date '1900-01-01')
)

select * from final
order by grain, period_start
