-- Sticky factor per month: mean daily active users of the month over its
-- monthly active users (the monthly reading of mart_activity_summary's sticky_mau).
with

days as (
    select * from main.mart_activity
    where grain = 'day'
),

months as (
    select * from main.mart_activity
    where grain = 'month'
),

daily_by_month as (
    select
        date_trunc('month', period_start) as month,
        avg(active_users) as dau
    from days
    group by all
),

final as (
    select
        strftime(months.period_start, '%Y-%m-%d') as month,
        daily_by_month.dau / months.active_users as sticky
    from months
    inner join daily_by_month on daily_by_month.month = months.period_start
)

select * from final
order by month
