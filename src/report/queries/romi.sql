-- ROMI curves per source: for each lifetime k, the gross profit to k of the
-- buyers of every cohort that has reached k over those cohorts' costs
-- (Σ ltv·new_buyers / Σ cac·new_buyers); the $1 sources with the most costs
-- and all sources. payback_lifetime: the first lifetime with romi ≥ 1;
-- cohorts_paid_back: cohorts of the source whose own payback_lifetime is set.
with

romi as (
    select * from main.mart_romi
    where cac > 0
),

top_sources as (
    select source_id
    from romi
    where source_id not in ('(all)', '(unknown)')
    group by source_id
    order by fsum(cac * new_buyers) desc, source_id
    limit $1
),

curves as (
    select
        source_id,
        lifetime,
        count(*) as cohorts,
        fsum(ltv * new_buyers) / fsum(cac * new_buyers) as romi,
        count(*) filter (where cac_basis = 'assumed') as assumed_cohorts,
        max(cac) filter (where cac_basis = 'assumed') as assumed_cpa
    from romi
    where source_id = '(all)'
        or source_id in (select source_id from top_sources)
    group by source_id, lifetime
),

paid_back as (
    select
        source_id,
        count(distinct cohort_start) as cohorts,
        count(distinct cohort_start) filter (where payback_lifetime is not null) as cohorts_paid_back
    from romi
    group by source_id
),

final as (
    select
        curves.source_id,
        curves.lifetime,
        curves.cohorts as cohorts_at_lifetime,
        curves.romi,
        curves.assumed_cohorts,
        curves.assumed_cpa,
        min(curves.lifetime) filter (where curves.romi >= 1)
            over (partition by curves.source_id) as payback_lifetime,
        paid_back.cohorts,
        paid_back.cohorts_paid_back
    from curves
    inner join paid_back on paid_back.source_id = curves.source_id
)

select * from final
order by source_id, lifetime
