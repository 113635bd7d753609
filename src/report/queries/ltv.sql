-- LTV curves of the most recent cohorts ($2 of them) of grain $1, plus the
-- size-weighted curve over every cohort that reached each lifetime.
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

weighted as (
    select
        'all cohorts' as cohort_start,
        lifetime,
        sum(cohort_size) as cohort_size,
        fsum(cum_gross_profit) / nullif(sum(cohort_size), 0) as ltv
    from ltv
    group by lifetime
),

final as (
    select * from cohorts
    union all
    select * from weighted
)

select * from final
order by cohort_start, lifetime
