/*
description: >
  How visitors become buyers (SPEC §3 mart_conversion). Visitor cohorts by
  the period of the first visit and acquisition source (the first visit's
  source_id, (unknown) without one), plus (all) per cohort: visitors,
  buyers (those with a staged order at any time), buyers whose first order
  came less than 1, 7 and 30 whole days after the date of the first visit
  (an order before the first visit counts as day 0), and the median
  minutes from first visit to first order. Buyers without a visit are not
  visitors.
grain: one row per (grain, cohort_start, source_id)
columns:
  grain: {description: "week or month", type: VARCHAR, tests: [not_null, {accepted_values: [week, month]}]}
  cohort_start: {description: first day of the period of the first visit, type: DATE, tests: [not_null]}
  source_id: {description: "acquisition source, (unknown) or (all)", type: VARCHAR, tests: [not_null]}
  visitors: {description: users whose first visit is in the cohort, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  buyers: {description: those visitors with a staged order at any time, type: BIGINT, tests: [not_null, {range: {min: 0}}]}
  conversion_rate: {description: buyers / visitors, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  buyers_day_0: {description: "buyers whose first order date − first visit date < 1", type: BIGINT, tests: [not_null]}
  buyers_day_7: {description: "buyers whose first order date − first visit date < 7", type: BIGINT, tests: [not_null]}
  buyers_day_30: {description: "buyers whose first order date − first visit date < 30", type: BIGINT, tests: [not_null]}
  conversion_day_0: {description: buyers_day_0 / visitors, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  conversion_day_7: {description: buyers_day_7 / visitors, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  conversion_day_30: {description: buyers_day_30 / visitors, type: DOUBLE, tests: [not_null, {range: {min: 0, max: 1}}]}
  median_minutes_to_first_order: {description: "median of minutes_to_first_order over the cohort's buyers whose first order is at or after their first visit; null when none", type: DOUBLE, tests: [{range: {min: 0}}]}
tests:
  - unique: {columns: [grain, cohort_start, source_id]}
  - expression:
      name: day_buyers_nest
      check: buyers_day_0 <= buyers_day_7 and buyers_day_7 <= buyers_day_30 and buyers_day_30 <= buyers
  - reconcile:
      name: all_visitors_match_first_visits
      left: select coalesce(sum(visitors), 0) from main.mart_conversion where grain = 'month' and source_id = '(all)'
      right: select count(*) from intermediate.int_first_visits
  - reconcile:
      name: all_buyers_match_visitors_who_bought
      left: select coalesce(sum(buyers), 0) from main.mart_conversion where grain = 'month' and source_id = '(all)'
      right: select count(*) from main.mart_user_profile where first_visit_at is not null
  - reconcile:
      name: sources_add_up_to_all
      left: select coalesce(sum(buyers), 0) from main.mart_conversion where grain = 'week' and source_id <> '(all)'
      right: select coalesce(sum(buyers), 0) from main.mart_conversion where grain = 'week' and source_id = '(all)'
*/
with

first_visits as (
    select * from intermediate.int_first_visits
),

buyers as (
    select * from intermediate.int_buyers
),

-- every visitor with the first order, if any; buyers without a visit are not visitors (§3)
visitors as (
    select
        first_visits.user_id,
        first_visits.first_visit_at,
        coalesce(first_visits.source_id, '(unknown)') as source_id,
        buyers.first_order_at,
        date_diff('day', cast(first_visits.first_visit_at as date), cast(buyers.first_order_at as date))
            as days_to_first_order,
        date_diff('microsecond', first_visits.first_visit_at, buyers.first_order_at) / 60e6
            as minutes_to_first_order
    from first_visits
    left join buyers
        on first_visits.user_id = buyers.user_id
),

-- date_trunc('week', …) starts weeks on Monday (ISO)
cohorts as (
    select
        *,
        cast(date_trunc('week', first_visit_at) as date) as week_start,
        cast(date_trunc('month', first_visit_at) as date) as month_start
    from visitors
),

-- one pass for both grains, each visitor counted for its acquisition source
-- and for (all); §3: a first order before the first visit has a negative day
-- difference and counts as day 0
grouped as (
    select
        case when grouping(week_start) = 0 then 'week' else 'month' end as grain,
        coalesce(week_start, month_start) as cohort_start,
        case when grouping(source_id) = 0 then source_id else '(all)' end as source_id,
        count(*) as visitors,
        count(first_order_at) as buyers,
        count(*) filter (where days_to_first_order < 1) as buyers_day_0,
        count(*) filter (where days_to_first_order < 7) as buyers_day_7,
        count(*) filter (where days_to_first_order < 30) as buyers_day_30,
        -- §3: median over buyers whose first order is at or after the first visit; the mean of the two middle values for an even count
        median(minutes_to_first_order) filter (where minutes_to_first_order >= 0)
            as median_minutes_to_first_order
    from cohorts
    group by grouping sets (
        (week_start, source_id), (week_start), (month_start, source_id), (month_start)
    )
),

final as (
    select
        cast(grain as varchar) as grain,
        cast(cohort_start as date) as cohort_start,
        cast(source_id as varchar) as source_id,
        cast(visitors as bigint) as visitors,
        cast(buyers as bigint) as buyers,
        cast(buyers / visitors as double) as conversion_rate,
        cast(buyers_day_0 as bigint) as buyers_day_0,
        cast(buyers_day_7 as bigint) as buyers_day_7,
        cast(buyers_day_30 as bigint) as buyers_day_30,
        cast(buyers_day_0 / visitors as double) as conversion_day_0,
        cast(buyers_day_7 / visitors as double) as conversion_day_7,
        cast(buyers_day_30 / visitors as double) as conversion_day_30,
        cast(median_minutes_to_first_order as double) as median_minutes_to_first_order
    from grouped
)

select * from final
order by grain, cohort_start, source_id
