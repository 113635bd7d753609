/*
description: >
  The dense lifetime spine of every non-empty cohort (SPEC §2): lifetimes
  0 … k where period k is the one holding as_of_date, so lifetimes whose
  period has begun exist even without activity.
grain: one row per (basis, grain, cohort_start, lifetime)
columns:
  basis: {description: visits or orders, type: VARCHAR, tests: [not_null]}
  grain: {description: week or month, type: VARCHAR, tests: [not_null]}
  cohort_start: {description: first day of the cohort's period, type: DATE, tests: [not_null]}
  cohort_size: {description: members of the cohort, type: BIGINT, tests: [not_null, {range: {min: 1}}]}
  lifetime: {description: whole periods since cohort_start, type: INTEGER, tests: [not_null, {range: {min: 0}}]}
  period_start: {description: first day of the lifetime's period, type: DATE, tests: [not_null]}
tests:
  - unique: {columns: [basis, grain, cohort_start, lifetime]}
  - unique: {columns: [basis, grain, cohort_start, period_start]}
*/
with

members as (
    select * from intermediate.int_cohort_members
),

as_of as (
    select * from intermediate.int_data_as_of
),

cohorts as (
    select
        basis,
        case when grouping(week_cohort_start) = 0 then 'week' else 'month' end as grain,
        coalesce(week_cohort_start, month_cohort_start) as cohort_start,
        count(*) as cohort_size
    from members
    group by grouping sets ((basis, week_cohort_start), (basis, month_cohort_start))
),

-- §2: only lifetimes whose period has begun by as_of_date exist
bounded as (
    select
        cohorts.*,
        cast(date_trunc(cohorts.grain, as_of.as_of_date) as date) as last_period_start
    from cohorts
    cross join as_of
),

-- §2 lifetime: months 12·Δyear + Δmonth; weeks Δdays / 7 (both Mondays)
with_last_lifetime as (
    select
        *,
        case grain
            when 'month' then
                12 * (year(last_period_start) - year(cohort_start))
                + month(last_period_start) - month(cohort_start)
            when 'week' then date_diff('day', cohort_start, last_period_start) // 7
        end as last_lifetime
    from bounded
),

spine as (
    select
        basis,
        grain,
        cohort_start,
        cohort_size,
        unnest(generate_series(0, last_lifetime)) as lifetime
    from with_last_lifetime
),

-- activity finds its lifetime here, by the period it falls in
final as (
    select
        basis,
        grain,
        cohort_start,
        cohort_size,
        cast(lifetime as integer) as lifetime,
        cast(
            case grain
                when 'month' then cohort_start + to_months(cast(lifetime as integer))
                when 'week' then cohort_start + to_days(7 * cast(lifetime as integer))
            end as date
        ) as period_start
    from spine
)

select * from final
