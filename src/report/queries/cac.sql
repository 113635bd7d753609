-- CAC per month of the $1 sources with the most costs, and of all sources.
with

cac as (
    select * from main.mart_cac
),

top_sources as (
    select source_id
    from cac
    where source_id not in ('(all)', '(unknown)')
    group by source_id
    order by fsum(costs) desc, source_id
    limit $1
),

final as (
    select
        strftime(cac.month, '%Y-%m-%d') as month,
        cac.source_id,
        cac.costs,
        cac.new_buyers,
        cac.cac,
        cac.cac_basis
    from cac
    where cac.source_id = '(all)'
        or cac.source_id in (select source_id from top_sources)
)

select * from final
order by source_id, month
