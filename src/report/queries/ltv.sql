-- LTV curves of the most recent cohorts ($2 of them) of grain $1, plus an
-- "all cohorts" curve that cannot fall: lifetime by lifetime it adds the
-- gross profit per buyer of the cohorts that reached that lifetime (a
-- plain size-weighted mean would drop where only a few older cohorts are
-- left, which reads as buyers giving money back).
with

ltv as (
    select * from main.mart_ltv
    where grain = $1
),

recent_cohorts as (
    select distinct cohort_start
    from ltv
    order by cohort_start desc
    limit $2
),

cohorts as (
    select
        strftime(ltv.cohort_start, '%Y-%m-%d') as cohort_start,
        ltv.lifetime,
        ltv.cohort_size,
        ltv.ltv
    from ltv
    inner join recent_cohorts on recent_cohorts.cohort_start = ltv.cohort_start
),

increments as (
    select
        lifetime,
        sum(cohort_size) as cohort_size,
        coalesce(fsum(gross_profit) / nullif(sum(cohort_size), 0), 0) as increment
    from ltv
    group by lifetime
),

weighted as (
    select
        'all cohorts' as cohort_start,
        lifetime,
        cohort_size,
        sum(increment) over (order by lifetime rows between unbounded preceding and current row)
            as ltv
    from increments
),

final as (
    select * from cohorts
    union all
    select * from weighted
)

select * from final
order by cohort_start, lifetime
