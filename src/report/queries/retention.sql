-- Retention of the most recent cohorts ($2 of them) of grain $1, both bases.
with

retention as (
    select * from main.mart_retention
    where grain = $1
),

recent_cohorts as (
    select distinct cohort_start
    from retention
    order by cohort_start desc
    limit $2
),

final as (
    select
        retention.basis,
        strftime(retention.cohort_start, '%Y-%m-%d') as cohort_start,
        retention.lifetime,
        retention.cohort_size,
        retention.retention_rate
    from retention
    inner join recent_cohorts on recent_cohorts.cohort_start = retention.cohort_start
)

select * from final
order by basis, cohort_start, lifetime
