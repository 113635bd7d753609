-- Conversion of visitors into buyers by days since the first visit, per
-- acquisition source (the $1 with the most visitors, and (all)): for day d,
-- the buyers within d days over the visitors of the week cohorts whose every
-- member has had d days by as_of_date (so young cohorts do not pull the
-- 30-day share down); "to date" is every cohort's conversion so far.
with

conversion as (
    select * from main.mart_conversion
    where grain = 'week'
),

as_of as (
    select greatest(
        (select max(period_start) from main.mart_activity where grain = 'day'),
        (select cast(max(last_order_at) as date) from main.mart_user_profile)
    ) as as_of_date
),

top_sources as (
    select source_id
    from conversion
    where source_id not in ('(all)', '(unknown)')
    group by source_id
    order by sum(visitors) desc, source_id
    limit $1
),

chosen as (
    select * from conversion
    where source_id = '(all)' or source_id in (select source_id from top_sources)
),

days as (
    select * from (values (0, 'same day', 1), (7, 'within 7 days', 7), (30, 'within 30 days', 30))
        as t (days, label, window_days)
),

by_day as (
    select
        chosen.source_id,
        days.days,
        days.label,
        sum(case days.days
            when 0 then chosen.buyers_day_0
            when 7 then chosen.buyers_day_7
            else chosen.buyers_day_30
        end) / sum(chosen.visitors) as conversion,
        sum(chosen.visitors) as visitors
    from chosen
    cross join days
    cross join as_of
    -- the cohort's last member (first visit on its Sunday) has had the whole window
    where chosen.cohort_start + 6 + days.window_days <= as_of.as_of_date
    group by chosen.source_id, days.days, days.label
),

to_date as (
    select
        source_id,
        9999 as days,
        'to date' as label,
        sum(buyers) / sum(visitors) as conversion,
        sum(visitors) as visitors
    from chosen
    group by source_id
),

final as (
    select * from by_day
    union all
    select * from to_date
)

select * from final
order by source_id, days
